// The embedding job's two embedders: FileEmbedder (one session here, reading and features in a
// worker thread) and SessionPoolEmbedder (sessions side by side in worker threads, each doing
// every step). Both equal the in-process pipeline across chunk boundaries and modes, in row
// order, and reject bad files with their reason; a batch the session fails on is retried clip
// by clip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '../../src/core/audio/wav-encode.ts';
import { toMono16k } from '../../src/core/audio/resample.ts';
import { embedSegments, embedSegmentsEach, prepareBatch, sessionFailure, splitPreparedBatch, type EncoderSession } from '../../src/core/encoder/pipeline.ts';
import type { EmbedOptions } from '../../src/core/encoder/worker-api.ts';
import { chunkBounds, FileEmbedder, timingsSince, type ChunkOutcome, type FileEmbedderOptions, type FileRow } from '../../src/node/embeddings/file-embedder.ts';
import { chunkParts, CLOSE_GRACE_MS, partsBySize, SessionPoolEmbedder, sessionLayout } from '../../src/node/embeddings/session-pool-embedder.ts';
import type { Worker } from 'node:worker_threads';
import { loadEncoder, type NodeEncoder } from '../../src/node/encoder/load.ts';
import { DEFAULT_TINY_MODEL_DIR, makeTinyModel } from '../../src/node/encoder/tiny-model.ts';
import { readWavFile } from '../../src/node/io/file-source.ts';
import { TINY_CONFIG } from '../../src/core/onnx/tiny-conformer.ts';
import { tempDir } from '../helpers/paths.ts';

const tmp = tempDir('saturi-file-embedder-');
/** Tests whose worker threads each load onnxruntime and the model: slow on a busy machine. */
const WORKER_TEST_MS = 180_000;
const dir = join(tmp.dir, 'wav');
let enc: NodeEncoder;
const rows: FileRow[] = [];

function tone(seconds: number, sr: number, f: number): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * sr) }, (_, i) => 0.4 * Math.sin((2 * Math.PI * f * i) / sr) + 0.05 * Math.sin(i * 0.7 + f));
}

beforeAll(async () => {
  makeTinyModel(DEFAULT_TINY_MODEL_DIR, TINY_CONFIG);
  enc = await loadEncoder(DEFAULT_TINY_MODEL_DIR, 'fp32');
  mkdirSync(dir, { recursive: true });
  // 11 files of different lengths and rates, one over the 2 s crop used below.
  for (let i = 0; i < 11; i++) {
    const sr = i % 4 === 1 ? 22050 : 16000;
    const secs = i === 6 ? 3.1 : 0.4 + 0.13 * ((i * 7) % 11);
    const file = join(dir, `s${i}.wav`);
    writeFileSync(file, encodeWav(tone(secs, sr, 140 + 35 * i), sr));
    rows.push({ id: `seg-${i}`, file, path: `wav/s${i}.wav` });
  }
});
afterAll(async () => {
  await enc?.dispose();
  tmp.cleanup();
});

async function collect(embedder: FileEmbedder | SessionPoolEmbedder, list: FileRow[]): Promise<ChunkOutcome[]> {
  const out: ChunkOutcome[] = [];
  for await (const c of embedder.embed(list)) out.push(c);
  return out;
}

async function inProcess(list: FileRow[], opts: EmbedOptions) {
  const segs = await Promise.all(list.map(async (r) => ({ id: r.id, samples: toMono16k(await readWavFile(r.file)) })));
  return embedSegments(enc.session, enc.extractor, segs, opts);
}

describe('chunkBounds', () => {
  it('starts at one row and doubles up to the chunk size, covering every row once', () => {
    expect(chunkBounds(100, 32)).toEqual([[0, 1], [1, 3], [3, 7], [7, 15], [15, 31], [31, 63], [63, 95], [95, 100]]);
    expect(chunkBounds(2, 64)).toEqual([[0, 1], [1, 2]]);
    expect(chunkBounds(0, 64)).toEqual([]);
    expect(chunkBounds(11, 8, 2)).toEqual([[0, 2], [2, 6], [6, 11]]);
  });
});

describe('splitPreparedBatch', () => {
  it('gives each clip exactly what preparing it alone gives', () => {
    const clips = [tone(0.5, 16000, 200), tone(1.23, 16000, 300), tone(0.77, 16000, 250)];
    const batch = prepareBatch(enc.extractor, clips);
    splitPreparedBatch(batch).forEach((single, k) => {
      const alone = prepareBatch(enc.extractor, [clips[k]!]);
      expect(single.frames).toBe(alone.frames);
      expect(Array.from(single.features)).toEqual(Array.from(alone.features));
      expect(Array.from(single.mask)).toEqual(Array.from(alone.mask));
      expect(Array.from(single.mask64)).toEqual(Array.from(alone.mask64));
    });
  });
});

/** Samples a float WAV can hold that overflow the filterbank energies (garbage float data). */
const hugeClip = (seconds: number): Float32Array => tone(seconds, 16000, 300).map((v) => v * 1e20);

describe('embedSegmentsEach', () => {
  it('retries a batch whose features fail clip by clip: the bad clip is reported in its place, the rest equal their own batch\'s results', async () => {
    const good = [0, 2, 3].map(async (i) => ({ id: rows[i]!.id, samples: toMono16k(await readWavFile(rows[i]!.file)) }));
    const segments = await Promise.all(good);
    segments.splice(1, 0, { id: 'huge', samples: hugeClip(0.8) });
    const batches: number[] = [];
    const counting: EncoderSession = { dim: enc.session.dim, run: (f, m, batch, frames) => (batches.push(batch), enc.session.run(f, m, batch, frames)) };
    const opts: EmbedOptions = { mode: 'eval', batchSize: 4, maxPaddingFraction: 10 };
    const out = await embedSegmentsEach(counting, enc.extractor, segments, opts);
    expect(out.map((o) => o.id)).toEqual([rows[0]!.id, 'huge', rows[2]!.id, rows[3]!.id]);
    expect(out[1]).toEqual({ id: 'huge', window: 0, start: 0, end: 0.8, stage: 'features', error: expect.stringMatching(/^huge: samples too large for the features \(peak 4\.5e\+19,/) });
    // The three good clips still share one session run.
    expect(batches).toEqual([3]);
    const want = await embedSegments(enc.session, enc.extractor, segments.filter((s) => s.id !== 'huge'), opts);
    [0, 2, 3].forEach((k, j) => {
      const got = out[k]!;
      if (!('embedding' in got)) throw new Error(`clip ${k} failed: ${got.error}`);
      for (let d = 0; d < got.embedding.length; d++) expect(Math.abs(got.embedding[d]! - want[j]!.embedding[d]!)).toBeLessThan(1e-4);
    });
    // embedSegments (the classify page's call) throws the clip's own error instead.
    await expect(embedSegments(enc.session, enc.extractor, segments, opts)).rejects.toThrow(/^huge: samples too large/);
    expect(sessionFailure(out)).toBeUndefined();
  });

  it('a batch whose features fail as a batch (not one clip) fails each clip, without throwing', async () => {
    const segments = await Promise.all([0, 2, 3].map(async (i) => ({ id: rows[i]!.id, samples: toMono16k(await readWavFile(rows[i]!.file)) })));
    // An extractor that cannot make batches of more than one clip (memory, say).
    const small = new Proxy(enc.extractor, {
      get: (target, key) =>
        key === 'extractBatch'
          ? (clips: Float32Array[], ...rest: unknown[]) => {
              if (clips.length > 1) throw new Error('out of memory (simulated)');
              return (target.extractBatch as (...a: unknown[]) => unknown).call(target, clips, ...rest);
            }
          : Reflect.get(target, key),
    });
    const out = await embedSegmentsEach(enc.session, small, segments, { mode: 'eval', batchSize: 4, maxPaddingFraction: 10 });
    expect(out.map((o) => ('error' in o ? [o.stage, o.error] : 'ok'))).toEqual(segments.map(() => ['features', 'out of memory (simulated)']));
  });

  it('a clip the session refuses is an encoder failure naming it; a session that refuses every clip is the session\'s failure', async () => {
    const segments = await Promise.all([0, 2, 3].map(async (i) => ({ id: rows[i]!.id, name: rows[i]!.path, samples: toMono16k(await readWavFile(rows[i]!.file)) })));
    const badFrames = prepareBatch(enc.extractor, [segments[1]!.samples]).frames;
    const picky: EncoderSession = {
      dim: enc.session.dim,
      run: (f, m, batch, frames) => (batch > 1 || frames === badFrames ? Promise.reject(new Error('device lost (simulated)')) : enc.session.run(f, m, batch, frames)),
    };
    const opts: EmbedOptions = { mode: 'eval', batchSize: 4, maxPaddingFraction: 10 };
    const out = await embedSegmentsEach(picky, enc.extractor, segments, opts);
    expect(out[1]).toMatchObject({ id: rows[2]!.id, stage: 'encoder', error: `${rows[2]!.path}: device lost (simulated)` });
    expect(out.filter((o) => 'embedding' in o)).toHaveLength(2);
    expect(sessionFailure(out)).toBeUndefined(); // one bad clip: the others went through
    const dead: EncoderSession = { dim: enc.session.dim, run: () => Promise.reject(new Error('device lost (simulated)')) };
    const none = await embedSegmentsEach(dead, enc.extractor, segments, opts);
    expect(sessionFailure(none)).toMatchObject({ stage: 'encoder', error: expect.stringMatching(/device lost/) });
  });
});

/** Each embedder as the job makes it; a pool of 2 or 3 sessions whatever the machine's cores. */
const embedders: [string, (opts: EmbedOptions, tuning?: FileEmbedderOptions) => Promise<FileEmbedder | SessionPoolEmbedder>, (rows: number, chunkSize: number) => number][] = [
  ['FileEmbedder', async (opts, tuning) => new FileEmbedder(enc.session, enc.preprocessorConfig, opts, tuning), (n, size) => chunkBounds(n, size).length],
  ['SessionPoolEmbedder of 2', (opts, tuning) => SessionPoolEmbedder.start(2, { ...enc.reload, threads: 1 }, opts, tuning), (n, size) => Math.ceil(n / (size * 2))],
  ['SessionPoolEmbedder of 3', (opts, tuning) => SessionPoolEmbedder.start(3, { ...enc.reload, threads: 1 }, opts, tuning), (n, size) => Math.ceil(n / (size * 3))],
];

describe.each(embedders)('%s', (_name, make, chunkCount) => {
  it('equals the in-process pipeline across chunks, in row order, for train crops and eval', async () => {
    for (const opts of [
      { mode: 'train', seed: 9, maxLengthSeconds: 2, batchSize: 2 },
      { mode: 'eval', maxLengthSeconds: 2, batchSize: 3 },
    ] as EmbedOptions[]) {
      const embedder = await make(opts, { chunkSize: 4, ahead: 1 });
      try {
        const chunks = await collect(embedder, rows);
        expect(chunks.length).toBe(chunkCount(rows.length, 4));
        const got = chunks.flatMap((c) => c.embedded);
        expect(got.map((e) => e.row.id)).toEqual(rows.map((r) => r.id));
        const want = await inProcess(rows, opts);
        got.forEach((e, i) => {
          expect(e.results).toHaveLength(1);
          expect(e.results[0]!.start).toBe(want[i]!.start);
          expect(e.results[0]!.end).toBe(want[i]!.end);
          for (let d = 0; d < want[i]!.embedding.length; d++) expect(Math.abs(e.results[0]!.embedding[d]! - want[i]!.embedding[d]!)).toBeLessThan(1e-4);
        });
        expect(got[6]!.duration).toBeCloseTo(3.1, 3);
      } finally {
        await embedder.close();
      }
    }
  }, WORKER_TEST_MS);

  it('windows mode gives every window of a long file', async () => {
    const embedder = await make({ mode: 'windows', windowSeconds: 1, batchSize: 2 });
    try {
      const [chunk] = await collect(embedder, [rows[6]!]);
      const want = await inProcess([rows[6]!], { mode: 'windows', windowSeconds: 1 });
      expect(chunk!.embedded[0]!.results.map((r) => [r.window, r.start, r.end])).toEqual(want.map((r) => [r.window, r.start, r.end]));
      expect(want.length).toBe(4);
    } finally {
      await embedder.close();
    }
  }, WORKER_TEST_MS);

  it('a file whose features fail is rejected alone: the files batched with it are embedded', async () => {
    const huge: FileRow = { id: 'huge', file: join(dir, 'huge.wav'), path: 'wav/huge.wav' };
    writeFileSync(huge.file, encodeWav(hugeClip(0.9), 16000, { bitsPerSample: 32, float: true }));
    const good = rows.slice(0, 7);
    // Not first: the first chunk of a FileEmbedder is one row.
    const list = [...good.slice(0, 3), huge, ...good.slice(3)];
    const embedder = await make({ mode: 'eval', batchSize: 8, maxPaddingFraction: 100 }, { chunkSize: 64 });
    try {
      const chunks = await collect(embedder, list);
      expect(chunks.flatMap((c) => c.rejects)).toEqual([{ id: 'huge', path: 'wav/huge.wav', reason: expect.stringMatching(/^features failed: wav\/huge\.wav: samples too large for the features/) }]);
      const got = chunks.flatMap((c) => c.embedded);
      expect(got.map((e) => e.row.id)).toEqual(good.map((r) => r.id));
      const want = await inProcess(good, { mode: 'eval' });
      got.forEach((e, i) => {
        for (let d = 0; d < want[i]!.embedding.length; d++) expect(Math.abs(e.results[0]!.embedding[d]! - want[i]!.embedding[d]!)).toBeLessThan(1e-4);
      });
    } finally {
      await embedder.close();
    }
  }, WORKER_TEST_MS);

  it('rejects unreadable, corrupt, too-short and non-finite files with the reason and embeds the rest', async () => {
    writeFileSync(join(dir, 'corrupt.wav'), new Uint8Array(200).fill(3));
    writeFileSync(join(dir, 'short.wav'), encodeWav(tone(0.01, 16000, 100), 16000));
    // A float WAV with one NaN sample written into its data chunk.
    const nan = encodeWav(tone(0.5, 16000, 100), 16000, { bitsPerSample: 32, float: true });
    const data = Buffer.from(nan).indexOf('data') + 8;
    new DataView(nan.buffer, nan.byteOffset).setFloat32(data + 400, NaN, true);
    writeFileSync(join(dir, 'nan.wav'), nan);
    const bad: FileRow[] = ['missing', 'corrupt', 'short', 'nan'].map((n) => ({ id: n, file: join(dir, `${n}.wav`), path: `wav/${n}.wav` }));
    const embedder = await make({ mode: 'eval', batchSize: 2 });
    try {
      const chunks = await collect(embedder, [rows[0]!, ...bad, rows[1]!]);
      expect(chunks.flatMap((c) => c.embedded.map((e) => e.row.id))).toEqual([rows[0]!.id, rows[1]!.id]);
      expect(chunks.flatMap((c) => c.rejects.map((r) => r.id)).sort()).toEqual(['corrupt', 'missing', 'nan', 'short']);
      const rejects = Object.fromEntries(chunks.flatMap((c) => c.rejects).map((r) => [r.id, r]));
      expect(rejects.missing!.reason).toMatch(/file not found/);
      expect(rejects.corrupt!.reason).toMatch(/RIFF|WAV/i);
      expect(rejects.short!.reason).toMatch(/too short/);
      expect(rejects.nan!.reason).toMatch(/NaN|non-finite/i);
      expect(rejects.nan!.path).toBe('wav/nan.wav');
    } finally {
      await embedder.close();
    }
  }, WORKER_TEST_MS);

});

describe('FileEmbedder', () => {
  it('retries a failed batch clip by clip: only the clip the session fails on is rejected', async () => {
    // The session fails on any batch holding clip 2 (found by its count of real frames).
    const realFrames = (mask: ArrayLike<number | bigint>, from: number, to: number): number => {
      let n = 0;
      for (let t = from; t < to; t++) n += Number(mask[t]);
      return n;
    };
    const alone = prepareBatch(enc.extractor, [toMono16k(await readWavFile(rows[2]!.file))]);
    const bad = realFrames(alone.mask, 0, alone.frames);
    const runs: number[] = [];
    const picky: EncoderSession = {
      dim: enc.session.dim,
      run(features, mask, batch, frames) {
        runs.push(batch);
        for (let k = 0; k < batch; k++) {
          if (realFrames(mask, k * frames, (k + 1) * frames) === bad) return Promise.reject(new Error('out of memory (simulated)'));
        }
        return enc.session.run(features, mask, batch, frames);
      },
    };
    const embedder = new FileEmbedder(picky, enc.preprocessorConfig, { mode: 'eval', batchSize: 4, maxPaddingFraction: 10 });
    try {
      const list = rows.slice(0, 4);
      const chunks = await collect(embedder, list);
      const rejects = chunks.flatMap((c) => c.rejects);
      expect(rejects).toEqual([{ id: rows[2]!.id, path: rows[2]!.path, reason: 'encoder failed: out of memory (simulated)' }]);
      const want = await inProcess(list, { mode: 'eval' });
      const got = chunks.flatMap((c) => c.embedded);
      expect(got.map((e) => e.row.id)).toEqual([0, 1, 3].map((i) => rows[i]!.id));
      got.forEach((e) => {
        const w = want[list.indexOf(e.row)]!;
        for (let d = 0; d < w.embedding.length; d++) expect(Math.abs(e.results[0]!.embedding[d]! - w.embedding[d]!)).toBeLessThan(1e-4);
      });
      expect(runs.some((b) => b > 1)).toBe(true);
    } finally {
      await embedder.close();
    }
  });

  it('a segment whose embedding comes out NaN is rejected with the reason; the job goes on', async () => {
    const target = toMono16k(await readWavFile(rows[1]!.file));
    const bad = prepareBatch(enc.extractor, [target]).frames;
    // An encoder whose output overflows for one clip (as fp16 can), and only that one.
    const overflowing: EncoderSession = {
      dim: enc.session.dim,
      async run(features, mask, batch, frames) {
        const out = await enc.session.run(features, mask, batch, frames);
        if (batch === 1 && frames === bad) out[0] = Number.NaN;
        return out;
      },
    };
    const embedder = new FileEmbedder(overflowing, enc.preprocessorConfig, { mode: 'eval', batchSize: 1 });
    try {
      const chunks = await collect(embedder, rows.slice(0, 4));
      const rejects = chunks.flatMap((c) => c.rejects);
      expect(rejects).toEqual([{ id: rows[1]!.id, path: rows[1]!.path, reason: expect.stringMatching(/^encoder output is not finite \(NaN or ±Inf in the embedding of 0\.00–\d\.\d\d s\)$/) }]);
      expect(chunks.flatMap((c) => c.embedded).map((e) => e.row.id)).toEqual([0, 2, 3].map((i) => rows[i]!.id));
    } finally {
      await embedder.close();
    }
  });

  it('times the encoder, the wait for features and the worker: a slow encoder is busy, a fast one waits', async () => {
    const delta = async (session: EncoderSession) => {
      const embedder = new FileEmbedder(session, enc.preprocessorConfig, { mode: 'eval', batchSize: 2 });
      try {
        await collect(embedder, rows); // the worker thread's start-up lands in this call's wait
        const before = { ...embedder.timings };
        await collect(embedder, rows);
        return timingsSince(before, embedder.timings);
      } finally {
        await embedder.close();
      }
    };
    let runs = 0;
    const slow: EncoderSession = {
      dim: enc.session.dim,
      async run(features, mask, batch, frames) {
        runs++;
        await new Promise((r) => setTimeout(r, 30));
        return enc.session.run(features, mask, batch, frames);
      },
    };
    const busy = await delta(slow);
    expect(busy.readMs).toBeGreaterThan(0);
    expect(busy.featuresMs).toBeGreaterThan(0);
    expect(busy.encoderMs).toBeGreaterThanOrEqual((runs / 2) * 29);
    // While the encoder runs, the worker reads and extracts the next chunks: little waiting.
    expect(busy.waitMs).toBeLessThan(busy.encoderMs / 4);

    const instant: EncoderSession = {
      dim: enc.session.dim,
      run: (_f, _m, batch, frames) => Promise.resolve(new Float32Array(batch * frames * enc.session.dim)),
    };
    const waiting = await delta(instant);
    expect(waiting.featuresMs).toBeGreaterThan(0);
    expect(waiting.waitMs).toBeGreaterThan(waiting.encoderMs);
  });
});

describe('SessionPoolEmbedder', () => {
  it('sums every session\'s timings: reading, features and encoder time all accrue', async () => {
    const pool = await SessionPoolEmbedder.start(2, { ...enc.reload, threads: 1 }, { mode: 'eval', batchSize: 2 });
    try {
      expect(pool.sessions).toBe(2);
      await collect(pool, rows);
      // 11 rows: one chunk, cut as chunkParts cuts it for two sessions, and both sessions embed some
      const parts = chunkParts(rows.map((r) => r.file), 2);
      expect(parts.length).toBeGreaterThan(4);
      expect(pool.partsDone.reduce((a, b) => a + b)).toBe(parts.length);
      expect(Math.min(...pool.partsDone)).toBeGreaterThan(0);
      // two rows, two parts: one each, not both to the first session
      const before = [...pool.partsDone];
      await collect(pool, rows.slice(0, 2));
      expect(pool.partsDone.map((d, k) => d - before[k]!)).toEqual([1, 1]);
      const t = pool.timings;
      expect(t.readMs).toBeGreaterThan(0);
      expect(t.featuresMs).toBeGreaterThan(0);
      expect(t.encoderMs).toBeGreaterThan(0);
      expect(t.waitMs).toBeGreaterThanOrEqual(0);
    } finally {
      await pool.close();
    }
  }, WORKER_TEST_MS);

  it('close() in the middle of a job lets each session finish its part and exit on its own, instead of being killed inside onnxruntime', async () => {
    const pool = await SessionPoolEmbedder.start(2, { ...enc.reload, threads: 1 }, { mode: 'eval', batchSize: 1 }, { chunkSize: 1, ahead: 3 });
    const workers = (pool as unknown as { workers: Worker[] }).workers;
    const codes = workers.map((w) => new Promise<number>((resolve) => w.once('exit', resolve)));
    const chunks = pool.embed([...rows, ...rows.map((r) => ({ ...r, id: `again-${r.id}` }))])[Symbol.asyncIterator]();
    expect((await chunks.next()).done).toBe(false); // parts of the next chunks are queued and running now
    const t0 = performance.now();
    await pool.close();
    expect(performance.now() - t0).toBeLessThan(CLOSE_GRACE_MS);
    // 0: the thread ended by itself after releasing its session (terminate() gives 1).
    expect(await Promise.all(codes)).toEqual([0, 0]);
  }, WORKER_TEST_MS);

  it('a first session never made into a pool is closed the same way: it exits by itself', async () => {
    const first = await SessionPoolEmbedder.startFirst({ ...enc.reload, threads: 1 }, { mode: 'eval' });
    const code = new Promise<number>((resolve) => first.worker.once('exit', resolve));
    await first.close();
    expect(await code).toBe(0); // terminate() gives 1
  }, WORKER_TEST_MS);

  it('fails to start with the loader\'s error, naming the model folder, when a session cannot load the model', async () => {
    const missing = join(tmp.dir, 'no-model');
    await expect(SessionPoolEmbedder.start(2, { model: missing, dtype: 'fp32', cacheDir: tmp.dir, threads: 1 }, { mode: 'eval' })).rejects.toThrow(missing);
    await expect(SessionPoolEmbedder.start(0, { ...enc.reload, threads: 1 }, { mode: 'eval' })).rejects.toThrow(/sessions must be a whole number/);
  }, WORKER_TEST_MS);
});

describe('partsBySize', () => {
  it('cuts a chunk largest first into parts that shrink with the bytes left, each listing its rows in order', () => {
    const sizes = [100, 900, 300, 300, 500, 100, 700];
    const files = sizes.map((n, i) => {
      const f = join(tmp.dir, `part-${i}.bin`);
      writeFileSync(f, new Uint8Array(n));
      return f;
    });
    // by size: 900 (1), 700 (6), 500 (4), 300 (2, 3), 100 (0, 5), then the missing file (0 bytes).
    // A half of what is left each time: 900 + 700 ≥ 2900/2, 500 + 300 ≥ 1300/2, 300 ≥ 500/2,
    // 100 ≥ 200/2, then 100 and the empty file with it.
    expect(partsBySize([...files, join(tmp.dir, 'absent.wav')], 2)).toEqual([[1, 6], [2, 4], [3], [0], [5, 7]]);
    expect(partsBySize(files, 1)).toEqual([[0, 1, 2, 3, 4, 5, 6]]);
    expect(partsBySize([], 4)).toEqual([]);
  });

  it('gives a long chunk of equal files large parts first and single files last, every file once', () => {
    const f = join(tmp.dir, 'equal.bin');
    writeFileSync(f, new Uint8Array(1000));
    const parts = partsBySize(Array.from({ length: 128 }, () => f), 4);
    const lengths = parts.map((p) => p.length);
    expect(lengths[0]).toBe(32);
    expect(lengths.every((n, i) => i === 0 || n <= lengths[i - 1]!)).toBe(true);
    expect(lengths.at(-1)).toBe(1);
    expect(parts.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 128 }, (_, i) => i));
  });
});

describe('sessionLayout', () => {
  const GB = 2 ** 30;
  it('auto: a session per core while the copies fit in half the free memory, the cores shared out', () => {
    expect(sessionLayout('auto', undefined, 8, 0.1 * GB, 16 * GB)).toEqual({ sessions: 8, threads: 1, featureWorker: false });
    // 2.3 GB copies (w2v-BERT fp32) in 8 GB free: one fits in half of it, so one session over all cores
    expect(sessionLayout('auto', undefined, 8, 2.3 * GB, 8 * GB)).toEqual({ sessions: 1, threads: undefined, featureWorker: true });
    expect(sessionLayout('auto', undefined, 8, 2.3 * GB, 20 * GB)).toEqual({ sessions: 4, threads: 2, featureWorker: false });
    expect(sessionLayout('auto', 4, 8, 0.1 * GB, 16 * GB)).toEqual({ sessions: 2, threads: 4, featureWorker: false });
    expect(sessionLayout('auto', undefined, 1, 0.1 * GB, 16 * GB)).toEqual({ sessions: 1, threads: undefined, featureWorker: true });
  });
  it('a number is taken as given, with the cores shared out unless threads are given', () => {
    expect(sessionLayout(3, undefined, 8, 5 * GB, 1 * GB)).toEqual({ sessions: 3, threads: 2, featureWorker: false });
    expect(sessionLayout(2, undefined, 1, 0, 0)).toEqual({ sessions: 2, threads: 1, featureWorker: false });
    expect(sessionLayout(1, 3, 8, 0, 0)).toEqual({ sessions: 1, threads: 3, featureWorker: true });
  });
});
