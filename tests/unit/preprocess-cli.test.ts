// `saturi preprocess dialect|seoul|elder` on a generated AIHub-shaped corpus:
// rows and rejects must be exactly what the generator planted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { decodeWav, wavInfoOf } from '../../src/core/audio/wav.ts';
import { ELDER_DATASET_FOLDERS, generateAihubCorpus, makeWav, type GeneratedCorpus, type PlantedReject, type PlantedSegment } from '../helpers/aihub-corpus.ts';
import { runCli } from '../helpers/cli.ts';
import { repoRoot, tempDir } from '../helpers/paths.ts';

const { dir, cleanup } = tempDir('saturi-preprocess-');
let corpus: GeneratedCorpus;

beforeAll(() => {
  corpus = generateAihubCorpus(join(dir, 'raw'), { elderMaxPerSpeaker: 3 });
});
afterAll(cleanup);

type Row = Record<string, string>;
const readCsv = (path: string): Row[] => parse(readFileSync(path), { columns: true, bom: true }) as Row[];

interface Report {
  recordings: number;
  reused: number;
  segments: number;
  written: number;
  sourceBytesRead: number;
  rejected: number;
  workersStarted: number;
  peakBusyWorkers: number;
  workers: number;
  reasons: Record<string, number>;
}

async function preprocess(set: string, input: string, out: string, extra: string[] = []): Promise<{ rows: Row[]; rejects: Row[]; report: Report; stdout: string }> {
  const report = join(out + '.report.json');
  const r = await runCli(['preprocess', set, '--input', input, '--out', out, '--report', report, '--workers', '2', ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return {
    rows: readCsv(join(out, 'segments.csv')),
    rejects: readCsv(join(out, 'rejects.csv')),
    report: JSON.parse(readFileSync(report, 'utf8')) as Report,
    stdout: r.stdout,
  };
}

const rejectKey = (r: { file: string; item: string; reason: string }) => `${basename(r.file)}#${r.item}#${r.reason}`;

function expectRowsMatch(rows: Row[], planted: PlantedSegment[]): void {
  expect(rows.map((r) => r.name).sort()).toEqual(planted.map((p) => p.name).sort());
  const byName = new Map(planted.map((p) => [p.name, p]));
  for (const row of rows) {
    const p = byName.get(row.name!)!;
    expect(row.dialect).toBe(p.dialect);
    expect(row.speaker).toBe(p.speaker);
    expect(row.source).toBe(p.source);
    // Output length is the planted range at 16 kHz (within one sample of rounding).
    expect(Math.abs(Number(row.duration) - p.duration)).toBeLessThan(0.0011);
    const bytes = readFileSync(row.path!);
    const info = wavInfoOf(bytes, row.path!);
    expect({ rate: info.sampleRate, channels: info.channels, bits: info.bitsPerSample, format: info.format }).toEqual({ rate: 16000, channels: 1, bits: 16, format: 'pcm' });
    expect(Math.abs(info.durationSeconds - Number(row.duration))).toBeLessThan(0.0006);
  }
}

function expectRejectsMatch(rejects: Row[], planted: PlantedReject[]): void {
  expect(rejects.map((r) => rejectKey(r as never)).sort()).toEqual(planted.map(rejectKey).sort());
  for (const r of rejects) expect(r.file).toMatch(/^\//);
}

describe('saturi preprocess dialect', () => {
  let first: Awaited<ReturnType<typeof preprocess>>;
  const out = () => join(dir, 'out', 'dialect');

  beforeAll(async () => {
    first = await preprocess('dialect', corpus.root, out());
  });

  it('keeps exactly the planted utterances, named <stem>_<index>.wav, as 16 kHz mono 16-bit', () => {
    expect(first.rows.length).toBe(corpus.expected.dialect.length);
    expectRowsMatch(first.rows, corpus.expected.dialect);
    // Every one of the five regions is there.
    expect(new Set(first.rows.map((r) => r.dialect)).size).toBe(5);
  });

  it('cuts exactly the samples [floor(start·sr), floor(end·sr)) of a 16 kHz source', () => {
    const p = corpus.expected.dialect.find((s) => s.sourceRate === 16000 && s.sourceBlockAlign === 2)!;
    const row = first.rows.find((r) => r.name === p.name)!;
    const label = readFileSync(p.source.replace('[원천]', '[라벨]').replace(/\.wav$/, '.json'), 'utf8');
    const index = Number(/_(\d+)\.wav$/.exec(p.name)![1]);
    const utt = (JSON.parse(label.replace(/^\uFEFF/, '').replace(/\bNaN\b/g, 'null')) as { utterance: { start: number; end: number }[] }).utterance[index]!;
    const source = decodeWav(readFileSync(p.source), p.source).samples;
    const seg = decodeWav(readFileSync(row.path!), row.path!).samples;
    const from = Math.floor(utt.start * 16000);
    expect(seg.length).toBe(Math.floor(utt.end * 16000) - from);
    for (let i = 0; i < seg.length; i += 97) expect(seg[i]).toBeCloseTo(source[from + i]!, 4);
  });

  it('resamples 48 kHz (and stereo) sources to 16 kHz', () => {
    const p = corpus.expected.dialect.find((s) => s.sourceRate === 48000)!;
    const row = first.rows.find((r) => r.name === p.name)!;
    expect(wavInfoOf(readFileSync(row.path!), row.path!).sampleRate).toBe(16000);
    expect(Math.abs(Number(row.duration) - p.duration)).toBeLessThan(0.0011);
  });

  it('runs one task per recording in a pool that never exceeds its size', () => {
    // 11 recordings with labels (one unreadable), more than the window of 2 × 2 tasks.
    expect(first.report.recordings).toBe(11);
    expect(first.report.workers).toBe(2);
    expect(first.report.workersStarted).toBeLessThanOrEqual(2);
    expect(first.report.peakBusyWorkers).toBe(2);
  });

  it('reads only the segments byte ranges, never whole files', () => {
    const segmentSourceBytes = corpus.expected.dialect.reduce((a, p) => a + p.duration * p.sourceRate * p.sourceBlockAlign, 0);
    // Headers of the recordings plus the NaN utterance (float32) that was read and refused.
    const slack = 13 * 4096 + 5 * 16000 * 4;
    expect(first.report.sourceBytesRead).toBeLessThan(segmentSourceBytes + slack);
    expect(first.report.sourceBytesRead).toBeGreaterThanOrEqual(segmentSourceBytes * 0.99);
    expect(first.report.sourceBytesRead).toBeLessThan(corpus.audioBytes.dialect * 0.7);
  });

  it('gives every skipped item a counted reason in rejects.csv and the summary', () => {
    expectRejectsMatch(first.rejects, corpus.rejects.dialect);
    for (const reason of ['first_utterance', 'bad_timestamp', 'same_form', 'too_short', 'nan_audio', 'no_label_file', 'no_audio_file', 'unreadable_file']) {
      const planted = corpus.rejects.dialect.filter((r) => r.reason === reason).length;
      expect(planted).toBeGreaterThan(0);
      expect(first.report.reasons[reason]).toBe(planted);
      expect(first.stdout).toMatch(new RegExp(`${reason}\\s+${planted}\\b`));
    }
    expect(first.report.rejected).toBe(corpus.rejects.dialect.length);
  });

  it('reuses its outputs on a rerun: nothing written, same CSVs, files untouched', async () => {
    const csvBefore = readFileSync(join(out(), 'segments.csv'));
    const rejectsBefore = readFileSync(join(out(), 'rejects.csv'));
    const segDir = join(out(), 'Gangwon-do');
    const mtimes = readdirSync(segDir).map((f) => statSync(join(segDir, f)).mtimeMs);
    const again = await preprocess('dialect', corpus.root, out());
    expect(again.report.written).toBe(0);
    expect(again.report.sourceBytesRead).toBe(0);
    expect(again.report.reused).toBe(again.report.recordings);
    expect(readFileSync(join(out(), 'segments.csv')).equals(csvBefore)).toBe(true);
    expect(readFileSync(join(out(), 'rejects.csv')).equals(rejectsBefore)).toBe(true);
    expect(readdirSync(segDir).map((f) => statSync(join(segDir, f)).mtimeMs)).toEqual(mtimes);
  });

  it('recomputes only a recording whose label changed or whose output went missing', async () => {
    const p = corpus.expected.dialect.find((s) => s.source.includes('DJJ'))!;
    const labelPath = p.source.replace('[원천]', '[라벨]').replace(/\.wav$/, '.json');
    const text = readFileSync(labelPath, 'utf8');
    writeFileSync(labelPath, text + '\n');
    utimesSync(labelPath, new Date(), new Date(Date.now() + 5000));
    const other = corpus.expected.dialect.find((s) => s.source.includes('DGW'))!;
    const otherRow = first.rows.find((r) => r.name === other.name)!;
    writeFileSync(otherRow.path!, 'truncated');
    const again = await preprocess('dialect', corpus.root, out());
    expect(again.report.reused).toBe(again.report.recordings - 2);
    const otherCount = first.rows.filter((r) => r.source === other.source).length;
    const changedCount = first.rows.filter((r) => r.source === p.source).length;
    expect(again.report.written).toBe(otherCount + changedCount);
    expect(again.rows).toEqual(first.rows);
  });

  it('removes the segment files a recording no longer yields once its label changed', async () => {
    const gone = corpus.expected.dialect.find((s) => s.source.includes('DGS'))!;
    const index = Number(/_(\d+)\.wav$/.exec(gone.name)![1]);
    // A folder of its own: the other tests compare against the first run's CSV.
    const outE = join(dir, 'out', 'dialect-edited');
    const before = await preprocess('dialect', corpus.root, outE);
    const goneRow = before.rows.find((r) => r.name === gone.name)!;
    const siblings = before.rows.filter((r) => r.source === gone.source && r.name !== gone.name);
    expect(existsSync(goneRow.path!)).toBe(true);
    // The utterance's standard form made equal to its dialect form: no longer a dialect sentence.
    const labelPath = gone.source.replace('[원천]', '[라벨]').replace(/\.wav$/, '.json');
    const text = readFileSync(labelPath, 'utf8');
    const edited = text.replace(`"standard_form": "표준 문장 ${index} 했다"`, `"standard_form": "방언 문장 ${index} 했당께"`);
    expect(edited).not.toBe(text);
    writeFileSync(labelPath, edited);
    utimesSync(labelPath, new Date(), new Date(Date.now() + 10_000));
    try {
      const again = await preprocess('dialect', corpus.root, outE);
      expect(again.rows.map((r) => r.name)).toEqual(before.rows.filter((r) => r.name !== gone.name).map((r) => r.name));
      expect(again.rejects.some((r) => basename(r.file!) === basename(labelPath) && r.reason === 'same_form')).toBe(true);
      expect(existsSync(goneRow.path!)).toBe(false);
      for (const r of siblings) expect(existsSync(r.path!)).toBe(true);
    } finally {
      writeFileSync(labelPath, text); // the corpus as planted, for the tests after this one
    }
  });
});

describe('saturi preprocess, interrupted', () => {
  it('resumes a killed run: finished recordings are reused, the result equals an uninterrupted run', async () => {
    const out = join(dir, 'out', 'dialect-killed');
    const done = join(out, '.done');
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'saturi.js'), 'preprocess', 'dialect', '--input', corpus.root, '--out', out, '--workers', '1'], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // Kill it once a few recordings are done (or let it finish if the machine is quick).
    while (child.exitCode === null && (!existsSync(done) || readdirSync(done).filter((f) => f.endsWith('.json')).length < 3)) {
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    await exited;
    const finished = readdirSync(done).filter((f) => f.endsWith('.json')).length;
    const r = await preprocess('dialect', corpus.root, out);
    // It really was cut short, and what it finished is not done again.
    expect(finished).toBeLessThan(r.report.recordings);
    expect(r.report.reused).toBeGreaterThanOrEqual(finished);
    expect(r.report.reused).toBeLessThanOrEqual(r.report.recordings);
    // Same rows as the uninterrupted run, apart from the output folder.
    const reference = readCsv(join(dir, 'out', 'dialect', 'segments.csv'));
    const norm = (rows: Row[]) => rows.map((x) => ({ ...x, path: basename(x.path!) }));
    expect(norm(r.rows)).toEqual(norm(reference));
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('saturi preprocess seoul', () => {
  it('takes whole 서울·경기 recordings of at least 3 s; others are counted', async () => {
    const out = join(dir, 'out', 'seoul');
    const r = await preprocess('seoul', corpus.datasets.seoul, out);
    expect(r.rows.length).toBe(corpus.expected.seoul.length);
    expectRowsMatch(r.rows, corpus.expected.seoul);
    expect(r.rows.every((row) => row.dialect === 'Seoul_Gyeonggi-do')).toBe(true);
    // 16 kHz mono 16-bit files are used where they are; a 48 kHz one is converted into the output folder.
    for (const row of r.rows) {
      const planted = corpus.expected.seoul.find((p) => p.name === row.name)!;
      if (planted.sourceRate === 16000) expect(row.path).toBe(planted.source);
      else expect(row.path).toBe(join(out, 'Seoul_Gyeonggi-do', row.name!));
    }
    expect(corpus.expected.seoul.some((p) => p.sourceRate !== 16000)).toBe(true);
    expectRejectsMatch(r.rejects, corpus.rejects.seoul);
    expect(r.report.reasons.not_seoul).toBe(corpus.rejects.seoul.filter((x) => x.reason === 'not_seoul').length);
  });
});

describe('saturi preprocess elder', () => {
  it('pairs JSON and WAV by stem, caps each speaker at exactly n, reports unknown region codes', async () => {
    const out = join(dir, 'out', 'elder');
    const r = await preprocess('elder', corpus.root, out, ['--max-per-speaker', '3']);
    expectRowsMatch(r.rows, corpus.expected.elder);
    const perSpeaker = new Map<string, number>();
    for (const row of r.rows) perSpeaker.set(row.speaker!, (perSpeaker.get(row.speaker!) ?? 0) + 1);
    expect([...perSpeaker.values()].every((n) => n === 3)).toBe(true);
    expect(perSpeaker.size).toBe(5);
    expectRejectsMatch(r.rejects, corpus.rejects.elder);
    expect(r.report.reasons.unknown_region_code).toBe(1);
    expect(r.report.reasons.speaker_cap).toBeGreaterThan(0);

    // Every recording cut, then a rerun with a lower cap: recordings now past it get no task, and
    // what they gave before goes (it used to stay on disk, outside the CSV).
    const capped = join(dir, 'out', 'elder-recapped');
    const all = await preprocess('elder', corpus.root, capped, ['--max-per-speaker', '1000']);
    const lower = await preprocess('elder', corpus.root, capped, ['--max-per-speaker', '1']);
    expect(new Set(all.rows.map((row) => row.source)).size).toBeGreaterThan(new Set(lower.rows.map((row) => row.source)).size);
    expect(lower.rows.length).toBe(5);
    const onDisk = (readdirSync(capped, { recursive: true }) as string[]).filter((f) => f.endsWith('.wav')).map((f) => resolve(capped, f)).sort();
    expect(onDisk).toEqual(lower.rows.map((row) => resolve(row.path!)).sort());
  });
});

describe('saturi preprocess: a sentence that runs past the end of its recording', () => {
  it('is cut up to the end when it overruns by a little, and rejected (out_of_range, how far) when its label is far off', async () => {
    const root = join(dir, 'overrun');
    const audioDir = join(root, ELDER_DATASET_FOLDERS[0]!, 'Training', '[원천]gw_3.자유대화');
    const labelDir = join(root, ELDER_DATASET_FOLDERS[0]!, 'Training', '[라벨]gw_3.자유대화');
    mkdirSync(audioDir, { recursive: true });
    mkdirSync(labelDir, { recursive: true });
    const name = 'say_set1_collectorgw1_speakergw201_20_0';
    const times = [['00:00:00.500', '00:00:04.000'], ['00:00:04.000', '00:00:08.600'], ['00:00:04.500', '00:05:00.000']];
    const sentences = times.map(([startTime, endTime], i) => ({ startTime, endTime, dialect: `사투리 ${i} 했드래요`, standard: `표준어 ${i} 했어요` }));
    writeFileSync(join(labelDir, `${name}.json`), JSON.stringify({ transcription: { sentences } }));
    writeFileSync(join(audioDir, `${name}.wav`), makeWav({ sampleRate: 16000, seconds: 8 }));
    const out = join(dir, 'out', 'overrun');
    const r = await preprocess('elder', root, out, ['--max-per-speaker', '100']);
    // 0.6 s past the end: kept, cut at the end (4 s).
    expect(r.rows.map((row) => [row.name, Number(row.duration).toFixed(3)])).toEqual([[`${name}_0.wav`, '3.500'], [`${name}_1.wav`, '4.000']]);
    expect(r.rejects.map((row) => [row.item, row.reason, row.detail])).toEqual([['2', 'out_of_range', 'ends at 300 s, 292.000 s past the end of the recording (8.000 s)']]);
    expect(r.report.reasons.out_of_range).toBe(1);
  });
});

describe('saturi preprocess elder, the per-speaker cap counts what was cut', () => {
  const root = join(dir, 'elder-cap');
  const audioDir = join(root, ELDER_DATASET_FOLDERS[0]!, 'Training', '[원천]gw_3.자유대화');
  const labelDir = join(root, ELDER_DATASET_FOLDERS[0]!, 'Training', '[라벨]gw_3.자유대화');
  const stem = (speaker: string, k: number) => `say_set1_collectorgw1_speaker${speaker}_20_${k}`;
  // Three sentences of exactly 3 s on the 10 ms grid (1.100 → 4.100 is 2.9999999999999996 s in floating point).
  const three: [string, string][] = [['00:00:01.100', '00:00:04.100'], ['00:00:05.000', '00:00:08.000'], ['00:00:10.010', '00:00:13.010']];
  const recording = (name: string, times: [string, string][], wav: Uint8Array | string) => {
    const sentences = times.map(([startTime, endTime], i) => ({ startTime, endTime, dialect: `사투리 ${i} 했드래요`, standard: `표준어 ${i} 했어요` }));
    writeFileSync(join(labelDir, `${name}.json`), JSON.stringify({ transcription: { sentences } }));
    writeFileSync(join(audioDir, `${name}.wav`), wav);
  };
  const good = () => makeWav({ sampleRate: 16000, seconds: 14 });
  const out = join(dir, 'out', 'elder-cap');
  let first: Awaited<ReturnType<typeof preprocess>>;

  beforeAll(async () => {
    mkdirSync(audioDir, { recursive: true });
    mkdirSync(labelDir, { recursive: true });
    // gw102: the first recording's WAV has a broken header; the second still gives the speaker its 3.
    recording(stem('gw102', 3), three, 'RIFF\0\0\0\0WAVEnot a header');
    recording(stem('gw102', 4), three, good());
    // gw103: the first recording's WAV is 6 s, so of the two sentences its share asks for only the
    // first can be cut (the second ends 2 s past it); the next recording gives that place too.
    recording(stem('gw103', 0), three, makeWav({ sampleRate: 16000, seconds: 6 }));
    recording(stem('gw103', 1), three, good());
    // gw104: the cap of 3 shared between its two recordings (2 + 1), not the first one's three.
    recording(stem('gw104', 0), three, good());
    recording(stem('gw104', 1), three, good());
    first = await preprocess('elder', root, out, ['--max-per-speaker', '3']);
  });

  const names = (rows: Row[]) => rows.map((r) => r.name).sort();
  const reject = (rows: Row[]) => rows.map((r) => `${basename(r.file!)}#${r.item}#${r.reason}#${r.detail}`).sort();
  const wavsOnDisk = () => (readdirSync(out, { recursive: true }) as string[]).filter((f) => f.endsWith('.wav')).map((f) => resolve(out, f)).sort();

  it('gives a speaker its n from later recordings when a WAV cannot be read or a sentence lies past its end', () => {
    expect(names(first.rows)).toEqual(
      [`${stem('gw102', 4)}_0`, `${stem('gw102', 4)}_1`, `${stem('gw102', 4)}_2`, `${stem('gw103', 0)}_0`, `${stem('gw103', 1)}_0`, `${stem('gw103', 1)}_1`, `${stem('gw104', 0)}_0`, `${stem('gw104', 0)}_1`, `${stem('gw104', 1)}_0`]
        .map((n) => `${n}.wav`)
        .sort(),
    );
    const perSpeaker = new Map<string, number>();
    for (const row of first.rows) perSpeaker.set(row.speaker!, (perSpeaker.get(row.speaker!) ?? 0) + 1);
    expect(Object.fromEntries(perSpeaker)).toEqual({ gw102: 3, gw103: 3, gw104: 3 });
    // Exactly 3 s sentences are kept: 3 s at 16 kHz.
    for (const row of first.rows) expect(Number(row.duration)).toBeCloseTo(3, 3);
    expect(wavsOnDisk()).toEqual(first.rows.map((r) => resolve(r.path!)).sort());
  });

  it("says how many segments the speaker really has in each speaker_cap reject", () => {
    const rejects = reject(first.rejects);
    expect(rejects.filter((r) => /unreadable_file|out_of_range/.test(r)).map((r) => r.split('#').slice(0, 3).join('#'))).toEqual([
      `${stem('gw102', 3)}.wav##unreadable_file`,
      `${stem('gw103', 0)}.wav#1#out_of_range`,
      `${stem('gw103', 0)}.wav#2#out_of_range`,
    ]);
    // The count the speaker ended with, also on rejects of recordings cut before it had it.
    expect(rejects.filter((r) => r.includes('speaker_cap'))).toEqual([
      `${stem('gw103', 1)}.json#2#speaker_cap#speaker gw103 has 3`,
      `${stem('gw104', 0)}.json#2#speaker_cap#speaker gw104 has 3`,
      `${stem('gw104', 1)}.json#1#speaker_cap#speaker gw104 has 3`,
      `${stem('gw104', 1)}.json#2#speaker_cap#speaker gw104 has 3`,
    ]);
    expect(first.report.reasons.too_short).toBeUndefined();
    expect(first.report.reasons.speaker_cap).toBe(4);
  });

  it('gives the same CSVs on a rerun without cutting again, and follows a repaired WAV', async () => {
    const csv = readFileSync(join(out, 'segments.csv'));
    const rejectsCsv = readFileSync(join(out, 'rejects.csv'));
    const again = await preprocess('elder', root, out, ['--max-per-speaker', '3']);
    expect(again.report.written).toBe(0);
    expect(readFileSync(join(out, 'segments.csv')).equals(csv)).toBe(true);
    expect(readFileSync(join(out, 'rejects.csv')).equals(rejectsCsv)).toBe(true);

    // The broken WAV repaired: gw102's share now comes from it (2 + 1), and what the next recording gave past its share goes.
    const repaired = join(audioDir, `${stem('gw102', 3)}.wav`);
    writeFileSync(repaired, good());
    utimesSync(repaired, new Date(), new Date(Date.now() + 5000));
    const fixed = await preprocess('elder', root, out, ['--max-per-speaker', '3']);
    const gw102 = fixed.rows.filter((r) => r.speaker === 'gw102');
    expect(names(gw102)).toEqual([`${stem('gw102', 3)}_0.wav`, `${stem('gw102', 3)}_1.wav`, `${stem('gw102', 4)}_0.wav`]);
    expect(fixed.rows.filter((r) => r.speaker !== 'gw102')).toEqual(first.rows.filter((r) => r.speaker !== 'gw102'));
    expect(reject(fixed.rejects).filter((r) => r.startsWith(stem('gw102', 4)))).toEqual([1, 2].map((i) => `${stem('gw102', 4)}.json#${i}#speaker_cap#speaker gw102 has 3`));
    expect(wavsOnDisk()).toEqual(fixed.rows.map((r) => resolve(r.path!)).sort());
  });
});

describe('saturi preprocess, where the data lies', () => {
  const dialectFolders = () => readdirSync(corpus.root).filter((n) => /방언_발화/.test(n));
  // The rows name their sources by the path walked (through the link), so compare names and classes.
  const namesAndClasses = (rows: { name?: string; dialect?: string }[]) => rows.map((r) => `${r.name} ${r.dialect}`).sort();
  const expected = () => namesAndClasses(corpus.expected.dialect);

  it('follows symbolic links to dataset folders kept elsewhere', async () => {
    const linked = join(dir, 'linked');
    mkdirSync(linked);
    for (const f of dialectFolders()) symlinkSync(join(corpus.root, f), join(linked, f));
    const r = await preprocess('dialect', linked, join(dir, 'out', 'linked'));
    expect(namesAndClasses(r.rows)).toEqual(expected());
  });

  it("reports files left out by the set's path pattern, warns when nothing is found, and --path-pattern overrides it", async () => {
    // Folders named by the user's own scheme: nothing in their paths matches the config's pattern.
    const renamed = join(dir, 'renamed');
    mkdirSync(renamed);
    dialectFolders().forEach((f, i) => symlinkSync(join(corpus.root, f), join(renamed, `region-${i}`)));
    const none = await runCli(['preprocess', 'dialect', '--input', renamed, '--out', join(dir, 'out', 'renamed-none'), '--workers', '2']);
    expect(none.code).toBe(0);
    const left = Number(/(\d+) files not read: their path does not match the set's path_pattern/.exec(none.stdout)?.[1]);
    // every planted WAV and label file of the set, and the planted rejects' files
    expect(left).toBeGreaterThanOrEqual(2 * new Set(corpus.expected.dialect.map((p) => p.source)).size);
    expect(none.stderr).toContain(`warning: no dialect recordings found under ${renamed}; ${left} files were left out by the path pattern /방언[_ ]?발화/`);

    const all = await preprocess('dialect', renamed, join(dir, 'out', 'renamed-all'), ['--path-pattern', '']);
    expect(namesAndClasses(all.rows)).toEqual(expected());
    expect(all.stdout).not.toContain('files not read');
    const matching = await preprocess('dialect', renamed, join(dir, 'out', 'renamed-some'), ['--path-pattern', 'region-0/']);
    expect(matching.rows.length).toBeGreaterThan(0);
    expect(matching.rows.length).toBeLessThan(corpus.expected.dialect.length);

    const bad = await runCli(['preprocess', 'dialect', '--input', renamed, '--path-pattern', '(unclosed']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--path-pattern is not a valid regular expression/);
  });
});

describe('saturi preprocess errors', () => {
  it('refuses an unknown set, a missing folder and a bad config key with exit code 2', async () => {
    const unknown = await runCli(['preprocess', 'nope', '--input', dir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown set "nope"/);
    const missing = await runCli(['preprocess', 'dialect', '--input', join(dir, 'no-such-folder'), '--out', join(dir, 'x')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/input folder not found: .*no-such-folder/);
    const cfg = join(dir, 'bad-config.json');
    const base = JSON.parse(readFileSync('configs/preprocess.json', 'utf8')) as Record<string, Record<string, unknown>>;
    base.elder!.max_per_speakr = 3;
    writeFileSync(cfg, JSON.stringify(base));
    const bad = await runCli(['preprocess', 'elder', '--config', cfg, '--input', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad-config\.json: key "elder\.max_per_speakr" is not a known key/);
    // The per-speaker cap is the elder set's: on another set the flag is refused, not ignored.
    const capped = await runCli(['preprocess', 'dialect', '--input', dir, '--out', join(dir, 'capped'), '--max-per-speaker', '5']);
    expect(capped.code).toBe(2);
    expect(capped.stderr).toMatch(/--max-per-speaker applies to the elder set only; dialect recordings are all kept/);
    expect(existsSync(join(dir, 'capped'))).toBe(false);
  });
});
