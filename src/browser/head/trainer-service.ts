// The trainer worker's implementation of TrainerWorkerApi (exposed by
// workers/trainer.worker.ts with comlink): training with pause / resume /
// cancel and progress events, evaluation and prediction.
import { evaluateEngine, logitsInBatches } from '../../core/head/evaluate.ts';
import { initHeadParams } from '../../core/head/init.ts';
import { softmax } from '../../core/head/reference.ts';
import { runTraining, TrainControl } from '../../core/head/trainer.ts';
import { freshAdamState, type Head, type HeadTensors } from '../../core/head/types.ts';
import type { EngineInfo, EvalReport, HeadStart, HeadTrainingConfig, LabelledVectors, TrainEvent, TrainOptions, TrainResult, TrainerWorkerApi } from '../../core/head/worker-api.ts';
import { browserEngineInfo, createBrowserEngine } from './engines.ts';

export interface TrainerServiceOptions {
  /** WASM threads for the CPU engine (default: up to 4 when cross-origin isolated). */
  threads?: number;
}

export function createTrainerService(opts: TrainerServiceOptions = {}): TrainerWorkerApi {
  let control: TrainControl | null = null;
  return {
    engineInfo(): Promise<EngineInfo> {
      return browserEngineInfo();
    },

    async train(config: HeadTrainingConfig, start: HeadStart, trainSet: LabelledVectors, evalSet: LabelledVectors | undefined, onEvent: (e: TrainEvent) => void, options: TrainOptions = {}): Promise<TrainResult> {
      if (control) throw new Error('a training run is already in progress in this worker');
      // The control exists before the engine does: a Pause or Cancel pressed while WebGPU starts
      // (seconds on some devices) is kept and acted on before the first step, not dropped.
      const runControl = new TrainControl();
      control = runControl;
      try {
        const spec = 'head' in start ? start.head.spec : start.spec;
        const labels = 'head' in start ? start.head.labels : start.labels;
        const params: HeadTensors = 'head' in start ? start.head.params : initHeadParams(spec, config.seed, config.initializer_range ?? null);
        const engine = await createBrowserEngine(spec, options.engine ?? 'auto', {
          hyper: { beta1: config.adam_beta1, beta2: config.adam_beta2, eps: config.adam_epsilon, weightDecay: config.weight_decay },
          threads: opts.threads,
        });
        try {
          // A head trained here works on the masked mean of last_hidden_state: it carries no
          // layer_weights of the head it started from (its export says use_weighted_layer_sum false).
          return await runTraining({ config, spec, labels, train: trainSet, eval: evalSet, engine, params, opt: freshAdamState(params), control: runControl, onEvent: (e) => onEvent(e), stepEventIntervalMs: options.stepEventIntervalMs });
        } finally {
          await engine.dispose();
        }
      } finally {
        control = null;
      }
    },

    async pause(): Promise<void> {
      control?.pause();
    },
    async resume(): Promise<void> {
      control?.resume();
    },
    async cancel(): Promise<void> {
      control?.cancel();
    },

    async evaluate(head: Head, set: LabelledVectors, options: { batchSize?: number; classWeights?: Float32Array; engine?: TrainOptions['engine'] } = {}): Promise<EvalReport> {
      const engine = await createBrowserEngine(head.spec, options.engine ?? 'auto', { threads: opts.threads });
      try {
        await engine.load(head.params, freshAdamState(head.params));
        return await evaluateEngine(engine, set, head.labels, options.batchSize ?? 64, options.classWeights ?? new Float32Array(head.spec.numLabels).fill(1));
      } finally {
        await engine.dispose();
      }
    },

    async predict(head: Head, vectors: Float32Array, options: { engine?: TrainOptions['engine'] } = {}): Promise<Float32Array> {
      const engine = await createBrowserEngine(head.spec, options.engine ?? 'auto', { threads: opts.threads });
      try {
        await engine.load(head.params, freshAdamState(head.params));
        const logits = await logitsInBatches(engine, vectors, head.spec.inputDim, 256);
        return softmax(logits, vectors.length / head.spec.inputDim, head.spec.numLabels);
      } finally {
        await engine.dispose();
      }
    },
  };
}
