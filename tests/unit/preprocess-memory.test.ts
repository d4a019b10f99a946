// Memory of `saturi preprocess` is bounded by its worker pool, not by the
// corpus: the peak RSS of the run (a child process) is the same for a corpus
// four times larger. One worker keeps the measurement free of the per-thread
// allocator slack that a second busy thread adds (a fixed ~40-60 MB that does
// not grow with the corpus either, but varies with GC timing); the pool-size
// bounds with two workers are checked in preprocess-cli.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateAihubCorpus } from '../helpers/aihub-corpus.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/paths.ts';

const { dir, cleanup } = tempDir('saturi-preprocess-mem-');
afterAll(cleanup);

interface Report {
  recordings: number;
  segments: number;
  workers: number;
  workersStarted: number;
  peakBusyWorkers: number;
  maxRssBytes: number;
}

async function run(perRegion: number): Promise<{ report: Report; audioBytes: number; planted: number }> {
  const root = join(dir, `c${perRegion}`);
  const corpus = generateAihubCorpus(join(root, 'raw'), {
    dialectRecordingsPerRegion: perRegion,
    seoulRecordings: 0,
    elderSpeakersPerRegion: 0,
    defects: false,
    sampleRates: [16000],
    slotSeconds: 6,
  });
  const reportPath = join(root, 'report.json');
  const r = await runCli(['preprocess', 'dialect', '--input', corpus.root, '--out', join(root, 'out'), '--workers', '1', '--report', reportPath], { timeoutMs: 180_000 });
  expect(r.code, r.stderr).toBe(0);
  return { report: JSON.parse(readFileSync(reportPath, 'utf8')) as Report, audioBytes: corpus.audioBytes.dialect, planted: corpus.expected.dialect.length };
}

describe('preprocess memory', () => {
  it('has the same peak RSS for a corpus four times larger', async () => {
    const small = await run(4);
    const big = await run(16);
    for (const r of [small, big]) {
      expect(r.report.segments).toBe(r.planted);
      expect(r.report.workers).toBe(1);
      expect(r.report.workersStarted).toBe(1);
      expect(r.report.peakBusyWorkers).toBe(1);
    }
    // Far more recordings than the pool's window (2 × workers tasks in flight).
    expect(big.report.recordings).toBe(80);
    const corpusGrowth = big.audioBytes - small.audioBytes;
    expect(corpusGrowth).toBeGreaterThan(75e6);
    // Holding the corpus, or the segments cut from it, would add at least the corpus
    // growth (> 75 MB) here; GC timing alone moves the peak by up to ~20 MB on a loaded machine.
    const growth = big.report.maxRssBytes - small.report.maxRssBytes;
    expect(growth).toBeLessThan(corpusGrowth * 0.4);
    expect(big.report.maxRssBytes).toBeLessThan(400e6);
  }, 240_000);
});
