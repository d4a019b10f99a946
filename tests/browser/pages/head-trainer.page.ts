// Drives workers/trainer.worker.ts through comlink for tests/browser/head-trainer.test.ts.
import * as Comlink from 'comlink';
import type { EngineKind, HeadSpec, HeadTrainingConfig, TrainEvent, TrainerWorkerApi } from '../../../src/core/head/worker-api.ts';
import { TOY_LABELS, toyEmbeddings } from './head-data.ts';

// One worker for the whole page: onnxruntime-web initialises once, and WebGPU
// pipelines compiled for one session are reused by the next (SwiftShader compiles slowly).
let shared: { api: Comlink.Remote<TrainerWorkerApi>; worker: Worker } | undefined;
function newWorker(): { api: Comlink.Remote<TrainerWorkerApi>; worker: { terminate(): void } } {
  if (!shared) {
    const worker = new Worker(new URL('/workers/trainer.worker.ts', import.meta.url), { type: 'module' });
    shared = { api: Comlink.wrap<TrainerWorkerApi>(worker), worker };
  }
  return { api: shared.api, worker: { terminate() {} } };
}

const arr = (t: Float32Array): number[] => Array.from(t);

async function trainIn(engine: EngineKind, spec: HeadSpec, config: HeadTrainingConfig, sizes: { train: number; eval: number }) {
  const { api, worker } = newWorker();
  try {
    const events: TrainEvent[] = [];
    const t0 = performance.now();
    const r = await api.train(
      config,
      { spec, labels: TOY_LABELS },
      toyEmbeddings(sizes.train, spec.inputDim, 1),
      toyEmbeddings(sizes.eval, spec.inputDim, 2),
      Comlink.proxy((e: TrainEvent) => void events.push(e)),
      { engine, stepEventIntervalMs: 0 },
    );
    const ms = performance.now() - t0;
    const p = r.lastHead.params;
    const t1 = performance.now();
    // predict / evaluate on the CPU engine only: each new WebGPU session costs SwiftShader pipeline compiles.
    const probs = engine === 'webgpu' ? new Float32Array(0) : await api.predict(r.head, toyEmbeddings(3, spec.inputDim, 3).vectors, { engine });
    const evalReport = engine === 'webgpu' ? { eval_loss: NaN } : await api.evaluate(r.head, toyEmbeddings(sizes.eval, spec.inputDim, 2), { engine });
    const msAfter = performance.now() - t1;
    return {
      engine: r.engine,
      ms,
      msAfter,
      steps: r.steps,
      bestStep: r.bestStep,
      params: { w1: arr(p.w1), b1: arr(p.b1), w2: arr(p.w2), b2: arr(p.b2) },
      events: events.map((e) => (e.type === 'eval' ? { ...e, metrics: undefined, confusion: e.metrics.confusion } : e)),
      probs: arr(probs),
      evalLoss: evalReport.eval_loss,
    };
  } finally {
    worker.terminate();
  }
}

/** Pause after step 2, check nothing happens while paused, resume, cancel after step 5. */
async function controlRun(engine: EngineKind, spec: HeadSpec, config: HeadTrainingConfig) {
  const { api, worker } = newWorker();
  try {
    const events: { type: string; step?: number; t: number }[] = [];
    let stepsWhilePaused = -1;
    const done = api.train(
      config,
      { spec, labels: TOY_LABELS },
      toyEmbeddings(48, spec.inputDim, 1),
      undefined,
      Comlink.proxy((e: TrainEvent) => {
        events.push({ type: e.type, step: 'step' in e ? e.step : undefined, t: performance.now() });
        if (e.type === 'step' && e.step === 2) void api.pause();
        if (e.type === 'paused') {
          const before = events.filter((x) => x.type === 'step').length;
          setTimeout(() => {
            stepsWhilePaused = events.filter((x) => x.type === 'step').length - before;
            void api.resume();
          }, 400);
        }
        if (e.type === 'step' && e.step === 5) void api.cancel();
      }),
      { engine, stepEventIntervalMs: 0 },
    );
    const r = await done;
    return { cancelled: r.cancelled, steps: r.steps, stepsWhilePaused, events: events.map(({ type, step }) => ({ type, step })) };
  } finally {
    worker.terminate();
  }
}

async function info() {
  const { api, worker } = newWorker();
  try {
    return await api.engineInfo();
  } finally {
    worker.terminate();
  }
}

Object.assign(window, { headTest: { trainIn, controlRun, info } });
