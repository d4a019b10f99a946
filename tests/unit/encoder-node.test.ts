import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { modelFolderFingerprint } from '../../src/node/encoder/folder-fingerprint.ts';
import { tempDir } from '../helpers/paths.ts';
import { loadEncoder, type NodeEncoder } from '../../src/node/encoder/load.ts';
import { makeTinyModel, DEFAULT_TINY_MODEL_DIR } from '../../src/node/encoder/tiny-model.ts';
import { TINY_CONFIG } from '../../src/core/onnx/tiny-conformer.ts';
import { embedSegments, type EncoderSession } from '../../src/core/encoder/pipeline.ts';
import type { EmbedSegment } from '../../src/core/encoder/worker-api.ts';
import type { EncoderDtype } from '../../src/core/encoder/embedding-set.ts';

const SR = 16000;

/** Deterministic speech-like test signal: a few drifting partials plus noise. */
function signal(seconds: number, seed: number): Float32Array {
  const n = Math.round(seconds * SR);
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const t = i / SR;
    out[i] = 0.3 * Math.sin(2 * Math.PI * (120 + 40 * seed + 30 * Math.sin(t * 3)) * t) + 0.1 * Math.sin(2 * Math.PI * 900 * t) + 0.02 * (s / 2 ** 32 - 0.5);
  }
  return out;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array): number => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

let fp32: NodeEncoder;
beforeAll(async () => {
  makeTinyModel(DEFAULT_TINY_MODEL_DIR, TINY_CONFIG);
  fp32 = await loadEncoder(DEFAULT_TINY_MODEL_DIR, 'fp32');
});
afterAll(async () => {
  await fp32?.dispose();
});

describe('Node encoder on the tiny model', () => {
  it('loads the local folder on the CPU and reports the model', () => {
    expect(fp32.info).toMatchObject({ backend: 'cpu', dtype: 'fp32', dim: TINY_CONFIG.hidden, modelId: 'tiny-w2v-bert' });
    expect(fp32.info.revision).toMatch(/^local-[0-9a-f]{16}$/);
    expect(fp32.preprocessorConfig.stride).toBe(2);
  });

  it('names a local model by its folder name and files: the same files anywhere and however typed are one encoder, other weights another', async () => {
    const tmp = tempDir('saturi-model-identity-');
    try {
      const copy = join(tmp.dir, 'a', 'tiny-w2v-bert');
      cpSync(DEFAULT_TINY_MODEL_DIR, copy, { recursive: true });
      // A big weights file is sampled, not hashed whole.
      const data = join(copy, 'onnx', 'model.onnx_data');
      const big = Buffer.concat([readFileSync(data), Buffer.alloc(3 * 2 ** 20, 1)]);
      writeFileSync(data, big);
      const identity = (dir: string, dtype: EncoderDtype = 'fp32') => {
        const i = modelFolderFingerprint(dir, dtype);
        return `${basename(dir)}@${i}`;
      };
      const moved = join(tmp.dir, 'b', 'tiny-w2v-bert');
      cpSync(copy, moved, { recursive: true });
      expect(identity(moved)).toBe(identity(copy));
      // Other weights (retrained, rescaled) differ all through the file, not in one byte.
      for (let i = 0; i < big.length; i += 4096) big[i] ^= 0xff;
      writeFileSync(join(moved, 'onnx', 'model.onnx_data'), big);
      expect(identity(moved)).not.toBe(identity(copy));
      // A folder with one dtype's files is that dtype's same encoder; another dtype added to a
      // folder changes none of the identities its sets recorded.
      const q8Only = join(tmp.dir, 'c', 'tiny-w2v-bert');
      mkdirSync(join(q8Only, 'onnx'), { recursive: true });
      for (const f of ['config.json', 'preprocessor_config.json', 'onnx/model_quantized.onnx']) cpSync(join(copy, f), join(q8Only, f));
      expect(identity(q8Only, 'q8')).toBe(identity(copy, 'q8'));
      expect(identity(copy, 'q8')).not.toBe(identity(copy, 'fp32'));
      const fp32Before = identity(copy);
      writeFileSync(join(copy, 'onnx', 'model_int8.onnx'), 'another dtype');
      rmSync(join(copy, 'onnx', 'model_fp16.onnx'));
      expect(identity(copy)).toBe(fp32Before);
      // Loaded through another spelling of the same folder: the same identity as the first load.
      const again = await loadEncoder(`${DEFAULT_TINY_MODEL_DIR}/./`, 'fp32');
      try {
        expect([again.info.modelId, again.info.revision]).toEqual([fp32.info.modelId, fp32.info.revision]);
      } finally {
        await again.dispose();
      }
    } finally {
      tmp.cleanup();
    }
  });

  it('embedding = masked mean of last_hidden_state over real frames (checked against a direct onnxruntime run)', async () => {
    const samples = signal(1.37, 1); // odd number of fbank frames → last stacked row is padding
    const [r] = await embedSegments(fp32.session, fp32.extractor, [{ id: 'a', samples }], { mode: 'eval' });
    const fx = fp32.extractor.extract(samples);
    const raw = await ort.InferenceSession.create(join(DEFAULT_TINY_MODEL_DIR, 'onnx', 'model.onnx'));
    const out = await raw.run({
      input_features: new ort.Tensor('float32', fx.features, [1, fx.frames, 160]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from(fx.mask, (m) => BigInt(m)), [1, fx.frames]),
    });
    const h = out.last_hidden_state!.data as Float32Array;
    const H = TINY_CONFIG.hidden;
    const expected = new Float32Array(H);
    let n = 0;
    for (let t = 0; t < fx.frames; t++) {
      if (!fx.mask[t]) continue;
      n++;
      for (let d = 0; d < H; d++) expected[d]! += h[t * H + d]!;
    }
    for (let d = 0; d < H; d++) expected[d]! /= n;
    expect(n).toBeLessThan(fx.frames);
    expect(r!.frames).toBe(n);
    expect(maxAbsDiff(r!.embedding, expected)).toBeLessThan(1e-6);
    await raw.release();
  });

  it('batched results equal batch-size-1 results within 1e-4 (eval, train and windows)', async () => {
    const segs: EmbedSegment[] = [0.4, 2.3, 1.1, 3.05, 0.9, 2.2, 1.6].map((s, i) => ({ id: `s${i}`, samples: signal(s, i + 2) }));
    for (const opts of [
      { mode: 'eval' as const, maxLengthSeconds: 2 },
      { mode: 'train' as const, maxLengthSeconds: 2, seed: 3 },
      { mode: 'windows' as const, maxLengthSeconds: 2, windowSeconds: 1, overlapSeconds: 0.25 },
    ]) {
      const one = await embedSegments(fp32.session, fp32.extractor, segs, { ...opts, batchSize: 1 });
      // Generous padding allowance: batches mix short and long clips, so the mask is exercised.
      let batches = 0;
      const many = await embedSegments(fp32.session, fp32.extractor, segs, { ...opts, batchSize: 4, maxPaddingFraction: 10 }, { onProgress: () => void batches++ });
      expect(batches).toBeLessThan(one.length);
      expect(many.map((r) => [r.id, r.window, r.start, r.end, r.frames])).toEqual(one.map((r) => [r.id, r.window, r.start, r.end, r.frames]));
      for (let i = 0; i < one.length; i++) expect(maxAbsDiff(many[i]!.embedding, one[i]!.embedding)).toBeLessThan(1e-4);
    }
  });

  it('the attention mask matters: treating padding as real frames changes the result', async () => {
    const segs = [signal(0.5, 4), signal(2.5, 5)];
    const fb = fp32.extractor.extractBatch(segs);
    const real = BigInt64Array.from(fb.mask, (m) => BigInt(m));
    const allOnes = new BigInt64Array(real.length).fill(1n);
    const a = await fp32.session.run(fb.features, real, fb.batch, fb.frames);
    const b = await fp32.session.run(fb.features, allOnes, fb.batch, fb.frames);
    // Compare the first real frame of the short item: attention over padded keys changes it.
    expect(maxAbsDiff(a.subarray(0, TINY_CONFIG.hidden), b.subarray(0, TINY_CONFIG.hidden))).toBeGreaterThan(1e-3);
  });

  it('train crops a seeded 20 s piece, eval the first 20 s; windows give one embedding per window', async () => {
    const long = signal(21.5, 9);
    const seg = [{ id: 'long', samples: long }];
    const [tr] = await embedSegments(fp32.session, fp32.extractor, seg, { mode: 'train', seed: 11 });
    const [ev] = await embedSegments(fp32.session, fp32.extractor, seg, { mode: 'eval' });
    expect(ev!.start).toBe(0);
    expect(ev!.end).toBe(20);
    expect(tr!.end - tr!.start).toBeCloseTo(20, 6);
    const [direct] = await embedSegments(fp32.session, fp32.extractor, [{ id: 'x', samples: long.subarray(Math.round(tr!.start * SR), Math.round(tr!.end * SR)) }], { mode: 'eval' });
    expect(maxAbsDiff(tr!.embedding, direct!.embedding)).toBeLessThan(1e-5);
    const wins = await embedSegments(fp32.session, fp32.extractor, seg, { mode: 'windows', windowSeconds: 10, overlapSeconds: 2 });
    expect(wins.map((w) => [w.window, w.start, w.end])).toEqual([
      [0, 0, 10],
      [1, 8, 18],
      [2, 11.5, 21.5],
    ]);
  }, 60_000);

  it('dtype picks the file: fp16 and q8 are close to fp32 but not identical', async () => {
    const segs = [{ id: 'a', samples: signal(1.2, 3) }];
    const ref = (await embedSegments(fp32.session, fp32.extractor, segs, { mode: 'eval' }))[0]!.embedding;
    for (const [dtype, tol] of [
      ['fp16', 0.02],
      ['q8', 0.1],
    ] as const) {
      const enc = await loadEncoder(DEFAULT_TINY_MODEL_DIR, dtype);
      const e = (await embedSegments(enc.session, enc.extractor, segs, { mode: 'eval' }))[0]!.embedding;
      const d = maxAbsDiff(e, ref);
      expect(d).toBeGreaterThan(1e-6);
      expect(d).toBeLessThan(tol);
      await enc.dispose();
    }
  });

  it('cancellation stops between batches; progress counts clips and seconds', async () => {
    const segs = Array.from({ length: 6 }, (_, i) => ({ id: `c${i}`, samples: signal(0.5, i) }));
    const seen: number[] = [];
    let stop = false;
    const slow: EncoderSession = { dim: fp32.session.dim, run: (...a) => fp32.session.run(...a) };
    await expect(
      embedSegments(slow, fp32.extractor, segs, { mode: 'eval', batchSize: 2 }, {
        onProgress: (p) => {
          seen.push(p.done);
          expect(p.total).toBe(6);
          expect(p.secondsTotal).toBeCloseTo(3, 6);
          if (p.done >= 2) stop = true;
        },
        isCancelled: () => stop,
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([2]);
  });

  it('too-short clips and missing folders give clear errors', async () => {
    await expect(embedSegments(fp32.session, fp32.extractor, [{ id: 'tiny-clip', samples: new Float32Array(100) }], { mode: 'eval' })).rejects.toThrow(/tiny-clip/);
    await expect(loadEncoder('/nonexistent/model/folder', 'q8')).rejects.toThrow(/no such folder/);
  });

  it('a model folder without its external weights (model.onnx_data) is a ModelLoadError naming the file', async () => {
    const tmp = tempDir('saturi-no-data-');
    try {
      cpSync(DEFAULT_TINY_MODEL_DIR, tmp.dir, { recursive: true });
      rmSync(join(tmp.dir, 'onnx', 'model.onnx_data'));
      const err = await loadEncoder(tmp.dir, 'fp32').then(() => null, (e: Error) => e);
      expect(err?.name).toBe('ModelLoadError');
      expect(err?.message).toMatch(/model\.onnx_data/);
      // The other dtypes keep their weights inside the .onnx file: still fine.
      await (await loadEncoder(tmp.dir, 'q8')).dispose();
    } finally {
      tmp.cleanup();
    }
  });
});
