// The whole data pipeline end to end, through the real command line:
// mock AIHub → saturi aihub download → saturi unpack → saturi preprocess
// (dialect, seoul, elder) → saturi filter → saturi split. The CSVs must hold
// what the corpus generator planted, nothing more and nothing less.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { corpusMockDatasets, generateAihubCorpus, packCorpusZips, type GeneratedCorpus, type PlantedReject, type PlantedSegment } from '../helpers/aihub-corpus.ts';
import { runCli } from '../helpers/cli.ts';
import { startMockAihub, type MockAihub } from '../helpers/mock-aihub.ts';
import { tempDir } from '../helpers/paths.ts';

const KEY = 'e2e-test-key';
const { dir, cleanup } = tempDir('saturi-e2e-');
let corpus: GeneratedCorpus;
let mock: MockAihub;
const raw = join(dir, 'data', 'raw');
const seg = join(dir, 'data', 'segments');

type Row = Record<string, string>;
const readCsv = (path: string): Row[] => parse(readFileSync(path), { columns: true, bom: true }) as Row[];

async function cli(args: string[]): Promise<string> {
  const r = await runCli(args, { cwd: dir, env: { AIHUB_APIKEY: KEY }, timeoutMs: 180_000 });
  expect(r.code, `saturi ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  corpus = generateAihubCorpus(join(dir, 'generated'), { dialectRecordingsPerRegion: 2, seoulRecordings: 5, elderSpeakersPerRegion: 1, elderRecordingsPerSpeaker: 2, elderMaxPerSpeaker: 3 });
  // Pieces of 1 MB: the big audio zips arrive as more than ten .partN files (numeric order matters).
  mock = await startMockAihub({ apiKey: KEY, datasets: corpusMockDatasets(packCorpusZips(corpus)), pieceSize: 1 << 20, chunkSize: 256 * 1024 });
  // One download is cut off mid-stream and must resume.
  mock.failures.push({ kind: 'drop', afterBytes: 1_500_000, filekey: '37495' });
}, 120_000);

afterAll(async () => {
  await mock?.close();
  cleanup();
});

const key = (r: { name: string }) => r.name;
const rejectKey = (r: { file: string; item: string; reason: string }) => `${basename(r.file)}#${r.item}#${r.reason}`;

function expectPlanted(rows: Row[], planted: PlantedSegment[]): void {
  expect(rows.map((r) => r.name).sort()).toEqual(planted.map(key).sort());
  const byName = new Map(planted.map((p) => [p.name, p]));
  for (const r of rows) {
    const p = byName.get(r.name!)!;
    expect([r.dialect, r.speaker, basename(r.source!)]).toEqual([p.dialect, p.speaker, basename(p.source)]);
    expect(Math.abs(Number(r.duration) - p.duration)).toBeLessThan(0.0011);
  }
}

function expectRejects(rows: Row[], planted: PlantedReject[]): void {
  expect(rows.map((r) => rejectKey(r as never)).sort()).toEqual(planted.map(rejectKey).sort());
}

describe('AIHub pipeline end to end', () => {
  it('downloads, unpacks, segments, filters and splits into what the corpus planted', async () => {
    // 1. Download every dataset of the `all` preset from the mock server.
    await cli(['aihub', 'download', '--preset', 'all', '--out', raw, '--base-url', mock.url, '--quiet', '--retry-delay', '1']);
    const dropped = mock.downloads().filter((r) => r.query.fileSn === '37495');
    expect(dropped.length).toBeGreaterThanOrEqual(2);
    const zips = corpus.archives.map((a) => join(raw, `${a.dir}.zip`));
    for (const z of zips) expect(existsSync(z), z).toBe(true);

    // 2. Unpack: CP949 names decoded, archives deleted after verified extraction.
    await cli(['unpack', raw, '--quiet']);
    for (const z of zips) expect(existsSync(z)).toBe(false);
    const gwAudio = join(raw, corpus.archives[0]!.dir, corpus.archives[0]!.inner);
    expect(readdirSync(gwAudio).filter((f) => f.endsWith('.wav')).length).toBeGreaterThanOrEqual(2);

    // 3. Segment the three corpora.
    await cli(['preprocess', 'dialect', '--input', raw, '--out', join(seg, 'dialect'), '--workers', '2']);
    await cli(['preprocess', 'seoul', '--input', join(raw, '009.한국인대화음성'), '--out', join(seg, 'seoul'), '--workers', '2']);
    await cli(['preprocess', 'elder', '--input', raw, '--out', join(seg, 'elder'), '--workers', '2', '--max-per-speaker', '3']);
    const sets = ['dialect', 'seoul', 'elder'] as const;
    for (const set of sets) {
      expectPlanted(readCsv(join(seg, set, 'segments.csv')), corpus.expected[set]);
      expectRejects(readCsv(join(seg, set, 'rejects.csv')), corpus.rejects[set]);
    }

    // 4. Filter all three CSVs: every segment opens, is mono and lasts >= 3 s.
    const out = await cli(['filter', '--csv', ...sets.map((s) => join(seg, s, 'segments.csv')), '--out', join(seg, 'all.csv'), '--dropped', join(seg, 'dropped.csv')]);
    const planted = [...corpus.expected.dialect, ...corpus.expected.seoul, ...corpus.expected.elder];
    const all = readCsv(join(seg, 'all.csv'));
    expect(all).toHaveLength(planted.length);
    expect(readCsv(join(seg, 'dropped.csv'))).toHaveLength(0);
    expect(out).toMatch(new RegExp(`kept ${planted.length}, dropped 0`));

    // 5. Split: speaker-disjoint, balanced per class, six classes present.
    const perTrain = 4;
    const perEval = 1;
    const splitOut = await cli(['split', '--csv', join(seg, 'all.csv'), '--out', join(seg, 'split'), '--per-class-train', String(perTrain), '--per-class-eval', String(perEval), '--seed', '42']);
    const train = readCsv(join(seg, 'split', 'train.csv'));
    const evalRows = readCsv(join(seg, 'split', 'eval.csv'));
    const labels = ['Gyeongsang-do', 'Jeolla-do', 'Chungcheong-do', 'Jeju-do', 'Gangwon-do', 'Seoul_Gyeonggi-do'];
    for (const label of labels) {
      const available = planted.filter((p) => p.dialect === label).length;
      expect(available).toBeGreaterThanOrEqual(perTrain + perEval);
      expect(train.filter((r) => r.dialect === label)).toHaveLength(perTrain);
      expect(evalRows.filter((r) => r.dialect === label)).toHaveLength(perEval);
    }
    const speakerOf = (r: Row) => r.speaker || `row:${r.path}`;
    const trainSpeakers = new Set(train.map(speakerOf));
    expect(evalRows.filter((r) => trainSpeakers.has(speakerOf(r)))).toEqual([]);
    expect(splitOut).toMatch(/speakers in both train and eval: 0/);
    // Every split row is a planted segment with its planted label.
    const plantedLabel = new Map(planted.map((p) => [p.name, p.dialect]));
    for (const r of [...train, ...evalRows]) expect(plantedLabel.get(r.name!)).toBe(r.dialect);
  }, 300_000);
});
