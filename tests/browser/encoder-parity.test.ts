// The real encoder worker in headless Chromium on the tiny model: WebGPU (SwiftShader) = WASM
// = onnxruntime-node within 1e-3, load progress, Cache Storage (second load offline),
// cancellation between batches, a page that keeps running meanwhile, and a batch refused when
// another encoder than the one it names is loaded.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { useTestPage } from '../helpers/test-page.ts';
import { loadEncoder } from '../../src/node/encoder/load.ts';
import { makeTinyModel, DEFAULT_TINY_MODEL_DIR } from '../../src/node/encoder/tiny-model.ts';
import { TINY_CONFIG } from '../../src/core/onnx/tiny-conformer.ts';
import { embedSegments } from '../../src/core/encoder/pipeline.ts';
import type { EmbedOptions, ExpectedEncoder, LoadProgress, LoadResult } from '../../src/core/encoder/worker-api.ts';

const SR = 16000;
const MODEL = '/models/tiny-w2v-bert/';

function clip(seconds: number, seed: number): number[] {
  return Array.from({ length: Math.round(seconds * SR) }, (_, i) => 0.3 * Math.sin((2 * Math.PI * (110 + 37 * seed) * i) / SR) + 0.08 * Math.sin(i * (0.9 + seed * 0.1)));
}

// Small inputs: SwiftShader is slow.
const segments = [
  { id: 'a', samples: clip(0.45, 1) },
  { id: 'b', samples: clip(0.9, 2) },
  { id: 'c', samples: clip(0.7, 3) },
];
// One batch: a single session.run per backend keeps SwiftShader's shader compiles few.
const opts: EmbedOptions = { mode: 'eval', batchSize: 3, maxPaddingFraction: 10 };

type Api = {
  load(model: string, dtype: string, backend: string): Promise<{ info?: LoadResult; error?: string; progress: LoadProgress[] }>;
  embed(s: typeof segments, o: EmbedOptions): Promise<{ id: string; embedding: number[]; frames: number }[]>;
  cancelRightAway(count: number, seconds: number, o: EmbedOptions): Promise<{ outcome: string; events: number[] }>;
  embedExpecting(s: typeof segments, o: EmbedOptions, e: ExpectedEncoder): Promise<{ results?: number; error?: string }>;
  twoThenCancel(count: number, seconds: number, b: typeof segments, o: EmbedOptions): Promise<({ id: string; embedding: number[] }[] | string)[]>;
  ticksDuringJob(count: number, seconds: number, o: EmbedOptions): Promise<{ ticks: number; ms: number }>;
  cacheEntries(): Promise<string[]>;
  gpu(): Promise<{ adapter: boolean; shaderF16: boolean }>;
};

async function nodeEmbeddings(dtype: 'fp32' | 'fp16' | 'q8'): Promise<number[][]> {
  const enc = await loadEncoder(DEFAULT_TINY_MODEL_DIR, dtype);
  const res = await embedSegments(enc.session, enc.extractor, segments.map((s) => ({ id: s.id, samples: Float32Array.from(s.samples) })), opts);
  await enc.dispose();
  return res.map((r) => Array.from(r.embedding));
}

function maxDiff(a: number[][], b: number[][]): number {
  let d = 0;
  a.forEach((row, i) => row.forEach((v, k) => (d = Math.max(d, Math.abs(v - b[i]![k]!)))));
  return d;
}

describe('encoder worker in the browser', () => {
  let page: Page;
  const call = <K extends keyof Api>(name: K, ...args: Parameters<Api[K]>): ReturnType<Api[K]> =>
    page.evaluate(([n, a]) => (window as unknown as { encoderTest: Record<string, (...x: unknown[]) => unknown> }).encoderTest[n as string]!(...(a as unknown[])), [name, args] as const) as ReturnType<Api[K]>;

  // The model must exist before the page loads it.
  beforeAll(() => void makeTinyModel(DEFAULT_TINY_MODEL_DIR, TINY_CONFIG));
  const t = useTestPage('encoder-page.html');
  beforeAll(async () => {
    page = t.page;
    await page.waitForFunction(() => (window as unknown as { encoderReady?: boolean }).encoderReady === true);
  });

  it('WebGPU = WASM = onnxruntime-node within 1e-3, with byte progress and the backend reported', async () => {
    const ref = await nodeEmbeddings('fp32');

    const gpu = await call('load', MODEL, 'fp32', 'webgpu');
    expect(gpu.error).toBeUndefined();
    expect(gpu.info).toMatchObject({ backend: 'webgpu', dtype: 'fp32', dim: TINY_CONFIG.hidden });
    const dataSize = statSync(join(DEFAULT_TINY_MODEL_DIR, 'onnx', 'model.onnx_data')).size;
    expect(gpu.progress.filter((p) => p.file === 'onnx/model.onnx_data' && p.status === 'done').at(-1)).toMatchObject({ loaded: dataSize, total: dataSize });
    expect(gpu.progress.some((p) => p.status === 'download' && p.total > 0 && p.loaded <= p.total)).toBe(true);
    const onGpu = (await call('embed', segments, opts)).map((r) => r.embedding);

    const wasm = await call('load', MODEL, 'fp32', 'wasm');
    expect(wasm.info).toMatchObject({ backend: 'wasm', dtype: 'fp32' });
    expect(wasm.info!.threads).toBeGreaterThan(1); // the dev server sends COOP/COEP → threads
    const onWasm = (await call('embed', segments, opts)).map((r) => r.embedding);

    expect(onGpu).toHaveLength(3);
    expect(onGpu[0]).toHaveLength(TINY_CONFIG.hidden);
    expect(maxDiff(onGpu, ref)).toBeLessThan(1e-3);
    expect(maxDiff(onWasm, ref)).toBeLessThan(1e-3);
    expect(maxDiff(onGpu, onWasm)).toBeLessThan(1e-3);
  });

  it('q8 and fp16 load their own files and match onnxruntime-node (WASM)', async () => {
    const q8 = await call('load', MODEL, 'q8', 'wasm');
    expect(q8.info).toMatchObject({ backend: 'wasm', dtype: 'q8' });
    expect(q8.progress.some((p) => p.file === 'onnx/model_quantized.onnx' && p.status === 'done')).toBe(true);
    const onQ8 = (await call('embed', segments, opts)).map((r) => r.embedding);
    // Looser than fp32: onnxruntime's CPU kernels for DequantizeLinear→MatMul differ between the
    // native and WASM builds (int8 GEMM paths), a few 1e-3 on this model.
    expect(maxDiff(onQ8, await nodeEmbeddings('q8'))).toBeLessThan(1e-2);

    const fp16 = await call('load', MODEL, 'fp16', 'wasm');
    expect(fp16.error).toBeUndefined();
    expect(fp16.progress.some((p) => p.file === 'onnx/model_fp16.onnx' && p.status === 'done')).toBe(true);
    const onF16 = (await call('embed', segments, opts)).map((r) => r.embedding);
    expect(maxDiff(onF16, await nodeEmbeddings('fp16'))).toBeLessThan(1e-2);
    expect(maxDiff(onF16, onQ8)).toBeGreaterThan(1e-4); // different files, different numbers
  });

  it('fp16 on WebGPU only with shader-f16: asking for it without the feature is a clear error', async () => {
    const { adapter, shaderF16 } = await call('gpu');
    expect(adapter).toBe(true);
    if (!shaderF16) {
      const r = await call('load', MODEL, 'fp16', 'webgpu');
      expect(r.error).toMatch(/shader-f16/);
    } else {
      // The adapter has the feature: the decision is WebGPU (the session itself is covered by the fp32 run).
      const { chooseBackend } = await import('../../src/browser/encoder/backend.ts');
      expect(chooseBackend('auto', 'fp16', { adapter, shaderF16 }).backend).toBe('webgpu');
    }
  });

  it('model files are in Cache Storage and a second load works with the server unreachable', async () => {
    const entries = await call('cacheEntries');
    for (const f of ['config.json', 'preprocessor_config.json', 'onnx/model.onnx', 'onnx/model.onnx_data', 'onnx/model_quantized.onnx']) {
      expect(entries.some((e) => e.endsWith(`/models/tiny-w2v-bert/${f}`))).toBe(true);
    }
    await page.context().route('**/models/tiny-w2v-bert/**', (route) => route.abort('connectionrefused'));
    try {
      const again = await call('load', MODEL, 'fp32', 'wasm');
      expect(again.error).toBeUndefined();
      expect(again.info!.backend).toBe('wasm');
      const missing = await call('load', '/models/not-there/', 'q8', 'wasm');
      expect(missing.error).toMatch(/\/models\/not-there\/(config|preprocessor_config)\.json/);
    } finally {
      await page.context().unroute('**/models/tiny-w2v-bert/**');
    }
  });

  it('cancel() stops a long job between batches, and the page keeps running while the worker computes', async () => {
    await call('load', MODEL, 'fp32', 'wasm');
    // A long job (40 batches of 6 s): cancel() is sent right behind it, so the worker stops after
    // a batch or two. How many depends on when the message gets through on a loaded machine (CI
    // once saw three), so the test asks only that most of the job never ran.
    const LONG = 40;
    const r = await call('cancelRightAway', LONG, 6, { mode: 'eval', batchSize: 1 });
    expect(r.outcome).toBe('AbortError: embedding cancelled');
    expect(r.events.length).toBeLessThan(LONG / 2);

    // Two jobs at once (a classification while a dataset embeds) take the session in turn, each
    // with its own cancellation: cancel() stops the one running, the one queued behind it runs in
    // full and gets what it would get alone. (Run side by side with one shared flag, both stopped,
    // and interleaved runs on one session hung the 8-bit model in the app.)
    const b = Array.from({ length: 6 }, (_, i) => ({ id: `m${i}`, samples: clip(0.5, i) }));
    const [first, second] = await call('twoThenCancel', LONG, 6, b, { mode: 'eval', batchSize: 1 });
    expect(first).toBe('AbortError: embedding cancelled');
    const alone = await call('embed', b, { mode: 'eval', batchSize: 1 });
    expect(Array.isArray(second) && second.map((r) => r.id)).toEqual(b.map((s) => s.id));
    (second as { embedding: number[] }[]).forEach((r, i) => expect(r.embedding).toEqual(alone[i]!.embedding));

    // One big batch: were the encoder on the page's thread, no timer could fire until it ended.
    const t = await call('ticksDuringJob', 12, 8, { mode: 'eval', batchSize: 12, maxPaddingFraction: 10 });
    expect(t.ms).toBeGreaterThan(150);
    expect(t.ticks).toBeGreaterThan(t.ms / 100);
  });

  it('a call meant for another encoder (a dataset job whose set was embedded with it) is refused with EncoderChangedError, not run on this one', async () => {
    const q8 = (await call('load', MODEL, 'q8', 'wasm')).info!;
    const meant: ExpectedEncoder = { modelId: q8.modelId, revision: q8.revision, dtype: 'q8', dim: q8.dim };
    const two = segments.slice(0, 2);
    expect(await call('embedExpecting', two, { mode: 'eval' }, meant)).toEqual({ results: 2 });
    // The worker words it as the app does before resuming a set (encoderDifference in src/core).
    expect((await call('embedExpecting', two, { mode: 'eval' }, { ...meant, dtype: 'fp32' })).error).toBe('EncoderChangedError: the set was embedded with dtype fp32, the encoder loaded now is q8');
    expect((await call('embedExpecting', two, { mode: 'eval' }, { ...meant, revision: 'abc' })).error).toBe(`EncoderChangedError: the set was embedded with ${q8.modelId}@abc, the encoder loaded now is ${q8.modelId}@${q8.revision}`);
    expect((await call('embedExpecting', two, { mode: 'eval' }, { ...meant, dim: q8.dim + 1 })).error).toBe(`EncoderChangedError: the set holds ${q8.dim + 1}-dimensional embeddings, the encoder loaded now makes ${q8.dim}`);
  });
});
