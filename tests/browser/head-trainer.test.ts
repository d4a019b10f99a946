import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import * as ort from 'onnxruntime-node';
import { useTestPage } from '../helpers/test-page.ts';
import { toyEmbeddings, TOY_LABELS } from './pages/head-data.ts';
import { relDiff } from '../unit/head-fixtures.ts';
import { OrtEngine, type OrtModule } from '../../src/core/head/ort-engine.ts';
import { ReferenceEngine } from '../../src/core/head/reference-engine.ts';
import { initHeadParams } from '../../src/core/head/init.ts';
import { runTraining } from '../../src/core/head/trainer.ts';
import { freshAdamState, PARAM_NAMES, type HeadSpec, type HeadTensors } from '../../src/core/head/types.ts';
import { DEFAULT_TRAINING_CONFIG, type EngineKind, type HeadTrainingConfig } from '../../src/core/head/worker-api.ts';

// Small on purpose: SwiftShader WebGPU runs on the CPU.
const config: HeadTrainingConfig = {
  ...DEFAULT_TRAINING_CONFIG,
  learning_rate: 1e-2,
  warmup_steps: 2,
  num_train_epochs: 2,
  per_device_train_batch_size: 16,
  per_device_eval_batch_size: 16,
  eval_steps: 3,
  logging_steps: 2,
  save_steps: 0,
};
const SIZES = { train: 48, eval: 24 };
const specs: HeadSpec[] = [
  { type: 'hf', inputDim: 64, hiddenSize: 32, numLabels: 6, activation: 'none', dropout: 0 },
  { type: 'mlp', inputDim: 64, hiddenSize: 32, numLabels: 6, activation: 'gelu', dropout: 0.2 },
];

type PageRun = {
  engine: EngineKind;
  ms: number;
  msAfter: number;
  steps: number;
  bestStep: number | null;
  params: Record<string, number[]>;
  events: Record<string, unknown>[];
  probs: number[];
  evalLoss: number;
};

describe('head trainer worker (comlink) on WebGPU and WASM', () => {
  const t = useTestPage('head-trainer.html');
  let page: Page;
  beforeAll(async () => {
    page = t.page;
    await page.waitForFunction(() => 'headTest' in window);
  });

  const run = (engine: EngineKind, spec: HeadSpec): Promise<PageRun> =>
    page.evaluate(([e, s, c, z]) => (window as unknown as { headTest: { trainIn: (...a: unknown[]) => Promise<PageRun> } }).headTest.trainIn(e, s, c, z), [engine, spec, config, SIZES] as const);

  async function nodeRun(spec: HeadSpec, engine: 'cpu' | 'reference'): Promise<HeadTensors> {
    const e = engine === 'cpu' ? await OrtEngine.create(spec, { kind: 'cpu', ort: ort as unknown as OrtModule, sessionOptions: { intraOpNumThreads: 1 } }) : new ReferenceEngine(spec);
    const params = initHeadParams(spec, config.seed);
    const r = await runTraining({ config, spec, labels: TOY_LABELS, train: toyEmbeddings(SIZES.train, spec.inputDim, 1), eval: toyEmbeddings(SIZES.eval, spec.inputDim, 2), engine: e, params, opt: freshAdamState(params) });
    await e.dispose();
    return r.lastHead.params;
  }

  it('reports WebGPU (SwiftShader) and WASM engines', async () => {
    const info = await page.evaluate(() => (window as unknown as { headTest: { info: () => Promise<{ available: string[]; preferred: string; adapter?: string }> } }).headTest.info());
    expect(info.available).toEqual(['webgpu', 'wasm', 'reference']);
    expect(info.preferred).toBe('webgpu');
    expect(info.adapter).toMatch(/swiftshader/i);
  });

  for (const spec of specs) {
    it(`WebGPU and CPU give the same parameters after the same steps (${spec.type}/${spec.activation}), matching Node`, async () => {
      const gpu = await run('webgpu', spec);
      const cpu = await run('wasm', spec);
      expect(gpu.engine).toBe('webgpu');
      expect(cpu.engine).toBe('wasm');
      expect(gpu.steps).toBe(6);
      expect(cpu.steps).toBe(6);
      const node = await nodeRun(spec, 'cpu');
      const ref = await nodeRun(spec, 'reference');
      const start = initHeadParams(spec, config.seed);
      for (const p of PARAM_NAMES) {
        expect(relDiff(gpu.params[p], cpu.params[p]), `webgpu vs wasm ${p}`).toBeLessThanOrEqual(1e-4);
        expect(relDiff(cpu.params[p], node[p]), `wasm vs onnxruntime-node ${p}`).toBeLessThanOrEqual(1e-4);
        expect(relDiff(node[p], ref[p]), `onnxruntime-node vs reference ${p}`).toBeLessThanOrEqual(1e-4);
        expect(relDiff(gpu.params[p], start[p]), `training moved ${p}`).toBeGreaterThan(1e-3);
      }
      const evalLosses = (r: PageRun): number[] => r.events.filter((e) => e.type === 'eval').map((e) => e.eval_loss as number);
      evalLosses(gpu).forEach((l, i) => expect(Math.abs(l - evalLosses(cpu)[i])).toBeLessThan(1e-4));
      // evaluate() of the returned (best) head reproduces that evaluation's loss
      const bestEval = cpu.events.find((e) => e.type === 'eval' && e.step === cpu.bestStep)!;
      expect(cpu.evalLoss).toBeCloseTo(bestEval.eval_loss as number, 5);
      // progress events: step (loss, lr), log every 2 steps, eval every 3 steps and at the end with metrics
      for (const r of [gpu, cpu]) {
        const steps = r.events.filter((e) => e.type === 'step');
        expect(steps.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(steps[0].learning_rate).toBe(0);
        expect(steps[2].learning_rate).toBeCloseTo(1e-2, 10);
        expect(steps.every((e) => Number.isFinite(e.loss as number))).toBe(true);
        expect(r.events.filter((e) => e.type === 'log').map((e) => e.step)).toEqual([2, 4, 6]);
        const evals = r.events.filter((e) => e.type === 'eval');
        expect(evals.map((e) => e.step)).toEqual([3, 6]);
        for (const e of evals) {
          for (const k of ['eval_loss', 'eval_accuracy', 'eval_precision', 'eval_recall', 'eval_f1']) expect(Number.isFinite(e[k] as number)).toBe(true);
          expect((e.confusion as number[][]).flat().reduce((a, b) => a + b, 0)).toBe(24);
        }
        expect(r.events.at(-1)).toMatchObject({ type: 'done', cancelled: false, step: 6 });
      }
      // predict: rows of probabilities
      expect(cpu.probs.length).toBe(18);
      for (let i = 0; i < 3; i++) expect(cpu.probs.slice(i * 6, i * 6 + 6).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      console.log(`${spec.type}: webgpu ${gpu.ms.toFixed(0)} ms (+${gpu.msAfter.toFixed(0)} predict/evaluate), wasm ${cpu.ms.toFixed(0)} ms (+${cpu.msAfter.toFixed(0)}) for 6 steps + 2 evals`);
    });
  }

  it('pauses, resumes and cancels a run in the worker', async () => {
    const spec = specs[0];
    const r = await page.evaluate(
      ([s, c]) => (window as unknown as { headTest: { controlRun: (...a: unknown[]) => Promise<{ cancelled: boolean; steps: number; stepsWhilePaused: number; events: { type: string; step?: number }[] }> } }).headTest.controlRun('wasm', s, { ...c, num_train_epochs: 20 }),
      [spec, config] as const,
    );
    const types = r.events.map((e) => e.type);
    expect(types).toContain('paused');
    expect(types).toContain('resumed');
    expect(types.indexOf('resumed')).toBeGreaterThan(types.indexOf('paused'));
    expect(r.stepsWhilePaused).toBe(0);
    expect(r.cancelled).toBe(true);
    expect(r.steps).toBeGreaterThanOrEqual(5);
    expect(r.steps).toBeLessThan(60);
    expect(r.events.at(-1)).toMatchObject({ type: 'done' });
  });
});
