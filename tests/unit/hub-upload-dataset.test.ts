import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runCli } from '../helpers/cli.ts';
import { expectCp949CsvRefused } from '../helpers/cp949-csv.ts';
import { tempDir } from '../helpers/paths.ts';
import { startMockHub, type MockHub } from '../helpers/mock-hf-hub.ts';
import { planDataset } from '../../src/core/hub/dataset-plan.ts';
import { uploadDataset } from '../../src/node/hub/upload-dataset.ts';

const { dir, cleanup } = tempDir('saturi-hubds-');
let hub: MockHub;
const dataDir = join(dir, 'data');
const trainCsv = join(dataDir, 'train.csv');
const evalCsv = join(dataDir, 'eval.csv');
const local = new Map<string, Buffer>(); // relative path in CSV → bytes

/** A small valid 16-bit WAV whose samples depend on `seed` (distinct files, distinct sha256). */
function wav(seed: number, frames = 800): Buffer {
  const b = Buffer.alloc(44 + frames * 2);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + frames * 2, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(16000, 24);
  b.writeUInt32LE(32000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(frames * 2, 40);
  for (let i = 0; i < frames; i++) b.writeInt16LE(Math.round(8000 * Math.sin((i * (seed + 1)) / 7)), 44 + i * 2);
  return b;
}

const TRAIN = [
  ['s1_0', 'audio/gs/s1_0.wav', 'Gyeongsang-do'],
  ['s2_0', 'audio/jl/s2_0.wav', 'Jeolla-do'],
  ['s3_0', 'audio/jj/s3_0.wav', 'Jeju-do'],
  ['s4_0', 'audio/gw/s4_0.wav', 'Gangwon-do'],
  ['x_0', 'audio/gs/other/x_0.wav', 'Gyeongsang-do'],
  ['x_0b', 'audio/gs/x_0.wav', 'Gyeongsang-do'], // same file name, same dialect: must not collide
];
const EVAL = [
  ['e1_0', 'audio/cc/e1_0.wav', 'Chungcheong-do'],
  ['e2_0', '../elsewhere/e2_0.wav', 'Seoul_Gyeonggi-do'], // relative to the CSV's folder, outside it
  ['e3_0', 'audio/gs/e3_0.wav', 'Gyeongsang-do'],
];

function writeCsv(file: string, rows: string[][]): void {
  writeFileSync(file, 'name,path,dialect\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
}

beforeAll(async () => {
  hub = await startMockHub();
  let seed = 0;
  for (const [, rel] of [...TRAIN, ...EVAL]) {
    const abs = join(dataDir, rel!);
    mkdirSync(join(abs, '..'), { recursive: true });
    const bytes = wav(seed++);
    writeFileSync(abs, bytes);
    local.set(rel!, bytes);
  }
  writeCsv(trainCsv, TRAIN);
  writeCsv(evalCsv, EVAL);
});
afterAll(async () => {
  await hub.close();
  cleanup();
});

describe('dataset plan', () => {
  it('lays files out as an audio folder with unique names and batches, and a stable id', () => {
    const src = [
      { split: 'train' as const, source: '/a/x.wav', dialect: 'Jeju-do', size: 10 },
      { split: 'train' as const, source: '/b/x.wav', dialect: 'Jeju-do', size: 20 },
      { split: 'test' as const, source: '/c/x.wav', dialect: 'Jeju-do', size: 30 },
    ];
    const p = planDataset(src, 2);
    expect(p.files.map((f) => f.repoPath)).toEqual(['train/Jeju-do/x.wav', 'train/Jeju-do/x_2.wav', 'test/Jeju-do/x.wav']);
    expect(p.batches.map((b) => b.files.length)).toEqual([2, 1, 0]);
    expect(p.batches[2]!.generated.map((g) => g.repoPath)).toEqual(['train/metadata.csv', 'test/metadata.csv']);
    expect(p.batches[2]!.generated[0]!.text).toBe('file_name,dialect\nJeju-do/x.wav,Jeju-do\nJeju-do/x_2.wav,Jeju-do\n');
    expect(planDataset(src, 2).id).toBe(p.id);
    expect(planDataset(src, 3).id).not.toBe(p.id);
    expect(planDataset([...src.slice(0, 2), { ...src[2]!, size: 31 }], 2).id).not.toBe(p.id);
  });
});

describe('saturi hub upload-dataset', () => {
  it('--dry-run lists counts, bytes and first files without a token or any request', async () => {
    const r = await runCli(['hub', 'upload-dataset', '--train', trainCsv, '--eval', evalCsv, '--repo', 'bob/dialects', '--batch-size', '2', '--dry-run', '--hub-url', hub.url], {
      cwd: dir,
      env: { HF_TOKEN: '' },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('dataset repo bob/dialects: 9 audio files');
    expect(r.stdout).toContain('in 6 commits (5 audio batches + metadata)');
    expect(r.stdout).toContain('train: 6 files (Gyeongsang-do 3, Jeolla-do 1, Jeju-do 1, Gangwon-do 1) + train/metadata.csv');
    expect(r.stdout).toContain('test: 3 files (Gyeongsang-do 1, Chungcheong-do 1, Seoul_Gyeonggi-do 1)');
    expect(r.stdout).toContain(`train/Gyeongsang-do/s1_0.wav  ←  ${join(dataDir, 'audio/gs/s1_0.wav')}`);
    expect(r.stdout).toContain('+ README.md (dataset card)');
    expect(r.stdout).toMatch(/dry run: nothing uploaded/);
    expect(hub.requests).toHaveLength(0);
    expect(existsSync(join(dir, '.saturi-upload-bob__dialects.json'))).toBe(false);
  });

  it('reports every bad row (missing audio, unknown dialect) with its line before uploading anything', async () => {
    const bad = join(dataDir, 'bad.csv');
    writeCsv(bad, [TRAIN[0]!, ['n', 'audio/none.wav', 'Jeju-do'], ['m', TRAIN[1]![1]!, 'Busan']]);
    await expect(
      uploadDataset({ train: bad, repo: 'bob/bad', batchSize: 2, dryRun: true, stateFile: join(dir, 'bad-state.json'), log: () => {} }),
    ).rejects.toThrow(new RegExp(`${bad}: 2 problem\\(s\\), nothing uploaded:\\n  line 3: audio file .*none\\.wav is missing\\n  line 4: unknown dialect "Busan"`));
  });

  it('refuses a CSV that is not UTF-8 (CP949), naming the line and byte, before any request', async () => {
    await expectCp949CsvRefused(dataDir, (csv) => ['hub', 'upload-dataset', '--train', csv, '--repo', 'bob/cp949', '--dry-run', '--hub-url', hub.url, '--state', join(dir, 'cp949-state.json')]);
  });

  it('checks a CSV of many rows with a bounded number of files open at once, and reports each missing one', async () => {
    const many = join(dataDir, 'many.csv');
    const rows = Array.from({ length: 400 }, (_, i) => [`m${i}`, i % 97 === 0 ? `audio/gone-${i}.wav` : TRAIN[i % TRAIN.length]![1]!, 'Jeju-do']);
    writeCsv(many, rows);
    const err = (await uploadDataset({ train: many, repo: 'bob/many', batchSize: 50, dryRun: true, stateFile: join(dir, 'many-state.json'), log: () => {} }).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain(`${many}: 5 problem(s), nothing uploaded:\n  line 2: audio file`);
    expect(err.message.match(/gone-\d+\.wav is missing/g)).toHaveLength(5);
    // A CSV that does not parse, or is not there: named, with the reason.
    const broken = join(dataDir, 'broken.csv');
    writeFileSync(broken, 'name,path,dialect\na,a.wav,Jeju-do\n"b,b.wav,Jeju-do\n');
    const run = (train: string) => uploadDataset({ train, repo: 'bob/x', batchSize: 5, dryRun: true, stateFile: join(dir, 'x-state.json'), log: () => {} });
    await expect(run(broken)).rejects.toThrow(`${broken}: not a valid CSV: Quote Not Closed`);
    await expect(run(join(dataDir, 'nowhere.csv'))).rejects.toThrow(`${join(dataDir, 'nowhere.csv')}: no such file`);
    const noDialect = join(dataDir, 'no-dialect.csv');
    writeFileSync(noDialect, 'name,path\na,a.wav\n');
    await expect(run(noDialect)).rejects.toThrow(`${noDialect}: has no "dialect" column (expected name,path,dialect)`);
  });

  it('uploads in batches, stops at a failure, and a rerun resumes after the last committed batch', async () => {
    const stateFile = join(dir, 'state-bob-dialects.json');
    const logs: string[] = [];
    const retried: string[] = [];
    const run = (retries: number, dryRun = false) =>
      uploadDataset({
        train: trainCsv,
        eval: evalCsv,
        repo: 'bob/dialects',
        batchSize: 2,
        dryRun,
        stateFile,
        log: (l) => logs.push(l),
        target: { accessToken: hub.token, hubUrl: hub.url, retry: { retries, baseDelayMs: 10, onRetry: (r) => retried.push(`${r.method} ${r.url} ${r.reason}`) } },
      });
    // The third commit fails every time: the run stops after two committed batches.
    hub.fail({ method: 'POST', path: /^\/api\/datasets\/bob\/dialects\/commit\/main$/, status: 500, times: Infinity, skip: 2 });
    await expect(run(1)).rejects.toThrow(/500/);
    hub.clearFailures();
    expect(retried).toEqual([`POST ${hub.url}/api/datasets/bob/dialects/commit/main HTTP 500`]);
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(state.committed.map((c: { index: number }) => c.index)).toEqual([0, 1]);
    expect(hub.commits.filter((c) => c.repo === 'bob/dialects')).toHaveLength(2);

    // A dry run now reports the resume point.
    logs.length = 0;
    await run(0, true);
    expect(logs.join('\n')).toContain('already committed: 2 of 6 batches (a run continues with batch 3)');

    // Rerun, with one failed LFS PUT on the way (retried).
    hub.fail({ method: 'PUT', path: /^\/lfs-upload\//, status: 502, times: 1 });
    retried.length = 0;
    const res = await run(3);
    expect(res).toMatchObject({ committed: 4, skipped: 2 });
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatch(/^PUT .*\/lfs-upload\/[0-9a-f]{64} HTTP 502$/);
    const commits = hub.commits.filter((c) => c.repo === 'bob/dialects');
    expect(commits.map((c) => c.summary)).toEqual([
      'Upload audio batch 1/5',
      'Upload audio batch 2/5',
      'Upload audio batch 3/5',
      'Upload audio batch 4/5',
      'Upload audio batch 5/5',
      'Upload metadata.csv and dataset card',
    ]);
    // Every audio file arrived once, byte for byte; nothing else but the two metadata files.
    const repo = hub.repo('dataset', 'bob/dialects')!;
    expect(repo.files.size).toBe(9 + 2 + 1);
    const card = repo.files.get('README.md')!.toString('utf8');
    expect(card).toMatch(/^---\ntask_categories:\n- audio-classification\n/);
    expect(card).toContain('  - split: test\n    path: test/**\n');
    expect(card).toContain('| Gyeongsang-do | 경상도 | 3 | 1 |');
    expect(card).toContain('| **total** | | 6 | 3 |');
    const train = parse(repo.files.get('train/metadata.csv')!.toString('utf8'), { columns: true }) as { file_name: string; dialect: string }[];
    const test = parse(repo.files.get('test/metadata.csv')!.toString('utf8'), { columns: true }) as { file_name: string; dialect: string }[];
    expect(train.map((t) => t.dialect)).toEqual(TRAIN.map((t) => t[2]));
    expect(test.map((t) => t.dialect)).toEqual(EVAL.map((t) => t[2]));
    expect(new Set(train.map((t) => t.file_name)).size).toBe(TRAIN.length);
    for (const [rows, meta, split] of [[TRAIN, train, 'train'], [EVAL, test, 'test']] as const) {
      rows.forEach((row, i) => {
        const uploaded = repo.files.get(`${split}/${meta[i]!.file_name}`);
        expect(uploaded, meta[i]!.file_name).toBeDefined();
        expect(Buffer.compare(uploaded!, local.get(row[1]!)!)).toBe(0);
        expect(meta[i]!.file_name.startsWith(`${row[2]}/`)).toBe(true);
      });
    }
    const after = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(after.committed.map((c: { index: number }) => c.index)).toEqual([0, 1, 2, 3, 4, 5]);

    // Through the CLI, a finished upload has nothing left to do (the repo exists: 409 is fine).
    const uploadCli = () =>
      runCli(['hub', 'upload-dataset', '--train', trainCsv, '--eval', evalCsv, '--repo', 'bob/dialects', '--batch-size', '2', '--hub-url', hub.url, '--state', stateFile], {
        cwd: dir,
        env: { HF_TOKEN: hub.token },
      });
    const r = await uploadCli();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('dataset repo bob/dialects exists');
    expect(r.stderr).toContain('(0 commits this run, 6 from before)');
    expect(r.stderr + r.stdout).not.toContain(hub.token);
    expect(hub.commits.filter((c) => c.repo === 'bob/dialects')).toHaveLength(6);

    // The repo deleted on the Hub since (or another Hub): the state's commits are not there, so all are made again.
    hub.repos.delete([...hub.repos.keys()].find((k) => k.includes('bob/dialects'))!);
    const again = await uploadCli();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('created dataset repo bob/dialects');
    expect(again.stderr).toContain('the 6 batches it records as committed are not there; uploading all of them');
    expect(hub.repo('dataset', 'bob/dialects')!.files.size).toBe(9 + 2 + 1);
    expect(hub.commits.filter((c) => c.repo === 'bob/dialects')).toHaveLength(12);

    // A changed file list does not silently reuse the state.
    writeCsv(trainCsv, TRAIN.slice(0, 5));
    try {
      await expect(run(0)).rejects.toThrow(`${stateFile}: this upload state belongs to a different file list or batch size`);
    } finally {
      writeCsv(trainCsv, TRAIN);
    }
  });

  it('--private makes an existing public dataset repo private before uploading, and stops if that is refused', async () => {
    const upload = (repo: string, stateFile: string) =>
      runCli(['hub', 'upload-dataset', '--train', trainCsv, '--repo', repo, '--batch-size', '10', '--private', '--hub-url', hub.url, '--state', stateFile], {
        cwd: dir,
        env: { HF_TOKEN: hub.token, SATURI_HUB_RETRY_DELAY_MS: '20' },
      });
    const existing = hub.addRepo('dataset', 'bob/was-public', { private: false });
    const r = await upload('bob/was-public', join(dir, 'state-was-public.json'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('dataset repo bob/was-public exists');
    expect(r.stderr).toContain('dataset repo bob/was-public: set its visibility to private');
    expect(existing.private).toBe(true);
    expect(existing.visibilityChanges).toEqual([true]);
    expect(hub.requests.filter((q) => q.path === '/api/datasets/bob/was-public/settings').map((q) => [q.method, q.status])).toEqual([['PUT', 200]]);
    expect(existing.files.size).toBe(TRAIN.length + 1 + 1); // audio, train/metadata.csv, README.md

    const refused = hub.addRepo('dataset', 'bob/not-mine', { private: false });
    hub.fail({ method: 'PUT', path: /^\/api\/datasets\/bob\/not-mine\/settings$/, status: 403, times: Infinity });
    try {
      const stateFile = join(dir, 'state-not-mine.json');
      const bad = await upload('bob/not-mine', stateFile);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('could not make the existing dataset repo bob/not-mine private (HTTP 403: injected failure 403); not uploading to it');
      expect(bad.stderr + bad.stdout).not.toContain(hub.token);
      expect(existsSync(stateFile)).toBe(false);
    } finally {
      hub.clearFailures();
    }
    expect(refused.private).toBe(false);
    expect(hub.uploadedTo('dataset', 'bob/not-mine')).toBe(false);
  });
});
