import { describe, expect, it } from 'vitest';
import { planCrops } from '../../src/core/encoder/crop.ts';
import { paddedRows, planBatches } from '../../src/core/encoder/batching.ts';
import { maskedMeanPool } from '../../src/core/encoder/pooling.ts';
import { embedSegments, type EncoderSession } from '../../src/core/encoder/pipeline.ts';
import { SeamlessFeatureExtractor } from '../../src/core/features/seamless-feature-extractor.ts';
import { hubFileUrl, modelFileFor, resolveModelSource, urlCacheId } from '../../src/core/encoder/model-source.ts';

const SR = 16000;

describe('crop planning', () => {
  const base = { sampleRate: SR, maxLengthSeconds: 20 };
  it('eval and infer take the first max-length seconds; short clips are whole', () => {
    expect(planCrops(30 * SR, 'a', { ...base, mode: 'eval' })).toEqual([{ start: 0, end: 20 * SR }]);
    expect(planCrops(30 * SR, 'a', { ...base, mode: 'infer' })).toEqual([{ start: 0, end: 20 * SR }]);
    expect(planCrops(5 * SR, 'a', { ...base, mode: 'eval' })).toEqual([{ start: 0, end: 5 * SR }]);
    expect(planCrops(5 * SR, 'a', { ...base, mode: 'train' })).toEqual([{ start: 0, end: 5 * SR }]);
  });

  it('train crops are seeded random, full length, reproducible per (seed, id), and spread over the clip', () => {
    const len = 60 * SR;
    const starts = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const [c] = planCrops(len, `seg-${i}`, { ...base, mode: 'train', seed: 7 });
      expect(c!.end - c!.start).toBe(20 * SR);
      expect(c!.start).toBeGreaterThanOrEqual(0);
      expect(c!.end).toBeLessThanOrEqual(len);
      expect(planCrops(len, `seg-${i}`, { ...base, mode: 'train', seed: 7 })).toEqual([c]);
      starts.add(c!.start);
    }
    expect(starts.size).toBeGreaterThan(190);
    const mean = [...starts].reduce((a, b) => a + b, 0) / starts.size;
    expect(mean).toBeGreaterThan(0.35 * 40 * SR);
    expect(mean).toBeLessThan(0.65 * 40 * SR);
    const other = planCrops(len, 'seg-1', { ...base, mode: 'train', seed: 8 });
    expect(other).not.toEqual(planCrops(len, 'seg-1', { ...base, mode: 'train', seed: 7 }));
  });

  it('windows cover the clip with the given overlap and end-aligned last window', () => {
    const w = planCrops(45 * SR, 'x', { ...base, mode: 'windows', windowSeconds: 20, overlapSeconds: 5 });
    expect(w).toEqual([
      { start: 0, end: 20 * SR },
      { start: 15 * SR, end: 35 * SR },
      { start: 25 * SR, end: 45 * SR },
    ]);
    const exact = planCrops(40 * SR, 'x', { ...base, mode: 'windows' });
    expect(exact).toEqual([
      { start: 0, end: 20 * SR },
      { start: 20 * SR, end: 40 * SR },
    ]);
    expect(planCrops(3 * SR, 'x', { ...base, mode: 'windows' })).toEqual([{ start: 0, end: 3 * SR }]);
    expect(() => planCrops(SR, 'x', { ...base, mode: 'windows', windowSeconds: 2, overlapSeconds: 2 })).toThrow(/overlapSeconds/);
    expect(() => planCrops(SR, 'x', { ...base, mode: 'windows', windowSeconds: 30 })).toThrow(/must not exceed maxLengthSeconds/);
  });
});

describe('length bucketing', () => {
  it('puts every item in exactly one batch, sorted by length, respecting the size', () => {
    const rows = [50, 10, 400, 12, 55, 390, 11, 60, 13];
    const b = planBatches(rows, { batchSize: 3 });
    expect(b.flat().sort((x, y) => x - y)).toEqual(rows.map((_, i) => i));
    expect(b.every((x) => x.length <= 3)).toBe(true);
    expect(b[0]!.map((i) => rows[i])).toEqual([10, 11, 12]);
    // Bucketing pads far less than input order.
    const naive = [[0, 1, 2], [3, 4, 5], [6, 7, 8]];
    expect(paddedRows(rows, b)).toBeLessThan(paddedRows(rows, naive) * 0.6);
  });

  it('caps batch × longest rows when asked and is deterministic on ties', () => {
    const rows = [100, 100, 100, 100, 5];
    const b = planBatches(rows, { batchSize: 4, maxBatchRows: 250 });
    for (const batch of b) expect(batch.length * Math.max(...batch.map((i) => rows[i]!))).toBeLessThanOrEqual(250);
    expect(planBatches(rows, { batchSize: 2 })).toEqual([[4, 0], [1, 2], [3]]);
  });

  it('caps padding when asked: a batch closes before padded rows exceed (1 + fraction) × real rows', () => {
    const rows = [100, 104, 108, 150, 155, 400, 410, 420, 430];
    const b = planBatches(rows, { batchSize: 8, maxPaddingFraction: 0.1 });
    expect(b).toEqual([[0, 1, 2], [3, 4], [5, 6, 7, 8]]);
    for (const batch of b) {
      const real = batch.reduce((a, i) => a + rows[i]!, 0);
      expect(batch.length * Math.max(...batch.map((i) => rows[i]!))).toBeLessThanOrEqual(1.1 * real);
    }
    expect(planBatches(rows, { batchSize: 8 })).toHaveLength(2);
  });
});

describe('masked mean pooling', () => {
  it('averages only real frames, per item', () => {
    const batch = 2, frames = 3, dim = 2;
    // item 0: frames (1,2) (3,4) pad(100,100); item 1: (5,6) (7,8) (9,10)
    const hidden = Float32Array.from([1, 2, 3, 4, 100, 100, 5, 6, 7, 8, 9, 10]);
    const mask = Int32Array.from([1, 1, 0, 1, 1, 1]);
    const { out, counts } = maskedMeanPool(hidden, mask, batch, frames, dim);
    expect(Array.from(out)).toEqual([2, 3, 7, 8]);
    expect(Array.from(counts)).toEqual([2, 3]);
    const big = BigInt64Array.from([1n, 0n, 0n, 1n, 1n, 1n]);
    expect(Array.from(maskedMeanPool(hidden, big, batch, frames, dim).out)).toEqual([1, 2, 7, 8]);
    expect(() => maskedMeanPool(hidden, Int32Array.from([0, 0, 0, 1, 1, 1]), batch, frames, dim)).toThrow(/item 0 has no real frames/);
  });
});

describe('model sources', () => {
  it('classifies repo ids, URLs and folders and maps dtypes to transformers.js files', () => {
    expect(resolveModelSource(undefined)).toEqual({ kind: 'hub', id: 'Xenova/w2v-bert-2.0', revision: 'main' });
    expect(resolveModelSource({ id: 'a/b', revision: 'v2' })).toEqual({ kind: 'hub', id: 'a/b', revision: 'v2' });
    expect(resolveModelSource('https://h.example/m/tiny').id).toBe('https://h.example/m/tiny/');
    expect(resolveModelSource('/models/tiny-w2v-bert', { base: 'http://127.0.0.1:5173/app/' })).toEqual({ kind: 'url', id: 'http://127.0.0.1:5173/models/tiny-w2v-bert/', revision: 'main' });
    expect(resolveModelSource('models/tiny', { isLocalFolder: (p) => p === 'models/tiny' }).kind).toBe('path');
    expect(() => resolveModelSource('no such/folder/x', { isLocalFolder: () => false })).toThrow(/no such folder/);
    expect(modelFileFor('fp32')).toBe('onnx/model.onnx');
    expect(modelFileFor('fp16')).toBe('onnx/model_fp16.onnx');
    expect(modelFileFor('q8')).toBe('onnx/model_quantized.onnx');
    expect(hubFileUrl('http://127.0.0.1:9/', '{model}/resolve/{revision}/', 'a/b', 'main', 'config.json')).toBe('http://127.0.0.1:9/a/b/resolve/main/config.json');
    expect(urlCacheId('http://x/a/tiny/')).not.toBe(urlCacheId('http://y/a/tiny/'));
    expect(urlCacheId('http://x/a/tiny/')).toMatch(/^url-[0-9a-f]{8}\/tiny$/);
  });
});

describe('pipeline overlap', () => {
  it('makes the next batch’s features while the session is still running the current one', async () => {
    const extractor = new SeamlessFeatureExtractor();
    let extracted = 0;
    const extractBatch = extractor.extractBatch.bind(extractor);
    extractor.extractBatch = (clips, names) => {
      extracted++;
      return extractBatch(clips, names);
    };
    const seenAtRunEnd: number[] = [];
    const dim = 3;
    // An asynchronous session, like WebGPU's: run() returns before the work is done.
    const session: EncoderSession = {
      dim,
      async run(_features, _mask, batch, frames) {
        await new Promise((r) => setTimeout(r, 5));
        seenAtRunEnd.push(extracted);
        return new Float32Array(batch * frames * dim).fill(1);
      },
    };
    const segments = [0.5, 0.8, 1.1, 1.4].map((s, i) => ({ id: `s${i}`, samples: new Float32Array(Math.round(s * SR)).map((_, k) => Math.sin(k / (5 + i))) }));
    const res = await embedSegments(session, extractor, segments, { mode: 'eval', batchSize: 1 });
    expect(res.map((r) => r.id)).toEqual(['s0', 's1', 's2', 's3']);
    // When run k finishes, batch k+1 is already prepared (the last run has none after it).
    expect(seenAtRunEnd).toEqual([2, 3, 4, 4]);
  });
});
