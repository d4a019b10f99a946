// The trainer worker's API (workers/trainer.worker.ts, exposed with comlink).
// The app codes against these types; keep the names stable.
import type { ClassificationMetrics } from '../metrics/classification.ts';
import type { Head, HeadSpec } from './types.ts';

export type { Head, HeadSpec } from './types.ts';
export type { ClassificationMetrics, ClassReport } from '../metrics/classification.ts';

/** Training hyperparameters; keys follow the original Hugging Face training configs. */
export interface HeadTrainingConfig {
  learning_rate: number;
  weight_decay: number;
  warmup_steps: number;
  num_train_epochs: number;
  per_device_train_batch_size: number;
  per_device_eval_batch_size: number;
  seed: number;
  /** Evaluate every this many optimizer steps (and always after the last step). 0 = only at the end. */
  eval_steps: number;
  /** Emit a `log` event (mean loss since the previous one) every this many steps. */
  logging_steps: number;
  /** Checkpoint every this many steps (and after the last step); 0 = only at the end. Used by runners that persist. */
  save_steps: number;
  /** At the end, return (and export) the parameters of the evaluation with the lowest eval loss. */
  load_best_model_at_end: boolean;
  /** Weight the loss by max_count / count_c of the training labels. */
  class_weights: boolean;
  adam_beta1: number;
  adam_beta2: number;
  adam_epsilon: number;
  /**
   * Clip the gradients to this global L2 norm before each step, as the Hugging Face Trainer does
   * (its default 1.0, which the original recipe kept); 0 turns clipping off.
   */
  max_grad_norm: number;
  /**
   * A fresh head's initialisation: null = PyTorch nn.Linear's (U(±1/√in), the default); a number =
   * transformers' _init_weights for the head of from_pretrained (weights N(0, initializer_range²),
   * biases 0; its config default is 0.02).
   */
  initializer_range: number | null;
  /** Stop after this many steps in total (-1 = num_train_epochs decides), like the HF `max_steps`. */
  max_steps: number;
}

/** A set of pooled segment embeddings with integer labels (ids of configs/labels.json). */
export interface LabelledVectors {
  /** [n, dim] row-major float32. */
  vectors: Float32Array;
  /** [n] label ids. */
  labels: Int32Array;
  dim: number;
}

/** What the train call starts from: a head spec (fresh seeded init) or an existing head (fine-tune). */
export type HeadStart = { spec: HeadSpec; labels: string[] } | { head: Head };

export type EngineKind = 'webgpu' | 'wasm' | 'cpu' | 'reference';

export interface EngineInfo {
  /** Engines usable here, best first. */
  available: EngineKind[];
  /** What `train` picks with engine 'auto'. */
  preferred: EngineKind;
  /** GPU adapter description when WebGPU is available. */
  adapter?: string;
}

export interface EvalMetricsEvent {
  eval_loss: number;
  eval_accuracy: number;
  eval_precision: number;
  eval_recall: number;
  eval_f1: number;
}

export type TrainEvent =
  | { type: 'start'; engine: EngineKind; totalSteps: number; stepsPerEpoch: number; numTrain: number; numEval: number; startStep: number }
  | { type: 'step'; step: number; epoch: number; loss: number; learning_rate: number }
  | { type: 'log'; step: number; epoch: number; loss: number; learning_rate: number }
  | ({ type: 'eval'; step: number; epoch: number; metrics: ClassificationMetrics; is_best: boolean } & EvalMetricsEvent)
  | { type: 'paused'; step: number }
  | { type: 'resumed'; step: number }
  | { type: 'done'; step: number; cancelled: boolean; best_step: number | null; best_eval_loss: number | null };

export interface TrainResult {
  /** The final head: the best one by eval loss when load_best_model_at_end and an eval set were given. */
  head: Head;
  /** The head after the last step taken. */
  lastHead: Head;
  steps: number;
  cancelled: boolean;
  bestStep: number | null;
  finalEval?: EvalReport;
  bestEval?: EvalReport;
  /** The evaluation of `head` itself: bestEval when it is the best checkpoint, else finalEval. */
  headEval?: EvalReport;
  engine: EngineKind;
}

export interface EvalReport extends EvalMetricsEvent {
  metrics: ClassificationMetrics;
}

export interface TrainOptions {
  engine?: EngineKind | 'auto';
  /** Minimum milliseconds between two `step` events (default 250; 0 = every step). */
  stepEventIntervalMs?: number;
}

export interface TrainerWorkerApi {
  engineInfo(): Promise<EngineInfo>;
  /** `onEvent` is a comlink proxy (Comlink.proxy(fn)) in the page. */
  train(config: HeadTrainingConfig, start: HeadStart, trainSet: LabelledVectors, evalSet: LabelledVectors | undefined, onEvent: (e: TrainEvent) => void, options?: TrainOptions): Promise<TrainResult>;
  /** Pauses between two steps; `train` stays pending until `resume` or `cancel`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Stops after the current step; `train` resolves with `cancelled: true` and the parameters so far. */
  cancel(): Promise<void>;
  /** Metrics and eval loss (class weights from `classWeights`, else unweighted). */
  evaluate(head: Head, set: LabelledVectors, options?: { batchSize?: number; classWeights?: Float32Array; engine?: EngineKind | 'auto' }): Promise<EvalReport>;
  /** Softmax probabilities [n, numLabels] for [n, dim] vectors. */
  predict(head: Head, vectors: Float32Array, options?: { engine?: EngineKind | 'auto' }): Promise<Float32Array>;
}

export const DEFAULT_TRAINING_CONFIG: HeadTrainingConfig = {
  learning_rate: 5e-5,
  weight_decay: 0.01,
  warmup_steps: 500,
  num_train_epochs: 10,
  per_device_train_batch_size: 16,
  per_device_eval_batch_size: 64,
  seed: 42,
  eval_steps: 5000,
  logging_steps: 500,
  save_steps: 5000,
  load_best_model_at_end: true,
  class_weights: true,
  adam_beta1: 0.9,
  adam_beta2: 0.999,
  adam_epsilon: 1e-8,
  max_grad_norm: 1.0,
  initializer_range: null,
  max_steps: -1,
};
