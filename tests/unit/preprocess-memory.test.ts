// Memory of `saturi preprocess` is bounded by its worker pool, not by the
// corpus: a corpus many times larger than the pool's window runs with the same
// workers, and the peak RSS of the run (a child process) does not grow with
// the corpus size.
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
  const r = await runCli(['preprocess', 'dialect', '--input', corpus.root, '--out', join(root, 'out'), '--workers', '2', '--report', reportPath], { timeoutMs: 180_000 });
  expect(r.code, r.stderr).toBe(0);
  return { report: JSON.parse(readFileSync(reportPath, 'utf8')) as Report, audioBytes: corpus.audioBytes.dialect, planted: corpus.expected.dialect.length };
}

describe('preprocess memory', () => {
  it('stays bounded by the pool as the corpus grows threefold', async () => {
    const small = await run(6);
    const big = await run(18);
    for (const r of [small, big]) {
      expect(r.report.segments).toBe(r.planted);
      // The pool never grows past its size, however many recordings there are.
      expect(r.report.workers).toBe(2);
      expect(r.report.workersStarted).toBeLessThanOrEqual(2);
      expect(r.report.peakBusyWorkers).toBeLessThanOrEqual(2);
    }
    // Several times more recordings than the pool's window of 2 × 2 tasks.
    expect(big.report.recordings).toBeGreaterThan(20 * 4);
    expect(big.audioBytes).toBeGreaterThan(small.audioBytes * 2.9);
    const growth = big.report.maxRssBytes - small.report.maxRssBytes;
    const corpusGrowth = big.audioBytes - small.audioBytes;
    // Holding the corpus (or its segments) would add about corpusGrowth; what is
    // left is garbage-collector slack, which does not scale with the corpus.
    expect(corpusGrowth).toBeGreaterThan(80e6);
    expect(growth).toBeLessThan(45e6);
    expect(big.report.maxRssBytes).toBeLessThan(450e6);
  }, 240_000);
});
