// saturi embed end to end: CSV (relative paths) → embedding set, rejects with reasons,
// resume, deterministic shards + merge, and the vectors equal an in-process run.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as ort from 'onnxruntime-node';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../src/core/audio/wav-encode.ts';
import { LABEL_NAMES } from '../../src/core/config/labels.ts';
import { readEmbeddingSet } from '../../src/node/embeddings/io.ts';
import { LOCK_FILE } from '../../src/node/io/folder-lock.ts';
import { loadEncoder } from '../../src/node/encoder/load.ts';
import { makeTinyModel, DEFAULT_TINY_MODEL_DIR } from '../../src/node/encoder/tiny-model.ts';
import { TINY_CONFIG } from '../../src/core/onnx/tiny-conformer.ts';
import { embedSegments } from '../../src/core/encoder/pipeline.ts';
import { toMono16k } from '../../src/core/audio/resample.ts';
import { readWavFile } from '../../src/node/io/file-source.ts';
import { parseShard, runEmbedJob, shardOf, splitFromCsvName } from '../../src/node/embeddings/embed-job.ts';
import type { SessionLayout } from '../../src/node/embeddings/session-pool-embedder.ts';
import type { LoadProgress } from '../../src/core/encoder/worker-api.ts';
import { expectCp949CsvRefused } from '../helpers/cp949-csv.ts';
import { runCli } from '../helpers/cli.ts';
import { legacyModelFolderFingerprint } from '../../src/node/encoder/folder-fingerprint.ts';
import { tempDir } from '../helpers/paths.ts';

const tmp = tempDir('saturi-embed-');
const root = tmp.dir;
const GOOD = 8;

function tone(seconds: number, sr: number, f: number): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * sr) }, (_, i) => 0.4 * Math.sin((2 * Math.PI * f * i) / sr) + 0.05 * Math.sin(i * 1.3));
}

beforeAll(() => {
  makeTinyModel(DEFAULT_TINY_MODEL_DIR, TINY_CONFIG);
  mkdirSync(join(root, 'data', 'audio'), { recursive: true });
  const lines = ['name,path,dialect,speaker,duration,source'];
  for (let i = 0; i < GOOD; i++) {
    const sr = i === 3 ? 44100 : 16000;
    const secs = i === 5 ? 3.2 : 0.6 + 0.2 * i; // one clip over --max-length 2: the train crop applies
    writeFileSync(join(root, 'data', 'audio', `g${i}.wav`), encodeWav(tone(secs, sr, 150 + 40 * i), sr));
    lines.push(`g${i}.wav,audio/g${i}.wav,${LABEL_NAMES[i % 6]},spk${i % 3},${secs},src${i}`);
  }
  writeFileSync(join(root, 'data', 'audio', 'short.wav'), encodeWav(tone(0.01, 16000, 200), 16000));
  writeFileSync(join(root, 'data', 'audio', 'corrupt.wav'), new Uint8Array(300).fill(7));
  lines.push(`short.wav,audio/short.wav,Jeju-do,spkX,0.01,s`);
  lines.push(`corrupt.wav,audio/corrupt.wav,Jeju-do,spkX,1,s`);
  lines.push(`missing.wav,audio/missing.wav,Jeju-do,spkX,1,s`);
  lines.push(''); // an empty line: messages name lines of the file, not record numbers
  lines.push(`dup.wav,audio/g0.wav,Jeju-do,spkX,1,s`);
  lines.push(`mars.wav,audio/nope.wav,Mars,spkX,1,s`);
  lines.push(`again.wav,./audio//g2.wav,Jeju-do,spkX,1,s`); // g2.wav under another spelling: one recording, not two
  writeFileSync(join(root, 'data', 'train.csv'), lines.join('\n') + '\n');
});
afterAll(() => tmp.cleanup());

const csv = () => join(root, 'data', 'train.csv');

describe('saturi embed', () => {
  it('embeds the CSV, skips and reports bad segments, and matches an in-process run', async () => {
    const out = join(root, 'emb-all');
    // Two sessions side by side, whatever the machine's cores: the shard test below runs one session and must get the same vectors.
    const r = await runCli(['embed', '--csv', csv(), '--model', DEFAULT_TINY_MODEL_DIR, '--dtype', 'fp32', '--out', out, '--batch-size', '3', '--max-length', '2', '--sessions', '2'], { cwd: tmp.dir });
    expect(r.stderr).not.toMatch(/Error:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/embedded 8, skipped 0 \(already embedded\), rejected 6/);
    expect(r.stdout).toMatch(/duplicate file: 1/);
    expect(r.stdout).toMatch(/too short: 1/);
    expect(r.stderr).toMatch(/on cpu \(2 sessions side by side, \d+ threads? each\)/);
    expect(r.stdout).toMatch(/time, summed over 2 sessions side by side: encoder \d+\.\d s \(\d+ % of their time\), reading \d+\.\d s, features \d+\.\d s, waiting for work \d+\.\d s/);
    expect(r.stderr).toMatch(/embed 11\/11 segments \| 0\.0\d h audio \| 6 rejected .*ETA/);
    const set = await readEmbeddingSet(out);
    expect(set.manifest).toMatchObject({ dtype: 'fp32', dim: TINY_CONFIG.hidden, pooling: 'masked-mean', max_length_seconds: 2, count: 8, crop: { mode: 'random', seed: 42 } });
    expect(set.rows.map((x) => x.id)).toEqual(Array.from({ length: GOOD }, (_, i) => `audio/g${i}.wav`));
    expect(set.rows[1]).toMatchObject({ name: 'g1.wav', dialect: LABEL_NAMES[1], split: 'train', speaker: 'spk1' });
    expect(set.rows[5]!.duration).toBeCloseTo(3.2, 2);
    const rejects = readFileSync(join(out, 'rejects.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; reason: string });
    expect(rejects.map((x) => x.id).sort()).toEqual(['./audio//g2.wav', 'audio/corrupt.wav', 'audio/g0.wav', 'audio/missing.wav', 'audio/nope.wav', 'audio/short.wav'].sort());
    expect(rejects.find((x) => x.id === './audio//g2.wav')!.reason).toBe(`CSV line 16: duplicate file (line 4 lists the same file: ${join(root, 'data', 'audio', 'g2.wav')})`);
    expect(rejects.find((x) => x.id === 'audio/nope.wav')!.reason).toMatch(/^CSV line 15: unknown dialect "Mars"/);
    expect(rejects.find((x) => x.id === 'audio/short.wav')!.reason).toMatch(/too short/);
    expect(rejects.find((x) => x.id === 'audio/missing.wav')!.reason).toMatch(/file not found/);
    expect(rejects.find((x) => x.id === 'audio/g0.wav')!.reason).toMatch(/^CSV line 14: duplicate id/);

    // Same numbers as embedding in-process (train crop, seed 42), segment by segment.
    const enc = await loadEncoder(DEFAULT_TINY_MODEL_DIR, 'fp32');
    for (const i of [3, 5]) {
      const samples = toMono16k(await readWavFile(join(root, 'data', 'audio', `g${i}.wav`)));
      const [e] = await embedSegments(enc.session, enc.extractor, [{ id: `audio/g${i}.wav`, samples }], { mode: 'train', seed: 42, maxLengthSeconds: 2 });
      const got = set.vectors.subarray(i * set.manifest.dim, (i + 1) * set.manifest.dim);
      for (let d = 0; d < got.length; d++) expect(Math.abs(got[d]! - e!.embedding[d]!)).toBeLessThan(1e-4);
    }
    await enc.dispose();

    // Rerun with one session: nothing to do but retry the rejects, nothing duplicated.
    const again = await runCli(['embed', '--csv', csv(), '--model', DEFAULT_TINY_MODEL_DIR, '--dtype', 'fp32', '--out', out, '--max-length', '2', '--sessions', '1'], { cwd: tmp.dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/embedded 0, skipped 8/);
    expect(again.stderr).toMatch(/on cpu \(one session beside a feature worker\)/);
    expect(again.stdout).toMatch(/time: encoder \d+\.\d s \(\d+ % of the run\), waiting for features \d+\.\d s .*reading \d+\.\d s, features \d+\.\d s/);
    expect((await readEmbeddingSet(out)).manifest.count).toBe(8);
  }, 120_000);

  it('shards split the rows deterministically and merge back into the full set', async () => {
    const shards = [0, 1, 2].map((k) => join(root, `emb-shard-${k}`));
    const encoder = await loadEncoder(DEFAULT_TINY_MODEL_DIR, 'fp32');
    let total = 0;
    for (let k = 0; k < 3; k++) {
      const s = await runEmbedJob({ csv: csv(), out: shards[k]!, dtype: 'fp32', split: 'train', maxLengthSeconds: 2, shard: parseShard(`${k}/3`), encoder, chunkSize: 2, sessions: 1 });
      expect(s.layout.sessions).toBe(1);
      total += s.embedded;
    }
    // Shards run into one folder (one machine doing them in turn): each keeps the others' rejects.
    const shared = join(root, 'emb-shards-shared');
    for (let k = 0; k < 3; k++) await runEmbedJob({ csv: csv(), out: shared, dtype: 'fp32', split: 'train', maxLengthSeconds: 2, shard: parseShard(`${k}/3`), encoder, chunkSize: 2, sessions: 1 });
    const sharedRejects = readFileSync(join(shared, 'rejects.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { path: string }).path);
    expect(sharedRejects.sort()).toEqual(['./audio//g2.wav', 'audio/corrupt.wav', 'audio/g0.wav', 'audio/missing.wav', 'audio/nope.wav', 'audio/short.wav'].sort());
    expect((await readEmbeddingSet(shared)).rows.length).toBe(GOOD);
    await encoder.dispose();
    expect(total).toBe(GOOD);
    const merged = join(root, 'emb-merged');
    const m = await runCli(['embed', 'merge', ...shards, '--out', merged]);
    expect(m.stdout).toMatch(/merged 3 sets/);
    expect(m.code).toBe(0);
    // A second merge into the same folder would replace the set: refused, the set kept.
    const again = await runCli(['embed', 'merge', shards[0]!, '--out', merged]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${merged}: already holds an embedding set; merge into a new folder`);
    // A shard a live job is still writing is not merged as far as it got; nor is a merge written
    // into a folder a live job writes to. (The lock names this test's own process: alive.)
    const liveLock = JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-12-05T00:00:00Z', what: 'saturi embed' }) + '\n';
    writeFileSync(join(shards[1]!, LOCK_FILE), liveLock);
    const early = join(root, 'emb-merged-early');
    const busy = await runCli(['embed', 'merge', ...shards, '--out', early]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain(`${shards[1]}: saturi embed (pid ${process.pid}, started 2026-12-05T00:00:00Z) is writing to this folder; merge it when its embed job has finished`);
    expect(existsSync(early)).toBe(false);
    // A lock left by a job that is gone (killed, interrupted): the shard may be partial, refused too.
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(shards[1]!, LOCK_FILE), JSON.stringify({ pid: deadPid, host: hostname(), started: '2026-12-05T00:00:00Z', what: 'saturi embed' }) + '\n');
    const stopped = await runCli(['embed', 'merge', ...shards, '--out', early]);
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toContain(`saturi embed (pid ${deadPid}, started 2026-12-05T00:00:00Z) left its lock ${join(shards[1]!, LOCK_FILE)}: its process is gone, stopped before it finished; merge it when its embed job has finished (rerun it to complete the set: it resumes)`);
    rmSync(join(shards[1]!, LOCK_FILE));
    mkdirSync(early);
    writeFileSync(join(early, LOCK_FILE), liveLock);
    const busyOut = await runCli(['embed', 'merge', ...shards, '--out', early]);
    expect(busyOut.code).toBe(2);
    expect(busyOut.stderr).toContain(`${early}: saturi embed (pid ${process.pid}`);
    expect(existsSync(join(early, 'manifest.json'))).toBe(false);
    expect(readFileSync(join(early, LOCK_FILE), 'utf8')).toBe(liveLock);
    const full = await readEmbeddingSet(join(root, 'emb-all'));
    const got = await readEmbeddingSet(merged);
    expect(got.rows.map((r) => r.id).sort()).toEqual(full.rows.map((r) => r.id).sort());
    const dim = full.manifest.dim;
    got.rows.forEach((row, i) => {
      const j = full.rows.findIndex((r) => r.id === row.id);
      expect(Array.from(got.vectors.subarray(i * dim, (i + 1) * dim))).toEqual(Array.from(full.vectors.subarray(j * dim, (j + 1) * dim)));
    });
    // Each shard holds exactly the ids hashing to it, and says which shard it is.
    for (let k = 0; k < 3; k++) {
      const s = await readEmbeddingSet(shards[k]!);
      for (const r of s.rows) expect(shardOf(r.id, 3)).toBe(k);
      expect(s.manifest.shard).toEqual({ count: 3, indexes: [k] });
    }
    expect((await readEmbeddingSet(shared)).manifest.shard).toEqual({ count: 3, indexes: [0, 1, 2] });
    expect(got.manifest.shard).toBeUndefined();
    // A shard left out, one given twice, or one of another split: refused, nothing written.
    const partial = join(root, 'emb-merged-partial');
    const lacking = await runCli(['embed', 'merge', shards[0]!, shards[2]!, '--out', partial]);
    expect(lacking.code).toBe(2);
    expect(lacking.stderr).toContain('shard 1/3 missing: the merged set would lack their rows (pass --allow-partial to merge what is there)');
    expect(existsSync(join(partial, 'manifest.json'))).toBe(false);
    const twice = await runCli(['embed', 'merge', shards[0]!, shared, '--out', partial]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain(`${shared}: holds shard 0/3, as ${shards[0]} does: each shard once`);
    const encoder2 = await loadEncoder(DEFAULT_TINY_MODEL_DIR, 'fp32');
    const other = join(root, 'emb-shard-other');
    await runEmbedJob({ csv: csv(), out: other, dtype: 'fp32', split: 'train', maxLengthSeconds: 2, shard: parseShard('1/2'), encoder: encoder2, sessions: 1 });
    const mixed = await runCli(['embed', 'merge', shards[0]!, other, '--out', partial]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain(`${other}: holds shard 1/2, ${shards[0]} shard 0/3: shards of different splits do not make one set`);
    // ... and appending another split's shard to a folder is refused before any work.
    await expect(runEmbedJob({ csv: csv(), out: shards[0]!, dtype: 'fp32', split: 'train', maxLengthSeconds: 2, shard: parseShard('0/2'), encoder: encoder2, sessions: 1 })).rejects.toThrow(/holds shards of a k\/3 split, this job is shard 0\/2/);
    await encoder2.dispose();
    const allowed = await runCli(['embed', 'merge', shards[0]!, shards[2]!, '--out', partial, '--allow-partial']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect((await readEmbeddingSet(partial)).rows.every((r) => shardOf(r.id, 3) !== 1)).toBe(true);
  }, 120_000);

  it('a job stopped half-way resumes: rerun embeds only what is missing', async () => {
    const out = join(root, 'emb-resume');
    const encoder = await loadEncoder(DEFAULT_TINY_MODEL_DIR, 'fp32');
    let chunks = 0;
    await expect(
      runEmbedJob({
        csv: csv(), out, dtype: 'fp32', split: 'eval', maxLengthSeconds: 2, encoder, chunkSize: 1, sessions: 2,
        onProgress: () => {
          if (++chunks === 3) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow(/simulated crash/);
    const partial = await readEmbeddingSet(out);
    expect(partial.manifest.count).toBeGreaterThan(0);
    expect(partial.manifest.count).toBeLessThan(GOOD);
    const rest = await runEmbedJob({ csv: csv(), out, dtype: 'fp32', split: 'eval', maxLengthSeconds: 2, encoder, chunkSize: 3, sessions: 1 });
    expect(rest.skipped).toBe(partial.manifest.count);
    expect(rest.embedded).toBe(GOOD - partial.manifest.count);
    const full = await readEmbeddingSet(out);
    expect(full.rows.map((r) => r.id).sort()).toEqual(Array.from({ length: GOOD }, (_, i) => `audio/g${i}.wav`).sort());
    expect(full.rows.every((r) => r.split === 'eval')).toBe(true);
    expect(full.manifest.crop).toEqual({ mode: 'first' });

    // A corrected CSV (one dialect, one speaker): the rerun updates those index rows, keeps every vector.
    const fixed = join(root, 'data', 'train-fixed.csv');
    const lines = readFileSync(csv(), 'utf8').split('\n');
    lines[1] = lines[1]!.replace(`,${LABEL_NAMES[0]},spk0,`, ',Jeju-do,spk0,');
    lines[2] = lines[2]!.replace(',spk1,', ',spk9,');
    writeFileSync(fixed, lines.join('\n'));
    const starts: { updated: number }[] = [];
    const again = await runEmbedJob({ csv: fixed, out, dtype: 'fp32', split: 'eval', maxLengthSeconds: 2, encoder, sessions: 1, onStart: (s) => starts.push(s) });
    expect([again.embedded, again.skipped, starts[0]!.updated]).toEqual([0, GOOD, 2]);
    const relabelled = await readEmbeddingSet(out);
    const byId = (set: typeof full, id: string) => set.rows.find((r) => r.id === id)!;
    expect(byId(relabelled, 'audio/g0.wav')).toEqual({ ...byId(full, 'audio/g0.wav'), dialect: 'Jeju-do' });
    expect(byId(relabelled, 'audio/g1.wav')).toEqual({ ...byId(full, 'audio/g1.wav'), speaker: 'spk9' });
    expect(relabelled.rows.map((r) => r.id)).toEqual(full.rows.map((r) => r.id));
    expect(Array.from(relabelled.vectors)).toEqual(Array.from(full.vectors));
    // Appending after the rewrite goes to the new index file: a new row lands after the rewritten ones.
    writeFileSync(join(root, 'data', 'audio', 'late.wav'), encodeWav(tone(1, 16000, 333), 16000));
    writeFileSync(fixed, lines.join('\n').trimEnd() + '\nlate.wav,audio/late.wav,Jeju-do,spk1,1,s\n');
    const late = await runEmbedJob({ csv: fixed, out, dtype: 'fp32', split: 'eval', maxLengthSeconds: 2, encoder, sessions: 1 });
    expect(late.embedded).toBe(1);
    const withLate = await readEmbeddingSet(out);
    expect(withLate.rows.map((r) => r.id)).toEqual([...full.rows.map((r) => r.id), 'audio/late.wav']);
    expect(byId(withLate, 'audio/g0.wav').dialect).toBe('Jeju-do');

    // A set started when a local folder's identity covered every onnx/ file (any dtype) resumes
    // with the same folder and keeps that identity; another folder's is still refused.
    const manifestPath = join(out, 'manifest.json');
    const recorded = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const legacy = `local-${legacyModelFolderFingerprint(DEFAULT_TINY_MODEL_DIR)}`;
    expect(recorded.encoder.revision).not.toBe(legacy);
    writeFileSync(manifestPath, JSON.stringify({ ...recorded, encoder: { ...recorded.encoder, revision: legacy } }));
    const resumed = await runEmbedJob({ csv: fixed, out, dtype: 'fp32', split: 'eval', maxLengthSeconds: 2, encoder, sessions: 1 });
    expect([resumed.embedded, resumed.skipped]).toEqual([0, GOOD + 1]);
    expect(JSON.parse(readFileSync(manifestPath, 'utf8')).encoder.revision).toBe(legacy);
    writeFileSync(manifestPath, JSON.stringify({ ...recorded, encoder: { ...recorded.encoder, revision: 'local-0123456789abcdef' } }));
    await expect(runEmbedJob({ csv: fixed, out, dtype: 'fp32', split: 'eval', maxLengthSeconds: 2, encoder, sessions: 1 })).rejects.toThrow(/encoder differs/);
    await encoder.dispose();
  }, 60_000);

  it('with sessions side by side, loads the model only in the sessions: the first reports the load, and this thread makes no onnxruntime session', async () => {
    const reference = await readEmbeddingSet(join(root, 'emb-all'));
    const created = vi.spyOn(ort.InferenceSession, 'create');
    try {
      const runJob = async (sessions: number, out: string) => {
        const progress: LoadProgress[] = [];
        const layouts: SessionLayout[] = [];
        const summary = await runEmbedJob({
          csv: csv(), out, model: DEFAULT_TINY_MODEL_DIR, dtype: 'fp32', split: 'train', batchSize: 3, maxLengthSeconds: 2, sessions,
          onLoadProgress: (p) => progress.push(p),
          onStart: (s) => {
            layouts.push(s.layout);
            expect(s.dim).toBe(TINY_CONFIG.hidden);
          },
        });
        expect(summary.embedded).toBe(GOOD);
        expect(layouts).toEqual([summary.layout]);
        // The load's last step, whichever thread loaded the model.
        expect(progress.filter((p) => p.status === 'session').length).toBe(1);
        const set = await readEmbeddingSet(out);
        expect(set.manifest.dim).toBe(TINY_CONFIG.hidden);
        expect(set.manifest.feature_config).toEqual(reference.manifest.feature_config);
        expect(set.manifest.encoder).toEqual(reference.manifest.encoder);
        for (const row of reference.rows) {
          const k = set.rows.findIndex((r) => r.id === row.id);
          const j = reference.rows.indexOf(row);
          expect(Array.from(set.vectors.subarray(k * set.manifest.dim, (k + 1) * set.manifest.dim))).toEqual(Array.from(reference.vectors.subarray(j * set.manifest.dim, (j + 1) * set.manifest.dim)));
        }
        return summary.layout;
      };
      expect(await runJob(2, join(root, 'emb-pool-load'))).toMatchObject({ sessions: 2, featureWorker: false });
      expect(created).not.toHaveBeenCalled();
      // Good rows only, all embedded already: nothing to do, and the first session (loaded before
      // that was known) is the job's one session.
      const good = join(root, 'data', 'good.csv');
      writeFileSync(good, readFileSync(csv(), 'utf8').split('\n').slice(0, 4).join('\n') + '\n');
      const again = await runEmbedJob({ csv: good, out: join(root, 'emb-pool-load'), model: DEFAULT_TINY_MODEL_DIR, dtype: 'fp32', split: 'train', batchSize: 3, maxLengthSeconds: 2, sessions: 2 });
      expect(again).toMatchObject({ embedded: 0, skipped: 3, rejected: 0, layout: { sessions: 1, featureWorker: false } });
      expect(created).not.toHaveBeenCalled();
      expect(await runJob(1, join(root, 'emb-one-load'))).toMatchObject({ sessions: 1, featureWorker: true });
      expect(created).toHaveBeenCalledTimes(1);
    } finally {
      created.mockRestore();
    }
  }, 120_000);

  it('guesses the split from the words of the CSV name, not from substrings', () => {
    for (const name of ['eval.csv', 'data/test.csv', 'kss_test.csv', 'my-valid-set.csv', 'Validation.csv', 'dev.csv', 'train_eval.csv', 'evaluation.csv', 'testing.csv']) expect(splitFromCsvName(name), name).toBe('eval');
    for (const name of ['train.csv', 'latest.csv', 'contest.csv', 'devices.csv', 'evaluator/train.csv']) expect(splitFromCsvName(name), name).toBe('train');
  });

  it('refuses bad flags with exit code 2', async () => {
    expect((await runCli(['embed', '--out', join(root, 'x')])).code).toBe(2);
    const bad = await runCli(['embed', '--csv', csv(), '--out', join(root, 'x'), '--shard', '3/3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--shard 3\/3/);
    expect(() => parseShard('1-3')).toThrow(/k\/N/);
    // No length the manifest cannot record (Infinity), none too short for two 25 ms frames.
    for (const n of ['Infinity', '0.01', '0', 'abc']) {
      const r = await runCli(['embed', '--csv', csv(), '--out', join(root, 'x'), '--max-length', n]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--max-length must be a number of seconds of at least 0.035 (two 25 ms frames), got "${n}"`);
    }
    for (const n of ['0', 'two']) {
      const r = await runCli(['embed', '--csv', csv(), '--out', join(root, 'x'), '--sessions', n]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`--sessions must be a positive integer, got "${n}"`));
    }
  }, 60_000);

  it('refuses a CSV that is not UTF-8 (CP949 from a Korean Windows program), naming the line and byte', async () => {
    await expectCp949CsvRefused(root, (csv) => ['embed', '--csv', csv, '--out', join(root, 'cp949-out')]);
  });

  it("one job per output folder: a second is refused while the first runs, and a killed one's lock is taken over", async () => {
    const out = join(root, 'emb-locked');
    mkdirSync(out, { recursive: true });
    const encoder = await loadEncoder(DEFAULT_TINY_MODEL_DIR, 'fp32');
    // A live process holding the folder, as a running `saturi embed` would.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const lock = join(out, '.saturi.lock');
    try {
      writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: hostname(), started: '2026-12-04T00:00:00Z', what: 'saturi embed' }));
      const job = () => runEmbedJob({ csv: csv(), out, dtype: 'fp32', split: 'train', maxLengthSeconds: 2, encoder, sessions: 1 });
      await expect(job()).rejects.toThrow(`${out}: saturi embed (pid ${holder.pid}, started 2026-12-04T00:00:00Z) is writing to this folder; wait for it to finish or choose another output folder`);
      expect(existsSync(join(out, 'manifest.json'))).toBe(false);
      expect(existsSync(lock)).toBe(true);
      // The holder dies without removing its lock (SIGKILL): the next job takes the folder, and leaves no lock.
      const exited = new Promise((r) => holder.once('exit', r));
      holder.kill('SIGKILL');
      await exited;
      expect((await job()).embedded).toBe(GOOD);
      expect(existsSync(lock)).toBe(false);
    } finally {
      holder.kill('SIGKILL');
      await encoder.dispose();
    }
  }, 60_000);
});
