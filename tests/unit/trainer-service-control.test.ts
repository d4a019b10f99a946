// The trainer worker's service: Pause and Cancel pressed while the engine is still starting
// (WebGPU can take seconds) act on the run, and a second run is refused meanwhile.
import { describe, expect, it, vi } from 'vitest';
import { ReferenceEngine } from '../../src/core/head/reference-engine.ts';
import type { HeadEngine } from '../../src/core/head/engine.ts';
import type { HeadSpec } from '../../src/core/head/types.ts';
import { DEFAULT_TRAINING_CONFIG, type HeadTrainingConfig, type TrainEvent } from '../../src/core/head/worker-api.ts';
import { LABEL_NAMES } from '../../src/core/config/labels.ts';
import { clusteredVectors } from './head-fixtures.ts';

// The engine starts when the test says so.
const engines = vi.hoisted(() => ({ pending: [] as { spec: unknown; resolve: (e: unknown) => void }[], disposed: 0 }));
vi.mock('../../src/browser/head/engines.ts', () => ({
  browserEngineInfo: async () => ({ webgpu: null, wasm: true }),
  createBrowserEngine: (spec: unknown) => new Promise((resolve) => engines.pending.push({ spec, resolve })),
}));
const { createTrainerService } = await import('../../src/browser/head/trainer-service.ts');

const spec: HeadSpec = { type: 'hf', inputDim: 8, hiddenSize: 4, numLabels: 6, activation: 'none', dropout: 0 };
const config: HeadTrainingConfig = { ...DEFAULT_TRAINING_CONFIG, max_steps: 6, per_device_train_batch_size: 8, eval_steps: 100, save_steps: 100, logging_steps: 2, learning_rate: 1e-2 };
const train = clusteredVectors(32, 8, 1);

function startEngine(): ReferenceEngine {
  const next = engines.pending.shift();
  if (!next) throw new Error('no engine was asked for');
  const engine = new ReferenceEngine(next.spec as HeadSpec);
  const dispose = engine.dispose.bind(engine);
  (engine as HeadEngine).dispose = async () => {
    engines.disposed++;
    await dispose();
  };
  next.resolve(engine);
  return engine;
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('trainer service: controls pressed before the engine has started', () => {
  it('a Cancel pressed while the engine starts ends the run before its first step, and the engine is disposed', async () => {
    const service = createTrainerService();
    const events: TrainEvent[] = [];
    const run = service.train(config, { spec, labels: [...LABEL_NAMES] }, train, undefined, (e) => events.push(e));
    await tick();
    await expect(service.train(config, { spec, labels: [...LABEL_NAMES] }, train, undefined, () => {})).rejects.toThrow(/already in progress/);
    await service.cancel();
    const disposedBefore = engines.disposed;
    startEngine();
    const r = await run;
    expect(r.cancelled).toBe(true);
    expect(r.steps).toBe(0);
    expect(events.some((e) => e.type === 'step')).toBe(false);
    expect(engines.disposed).toBe(disposedBefore + 1);
  });

  it('a Pause pressed while the engine starts holds the run at step 0 until Resume', async () => {
    const service = createTrainerService();
    const events: TrainEvent[] = [];
    const run = service.train(config, { spec, labels: [...LABEL_NAMES] }, train, undefined, (e) => events.push(e));
    await tick();
    await service.pause();
    startEngine();
    await vi.waitFor(() => expect(events.map((e) => e.type)).toContain('paused'));
    expect(events.find((e) => e.type === 'paused')).toMatchObject({ step: 0 });
    await service.resume();
    const r = await run;
    expect(r.cancelled).toBe(false);
    expect(r.steps).toBe(6);
  });

  it('an engine that will not start frees the worker for the next run', async () => {
    const service = createTrainerService();
    const run = service.train(config, { spec, labels: [...LABEL_NAMES] }, train, undefined, () => {});
    await tick();
    engines.pending.shift()!.resolve(Promise.reject(new Error('WebGPU: device lost')));
    await expect(run).rejects.toThrow(/device lost/);
    const again = service.train(config, { spec, labels: [...LABEL_NAMES] }, train, undefined, () => {});
    await tick();
    startEngine();
    expect((await again).steps).toBe(6);
  });
});
