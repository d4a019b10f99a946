// bench:preprocess — segmenting speed of `saturi preprocess dialect` on a
// generated AIHub-shaped corpus (a few hundred recordings at 16 and 48 kHz, in
// a temporary folder), with one worker and with one worker per core.
// Prints segments/s and MB/s of source audio (the corpus's WAV bytes, and the
// bytes actually read, which are fewer: only the segments' ranges are read).
//
//   npm run bench:preprocess -- [--recordings 200] [--rates 16000,48000]
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateAihubCorpus } from '../tests/helpers/aihub-corpus.ts';
import { tempDir } from '../tests/helpers/paths.ts';
import { runPreprocess, type PreprocessSummary } from '../src/node/pipeline/preprocess.ts';

const { values } = parseArgs({
  options: {
    recordings: { type: 'string', default: '200' },
    rates: { type: 'string', default: '16000,48000' },
  },
});
const recordings = Math.max(5, Number(values.recordings));
const rates = values.rates!.split(',').map(Number);

const { dir, cleanup } = tempDir('saturi-bench-preprocess-');
try {
  const t0 = performance.now();
  const corpus = generateAihubCorpus(join(dir, 'raw'), {
    dialectRecordingsPerRegion: Math.ceil(recordings / 5),
    seoulRecordings: 0,
    elderSpeakersPerRegion: 0,
    defects: false,
    sampleRates: rates,
  });
  const sourceBytes = corpus.audioBytes.dialect;
  const nRecordings = corpus.files.filter((f) => f.endsWith('.wav')).length;
  console.log(`corpus: ${nRecordings} recordings, ${(sourceBytes / 1e6).toFixed(1)} MB of WAV at ${rates.join('/')} Hz, ${corpus.expected.dialect.length} segments planted (generated in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, availableParallelism ${availableParallelism()}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}`);

  const run = async (workers: number): Promise<PreprocessSummary & { wall: number; cpu: number }> => {
    const out = join(dir, `out-${workers}`);
    const t = performance.now();
    // Process CPU time covers the main thread and every worker thread.
    const cpu0 = process.cpuUsage();
    const s = await runPreprocess({
      set: 'dialect',
      input: corpus.root,
      labels: corpus.root,
      outDir: out,
      csv: join(out, 'segments.csv'),
      rejectsCsv: join(out, 'rejects.csv'),
      workers,
      minSeconds: 3,
      sampleRate: 16000,
      skipFirstUtterance: true,
      maxPerSpeaker: 30,
    });
    if (s.segments !== corpus.expected.dialect.length) throw new Error(`expected ${corpus.expected.dialect.length} segments, got ${s.segments}`);
    const cpu = process.cpuUsage(cpu0);
    return { ...s, wall: (performance.now() - t) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
  };

  const all = availableParallelism();
  const results: [string, PreprocessSummary & { wall: number; cpu: number }][] = [];
  results.push(['1 worker', await run(1)]);
  results.push([`${all} workers (all cores)`, await run(all)]);
  console.log('');
  console.log('run                    wall s   CPU s  segments/s  recordings/s  MB/s corpus  MB/s read  segments/CPU-s  peak RSS MB');
  for (const [name, s] of results) {
    console.log(
      `${name.padEnd(22)} ${s.wall.toFixed(2).padStart(6)}  ${s.cpu.toFixed(2).padStart(6)}  ${(s.segments / s.wall).toFixed(1).padStart(10)}  ${(s.recordings / s.wall).toFixed(1).padStart(12)}  ${(sourceBytes / 1e6 / s.wall).toFixed(1).padStart(11)}  ${(s.sourceBytesRead / 1e6 / s.wall).toFixed(1).padStart(9)}  ${(s.segments / s.cpu).toFixed(1).padStart(14)}  ${(s.maxRssBytes / 1e6).toFixed(0).padStart(11)}`,
    );
  }
  const speedup = results[0]![1].wall / results[1]![1].wall;
  console.log('(wall-clock figures depend on what else the machine runs: see the load average; CPU s is the process total, all threads)');
  console.log(`\nspeed-up with ${all} workers: ${speedup.toFixed(2)}×  (read ${(results[0]![1].sourceBytesRead / sourceBytes * 100).toFixed(0)}% of the corpus bytes: only segment ranges)`);
  const audio = results[1]![1].seconds;
  console.log(`segments written: ${results[1]![1].segments} per run, ${(audio / 60).toFixed(1)} min of 16 kHz audio (${(audio / results[1]![1].wall).toFixed(0)}× real time with all cores)`);
} finally {
  cleanup();
}
