// Drives the real encoder worker (workers/encoder.worker.ts) for tests/browser/encoder-*.test.ts.
import { proxy, wrap } from 'comlink';
import type { EmbedOptions, EmbedResult, EmbedSegment, EncoderWorkerApi, ExpectedEncoder, LoadProgress } from '../../../src/core/encoder/worker-api.ts';

const rawWorker = new Worker(new URL('/workers/encoder.worker.ts', import.meta.url), { type: 'module', name: 'encoder' });
// A worker that fails to start (module error) would leave comlink calls pending forever: say so.
rawWorker.addEventListener('error', (e) => console.error(`encoder worker error: ${e.message}`));
const worker = wrap<EncoderWorkerApi>(rawWorker);

/** `count` speech-length test clips of `seconds` (distinct tones), made in the page. */
function longClips(prefix: string, count: number, seconds: number): EmbedSegment[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    samples: new Float32Array(Math.round(seconds * 16000)).map((_, k) => 0.3 * Math.sin(k * 0.013 * (i + 1)) + 0.05 * Math.sin(k * 0.7)),
  }));
}

const api = {
  async load(model: string, dtype: 'fp32' | 'fp16' | 'q8', backend: 'auto' | 'webgpu' | 'wasm') {
    const progress: LoadProgress[] = [];
    try {
      const info = await worker.load(model, dtype, backend, proxy((p: LoadProgress) => void progress.push(p)));
      return { info, progress };
    } catch (e) {
      return { error: String((e as Error).message ?? e), progress };
    }
  },
  async embed(segments: { id: string; samples: number[] }[], opts: EmbedOptions) {
    const res = await worker.embed(segments.map((s) => ({ id: s.id, samples: Float32Array.from(s.samples) })), opts);
    return res.map((r) => ({ ...r, embedding: Array.from(r.embedding) }));
  },
  /**
   * Starts a long job (`count` clips of `seconds`, made here so no big array crosses from the
   * test) and cancels it at once: the worker must stop after the batch in progress.
   */
  async cancelRightAway(count: number, seconds: number, opts: EmbedOptions) {
    const events: number[] = [];
    const job = worker.embed(longClips('long', count, seconds), opts, proxy((p: { done: number }) => void events.push(p.done)));
    await worker.cancel();
    let outcome: string;
    try {
      await job;
      outcome = 'finished';
    } catch (e) {
      outcome = `${(e as Error).name}: ${(e as Error).message}`;
    }
    return { outcome, events };
  },
  /** embed() told which encoder it is meant for: the error's name and message, or the result count. */
  async embedExpecting(segments: { id: string; samples: number[] }[], opts: EmbedOptions, expected: ExpectedEncoder) {
    try {
      const res = await worker.embed(segments.map((s) => ({ id: s.id, samples: Float32Array.from(s.samples) })), opts, undefined, expected);
      return { results: res.length };
    } catch (e) {
      return { error: `${(e as Error).name}: ${(e as Error).message}` };
    }
  },
  /**
   * Two jobs sent at once, a long one made here (`count` clips of `seconds`) and then `b`, then
   * cancel(): what became of each (results or the error).
   */
  async twoThenCancel(count: number, seconds: number, b: { id: string; samples: number[] }[], opts: EmbedOptions) {
    const outcome = (job: Promise<EmbedResult[]>) =>
      job.then(
        (res) => res.map((r) => ({ id: r.id, embedding: Array.from(r.embedding) })),
        (e: Error) => `${e.name}: ${e.message}`,
      );
    const jobs = [
      outcome(worker.embed(longClips('long', count, seconds), opts)),
      outcome(worker.embed(b.map((s) => ({ id: s.id, samples: Float32Array.from(s.samples) })), opts)),
    ];
    await worker.cancel();
    return Promise.all(jobs);
  },
  /** Counts page timer ticks while the worker runs one big batch of `count` clips of `seconds` (made here, before timing). */
  async ticksDuringJob(count: number, seconds: number, opts: EmbedOptions) {
    const segments = longClips('big', count, seconds);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 4);
    const started = performance.now();
    await worker.embed(segments, opts);
    const ms = performance.now() - started;
    clearInterval(timer);
    return { ticks, ms };
  },
  async cacheEntries() {
    const out: string[] = [];
    for (const name of await caches.keys()) {
      const c = await caches.open(name);
      for (const req of await c.keys()) out.push(`${name} ${req.url}`);
    }
    return out;
  },
  async gpu() {
    const adapter = await navigator.gpu?.requestAdapter();
    return { adapter: !!adapter, shaderF16: !!adapter?.features.has('shader-f16') };
  },
  dispose: () => worker.dispose(),
};

(window as unknown as { encoderTest: typeof api }).encoderTest = api;
(window as unknown as { encoderReady: boolean }).encoderReady = true;
