import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { OrtEngine, type OrtModule } from '../../src/core/head/ort-engine.ts';
import { ReferenceEngine } from '../../src/core/head/reference-engine.ts';
import { initHeadParams } from '../../src/core/head/init.ts';
import { runTraining, TrainControl, TrainingDivergedError, totalTrainingSteps } from '../../src/core/head/trainer.ts';
import { freshAdamState, PARAM_NAMES, type HeadSpec } from '../../src/core/head/types.ts';
import { DEFAULT_TRAINING_CONFIG, type HeadTrainingConfig, type TrainEvent } from '../../src/core/head/worker-api.ts';
import { LABEL_NAMES } from '../../src/core/config/labels.ts';
import { clusteredVectors, relDiff } from './head-fixtures.ts';
import { Rng } from '../../src/core/random/rng.ts';
import { headLossAndGrads } from '../../src/core/head/reference.ts';
import { ADAMW_DEFAULTS, gradSumOfSquares } from '../../src/core/head/adamw.ts';
import { buildTrainGraph, GRAD_SUM_SQ_OUTPUT } from '../../src/core/head/onnx-graph.ts';

const config = (over: Partial<HeadTrainingConfig> = {}): HeadTrainingConfig => ({
  ...DEFAULT_TRAINING_CONFIG,
  learning_rate: 5e-3,
  warmup_steps: 3,
  num_train_epochs: 2,
  per_device_train_batch_size: 16,
  per_device_eval_batch_size: 32,
  eval_steps: 5,
  logging_steps: 4,
  save_steps: 5,
  ...over,
});

const ortEngine = (spec: HeadSpec, opts: { adam?: 'graph' | 'host'; lowRank?: boolean } = {}): Promise<OrtEngine> =>
  OrtEngine.create(spec, { kind: 'cpu', ort: ort as unknown as OrtModule, adam: opts.adam ?? 'host', lowRank: opts.lowRank, preallocateGradients: true, sessionOptions: { intraOpNumThreads: 1 } });

const train = clusteredVectors(90, 24, 1);
const evalSet = clusteredVectors(40, 24, 2);

describe('onnxruntime engine = TypeScript reference', () => {
  const specs: HeadSpec[] = [
    { type: 'hf', inputDim: 24, hiddenSize: 12, numLabels: 6, activation: 'none', dropout: 0 },
    { type: 'mlp', inputDim: 24, hiddenSize: 12, numLabels: 6, activation: 'relu', dropout: 0.2 },
    { type: 'mlp', inputDim: 24, hiddenSize: 12, numLabels: 6, activation: 'gelu', dropout: 0.1 },
    { type: 'mlp', inputDim: 24, hiddenSize: 12, numLabels: 6, activation: 'tanh', dropout: 0 },
  ];
  for (const spec of specs) {
    const variants = spec.type === 'hf' ? [{ adam: 'host' as const }, { adam: 'graph' as const }, { adam: 'host' as const, lowRank: false }] : [{ adam: 'host' as const }, { adam: 'graph' as const }];
    for (const v of variants) {
      it(`gives the same parameters after a training run (${spec.type}/${spec.activation}, AdamW on ${v.adam}${v.lowRank === false ? ', full graph' : ''})`, async () => {
        const params = initHeadParams(spec, 42);
        const cfg = config();
        const results = [];
        for (const engine of [new ReferenceEngine(spec), await ortEngine(spec, v)]) {
          const r = await runTraining({ config: cfg, spec, labels: [...LABEL_NAMES], train, eval: evalSet, engine, params, opt: freshAdamState(params) });
          results.push({ r, state: await engine.read() });
          await engine.dispose();
        }
        const [ref, onnx] = results;
        expect(onnx.r.steps).toBe(totalTrainingSteps(cfg, 90).total);
        for (const p of PARAM_NAMES) {
          expect(relDiff(onnx.state.params[p], ref.state.params[p]), p).toBeLessThan(1e-4);
          expect(relDiff(onnx.state.opt.m[p], ref.state.opt.m[p]), `m ${p}`).toBeLessThan(1e-4);
        }
        // And training moved the parameters a meaningful distance.
        expect(relDiff(ref.state.params.w2, params.w2)).toBeGreaterThan(1e-2);
        expect(Math.abs(onnx.r.finalEval!.eval_loss - ref.r.finalEval!.eval_loss)).toBeLessThan(1e-4);
      });
    }
  }
});

describe('gradient clipping (max_grad_norm, as the Hugging Face Trainer)', () => {
  const specs: HeadSpec[] = [
    { type: 'hf', inputDim: 24, hiddenSize: 12, numLabels: 6, activation: 'none', dropout: 0 },
    { type: 'mlp', inputDim: 24, hiddenSize: 12, numLabels: 6, activation: 'relu', dropout: 0.2 },
  ];
  for (const spec of specs) {
    it(`clips the same way on every engine, and clipping changes the run (${spec.type})`, async () => {
      const params = initHeadParams(spec, 42);
      // Far below the gradients' norm, so every step is clipped.
      const clipped = config({ max_grad_norm: 0.01 });
      const run = async (engine: ReferenceEngine | OrtEngine, cfg: HeadTrainingConfig) => {
        await runTraining({ config: cfg, spec, labels: [...LABEL_NAMES], train, eval: evalSet, engine, params, opt: freshAdamState(params) });
        const state = await engine.read();
        await engine.dispose();
        return state;
      };
      const ref = await run(new ReferenceEngine(spec), clipped);
      for (const adam of ['host', 'graph'] as const) {
        const onnx = await run(await ortEngine(spec, { adam }), clipped);
        for (const p of PARAM_NAMES) {
          expect(relDiff(onnx.params[p], ref.params[p]), `${adam} ${p}`).toBeLessThan(1e-4);
          expect(relDiff(onnx.opt.m[p], ref.opt.m[p]), `${adam} m ${p}`).toBeLessThan(1e-4);
        }
      }
      // The first moment averages clipped gradients: far smaller than without clipping.
      const free = await run(new ReferenceEngine(spec), config({ max_grad_norm: 0 }));
      const norm = (s: typeof ref) => Math.sqrt(PARAM_NAMES.reduce((a, p) => a + s.opt.m[p].reduce((b, x) => b + x * x, 0), 0));
      expect(norm(ref)).toBeLessThan(0.011);
      expect(norm(free)).toBeGreaterThan(10 * norm(ref));
    });
  }
});

describe('gradient norm of the low-rank graph', () => {
  it('matches the reference when every classifier row shares a large component (it came out negative: NaN parameters)', async () => {
    const spec: HeadSpec = { type: 'hf', inputDim: 64, hiddenSize: 32, numLabels: 6, activation: 'none', dropout: 0 };
    const rng = new Rng(1);
    const B = 16;
    const shared = Float32Array.from({ length: 32 }, () => rng.uniform(-1, 1));
    const params = {
      w1: Float32Array.from({ length: 32 * 64 }, () => rng.uniform(-0.1, 0.1)),
      b1: Float32Array.from({ length: 32 }, () => rng.uniform(-0.1, 0.1)),
      w2: Float32Array.from({ length: 6 * 32 }, (_, i) => 1000 * shared[i % 32]! + rng.uniform(-0.1, 0.1)),
      b2: new Float32Array(6),
    };
    const x = Float32Array.from({ length: B * 64 }, () => rng.uniform(-1, 1));
    const yw = new Float32Array(B * 6);
    for (let b = 0; b < B; b++) yw[b * 6 + (b % 6)] = 1;
    const wide = (a: Float32Array) => Float64Array.from(a);
    const ref = headLossAndGrads(spec, { w1: wide(params.w1), b1: wide(params.b1), w2: wide(params.w2), b2: wide(params.b2) }, x, yw, B);
    const want = gradSumOfSquares(PARAM_NAMES.map((n) => ref.grads[n]));
    const session = await ort.InferenceSession.create(buildTrainGraph(spec, { adam: 'host', hyper: ADAMW_DEFAULTS, lowRank: true }));
    const out = await session.run({
      x: new ort.Tensor('float32', x, [B, 64]),
      yw: new ort.Tensor('float32', yw, [B, 6]),
      w1: new ort.Tensor('float32', params.w1, [32, 64]),
      b1: new ort.Tensor('float32', params.b1, [32]),
      w2: new ort.Tensor('float32', params.w2, [6, 32]),
      b2: new ort.Tensor('float32', params.b2, [6]),
    });
    const got = (out[GRAD_SUM_SQ_OUTPUT]!.data as Float32Array)[0]!;
    expect(Math.abs(got - want) / want).toBeLessThan(1e-3);
    await session.release();
  });
});

describe('trainer loop', () => {
  const spec: HeadSpec = { type: 'hf', inputDim: 24, hiddenSize: 12, numLabels: 6, activation: 'none', dropout: 0 };

  it('logs every logging_steps, evaluates every eval_steps and at the end, keeps the best by eval loss, and learns', async () => {
    const params = initHeadParams(spec, 7);
    const events: TrainEvent[] = [];
    const engine = await ortEngine(spec);
    const cfg = config({ num_train_epochs: 6, learning_rate: 1e-2 });
    const checkpoints: number[] = [];
    const r = await runTraining({
      config: cfg, spec, labels: [...LABEL_NAMES], train, eval: evalSet, engine, params, opt: freshAdamState(params),
      onEvent: (e) => void events.push(e), onCheckpoint: (cp) => void checkpoints.push(cp.step), stepEventIntervalMs: 0,
    });
    const total = totalTrainingSteps(cfg, 90).total; // ceil(90/16) = 6 per epoch → 36
    expect(total).toBe(36);
    const logs = events.filter((e) => e.type === 'log').map((e) => e.step);
    expect(logs).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36]);
    const evals = events.filter((e): e is Extract<TrainEvent, { type: 'eval' }> => e.type === 'eval');
    expect(evals.map((e) => e.step)).toEqual([5, 10, 15, 20, 25, 30, 35, 36]);
    expect(checkpoints).toEqual([5, 10, 15, 20, 25, 30, 35, 36]);
    const best = evals.reduce((a, b) => (b.eval_loss < a.eval_loss ? b : a));
    expect(r.bestStep).toBe(best.step);
    expect(events.filter((e) => e.type === 'step').length).toBe(36);
    // learning rate: warm-up over 3 steps then linear decay to 0 at step 36
    const steps = events.filter((e): e is Extract<TrainEvent, { type: 'step' }> => e.type === 'step');
    expect(steps[0].learning_rate).toBe(0);
    expect(steps[3].learning_rate).toBeCloseTo(1e-2, 12);
    expect(steps[35].learning_rate).toBeCloseTo(1e-2 / 33, 12);
    // Logged as the Hugging Face Trainer logs it: after 4 steps, the rate of the 5th (32/33 of the peak).
    const logged = events.filter((e): e is Extract<TrainEvent, { type: 'log' }> => e.type === 'log');
    expect(logged[0]!.learning_rate).toBeCloseTo((1e-2 * 32) / 33, 12);
    expect(logged.at(-1)!.learning_rate).toBe(0);
    expect(evals.at(-1)!.eval_accuracy).toBeGreaterThan(0.8);
    expect(evals.at(-1)!.eval_loss).toBeLessThan(evals[0].eval_loss);
    // load_best_model_at_end: the returned head is the best evaluation's parameters
    await engine.load(r.head.params, freshAdamState(r.head.params));
    expect(events.at(-1)).toMatchObject({ type: 'done', best_step: best.step });
    // and its own metrics are the best evaluation's
    expect(r.headEval).toBe(r.bestEval);
    expect(r.headEval!.eval_loss).toBe(best.eval_loss);
    await engine.dispose();
  });

  it("without load_best_model_at_end the head is the last step's, and so are its metrics", async () => {
    const params = initHeadParams(spec, 7);
    const engine = await ortEngine(spec);
    const r = await runTraining({
      config: config({ num_train_epochs: 6, learning_rate: 1e-2, load_best_model_at_end: false }), spec, labels: [...LABEL_NAMES], train, eval: evalSet, engine, params, opt: freshAdamState(params), stepEventIntervalMs: 0,
    });
    expect(r.head).toBe(r.lastHead);
    expect(r.headEval).toBe(r.finalEval);
    expect(r.finalEval).toBeDefined();
    // Cancelled between evaluations: the head is step 12's, its last evaluation step 10's, so it has none of its own.
    const control = new TrainControl();
    const cut = await runTraining({
      config: config({ num_train_epochs: 6, learning_rate: 1e-2, load_best_model_at_end: false }), spec, labels: [...LABEL_NAMES], train, eval: evalSet, engine, params, opt: freshAdamState(params), control, stepEventIntervalMs: 0,
      onEvent: (e) => void (e.type === 'step' && e.step === 12 && control.cancel()),
    });
    expect(cut.cancelled).toBe(true);
    expect(cut.finalEval).toBeDefined();
    expect(cut.headEval).toBeUndefined();
    await engine.dispose();
  });

  it('stops with TrainingDivergedError, naming the step and learning rate, when the loss becomes NaN or infinite', async () => {
    const params = initHeadParams(spec, 7);
    const engine = new ReferenceEngine(spec);
    // A learning rate no head survives: the logits overflow within a few steps.
    const cfg = config({ learning_rate: 1e30, warmup_steps: 0, max_grad_norm: 0 });
    const steps: number[] = [];
    const run = runTraining({ config: cfg, spec, labels: [...LABEL_NAMES], train, eval: evalSet, engine, params, opt: freshAdamState(params), stepEventIntervalMs: 0, onEvent: (e) => void (e.type === 'step' && steps.push(e.step)) });
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    const d = err as TrainingDivergedError;
    expect(Number.isFinite(d.loss)).toBe(false);
    // The failing step is reported, and no step event carried its loss.
    expect(d.step).toBe(steps.length + 1);
    expect(d.step).toBeLessThan(totalTrainingSteps(cfg, 90).total);
    expect(d.learningRate).toBeGreaterThan(1e29); // the step's rate (linear decay from 1e30)
    expect(d.message).toContain(`the loss is ${d.loss} at step ${d.step} (learning rate ${d.learningRate.toExponential(3)})`);
  });

  it('pauses, resumes and cancels between steps', async () => {
    const params = initHeadParams(spec, 7);
    const engine = await ortEngine(spec);
    const control = new TrainControl();
    const events: TrainEvent[] = [];
    let resumedAt = -1;
    const run = runTraining({
      config: config({ num_train_epochs: 20 }), spec, labels: [...LABEL_NAMES], train, engine, params, opt: freshAdamState(params), control, stepEventIntervalMs: 0,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'step' && e.step === 3) control.pause();
        if (e.type === 'paused') setTimeout(() => control.resume(), 30);
        if (e.type === 'resumed') resumedAt = e.step;
        if (e.type === 'step' && e.step === 10) control.cancel();
      },
    });
    const r = await run;
    expect(resumedAt).toBe(3);
    expect(r.cancelled).toBe(true);
    expect(r.steps).toBe(10);
    expect(events.at(-1)).toMatchObject({ type: 'done', cancelled: true, step: 10 });
    await engine.dispose();
    // With checkpointOnCancel (the CLI's Ctrl-C), the stopped step is checkpointed for the resume.
    const c2 = new TrainControl();
    const saved: number[] = [];
    await runTraining({
      config: config({ num_train_epochs: 20, save_steps: 100 }), spec, labels: [...LABEL_NAMES], train, engine: await ortEngine(spec), params, opt: freshAdamState(params), control: c2, stepEventIntervalMs: 0, checkpointOnCancel: true,
      onCheckpoint: (cp) => void saved.push(cp.step),
      onEvent: (e) => void (e.type === 'step' && e.step === 7 && c2.cancel()),
    });
    expect(saved).toEqual([7]);
  });

  it('a run resumed from a checkpoint ends with the same parameters as an uninterrupted one (with dropout)', async () => {
    const mlp: HeadSpec = { type: 'mlp', inputDim: 24, hiddenSize: 12, numLabels: 6, activation: 'relu', dropout: 0.25 };
    const params = initHeadParams(mlp, 3);
    const cfg = config({ num_train_epochs: 3 });
    const full = await runTraining({ config: cfg, spec: mlp, labels: [...LABEL_NAMES], train, eval: evalSet, engine: await ortEngine(mlp), params, opt: freshAdamState(params) });
    let saved: Parameters<NonNullable<Parameters<typeof runTraining>[0]['onCheckpoint']>>[0] | undefined;
    let best: Float32Array[] | undefined;
    await runTraining({
      config: cfg, spec: mlp, labels: [...LABEL_NAMES], train, eval: evalSet, engine: await ortEngine(mlp), params, opt: freshAdamState(params), stopAfterStep: 7,
      onCheckpoint: (cp) => void (saved = cp), onBest: (_s, p) => void (best = [p.w1, p.b1, p.w2, p.b2]),
    });
    expect(saved!.step).toBe(5);
    const resumed = await runTraining({
      config: cfg, spec: mlp, labels: [...LABEL_NAMES], train, eval: evalSet, engine: await ortEngine(mlp), params: saved!.params, opt: saved!.opt,
      resume: { state: saved!.state, bestParams: best && { w1: best[0], b1: best[1], w2: best[2], b2: best[3] } },
    });
    expect(resumed.steps).toBe(full.steps);
    for (const p of PARAM_NAMES) {
      expect(resumed.lastHead.params[p]).toEqual(full.lastHead.params[p]);
      expect(resumed.head.params[p]).toEqual(full.head.params[p]);
    }
  });

  it('rejects embeddings whose dimension does not match the head', async () => {
    const params = initHeadParams(spec, 1);
    const bad = clusteredVectors(10, 20, 1);
    await expect(runTraining({ config: config(), spec, labels: [...LABEL_NAMES], train: bad, engine: new ReferenceEngine(spec), params, opt: freshAdamState(params) })).rejects.toThrow(/dimension 20 but the head expects 24/);
  });
});
