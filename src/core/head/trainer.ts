// The training loop of the Hugging Face Trainer, for the head alone and for
// any engine: seeded shuffling per epoch, linear warm-up/decay, AdamW,
// logging every logging_steps (mean loss since the last log), evaluation every
// eval_steps and after the last step, best parameters by eval loss,
// checkpoints every save_steps and at the end, pause/resume/cancel between
// steps. Resumable from any checkpoint: every random choice is derived from
// (seed, epoch) or (seed, step), so a resumed run takes exactly the steps an
// uninterrupted one would.
import { Rng } from '../random/rng.ts';
import { adamwScalars, type AdamWHyper } from './adamw.ts';
import type { HeadEngine } from './engine.ts';
import { evaluateEngine } from './evaluate.ts';
import { classWeights as computeClassWeights, weightedTargets } from './loss-weights.ts';
import { learningRateAt, stepsPerEpoch } from './schedule.ts';
import { cloneTensors, type AdamState, type Head, type HeadSpec, type HeadTensors } from './types.ts';
import type { EvalReport, HeadTrainingConfig, LabelledVectors, TrainEvent, TrainResult } from './worker-api.ts';

/** Pause / resume / cancel between steps. */
export class TrainControl {
  private paused = false;
  private cancelled = false;
  private wake: (() => void) | null = null;

  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.wake?.();
  }
  cancel(): void {
    this.cancelled = true;
    this.wake?.();
  }
  get isPaused(): boolean {
    return this.paused;
  }
  get isCancelled(): boolean {
    return this.cancelled;
  }
  /** Resolves when not paused (or cancelled). */
  async waitWhilePaused(): Promise<void> {
    while (this.paused && !this.cancelled) await new Promise<void>((r) => (this.wake = r));
    this.wake = null;
  }
}

/**
 * The loss became NaN or infinite (a learning rate too high for the data, say): every parameter
 * is lost from that step on, so the run stops there instead of training on to a head of NaNs.
 */
export class TrainingDivergedError extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
    readonly learningRate: number,
  ) {
    super(`training diverged: the loss is ${loss} at step ${step} (learning rate ${learningRate.toExponential(3)}); lower learning_rate or set max_grad_norm and train again`);
    this.name = 'TrainingDivergedError';
  }
}

/** Progress of a run, saved with each checkpoint (trainer_state.json). */
export interface TrainerState {
  global_step: number;
  max_steps: number;
  steps_per_epoch: number;
  best_step: number | null;
  best_eval_loss: number | null;
  /** Loss sum and count since the last log event (so a resumed run logs the same means). */
  log_loss_sum: number;
  log_loss_count: number;
}

export interface CheckpointData {
  step: number;
  params: HeadTensors;
  opt: AdamState;
  state: TrainerState;
}

export interface TrainerInput {
  config: HeadTrainingConfig;
  spec: HeadSpec;
  labels: string[];
  train: LabelledVectors;
  eval?: LabelledVectors;
  engine: HeadEngine;
  /** Starting parameters and optimizer state (fresh init, an imported head, or a checkpoint). */
  params: HeadTensors;
  opt: AdamState;
  /** Continue a run from a checkpoint's state (and its best parameters). */
  resume?: { state: TrainerState; bestParams?: HeadTensors };
  onEvent?: (e: TrainEvent) => void | Promise<void>;
  /** Called every save_steps and after the last step. */
  onCheckpoint?: (cp: CheckpointData) => void | Promise<void>;
  /** Called when an evaluation sets a new best eval loss. */
  onBest?: (step: number, params: HeadTensors, report: EvalReport) => void | Promise<void>;
  control?: TrainControl;
  /** Stop (as if interrupted, without final evaluation or checkpoint) after this global step. */
  stopAfterStep?: number;
  /** Minimum milliseconds between two `step` events (default 250; 0 = every step). */
  stepEventIntervalMs?: number;
  /** On cancel, write a checkpoint of the current step (a CLI run stopped with Ctrl-C resumes exactly there). */
  checkpointOnCancel?: boolean;
}

export function totalTrainingSteps(config: HeadTrainingConfig, numTrain: number): { total: number; perEpoch: number } {
  const perEpoch = stepsPerEpoch(numTrain, config.per_device_train_batch_size);
  const total = config.max_steps > 0 ? config.max_steps : Math.ceil(perEpoch * config.num_train_epochs);
  return { total, perEpoch };
}

/** Dropout mask of step `step` ([batch, H], 0 or 1/(1−p)), from the seeded PRNG so every engine sees the same mask. */
export function dropoutMask(seed: number, step: number, batch: number, hidden: number, p: number, out?: Float32Array): Float32Array {
  const mask = out ?? new Float32Array(batch * hidden);
  const rng = new Rng(seed, 'dropout', step);
  const keep = Math.fround(1 / (1 - p));
  for (let i = 0; i < batch * hidden; i++) mask[i] = rng.nextFloat() < p ? 0 : keep;
  return mask;
}

/** The sample order of epoch `epoch`. */
export function epochPermutation(seed: number, epoch: number, n: number): Uint32Array {
  return new Rng(seed, 'shuffle', epoch).permutation(n);
}

function checkSet(set: LabelledVectors, spec: HeadSpec, what: string): void {
  if (set.dim !== spec.inputDim) throw new Error(`${what} embeddings have dimension ${set.dim} but the head expects ${spec.inputDim}`);
  if (set.vectors.length !== set.labels.length * set.dim) throw new Error(`${what}: ${set.labels.length} labels for ${set.vectors.length / set.dim} vectors`);
  for (let i = 0; i < set.labels.length; i++) {
    if (!(set.labels[i] >= 0 && set.labels[i] < spec.numLabels)) throw new Error(`${what}: label id ${set.labels[i]} at row ${i} is out of range`);
  }
}

export async function runTraining(input: TrainerInput): Promise<TrainResult> {
  const { config, spec, engine, train } = input;
  checkSet(train, spec, 'training');
  if (input.eval) checkSet(input.eval, spec, 'evaluation');
  if (train.labels.length === 0) throw new Error('the training set is empty');
  const hyper: AdamWHyper = { beta1: config.adam_beta1, beta2: config.adam_beta2, eps: config.adam_epsilon, weightDecay: config.weight_decay };
  const n = train.labels.length;
  const B = config.per_device_train_batch_size;
  const D = spec.inputDim;
  const H = spec.hiddenSize;
  const L = spec.numLabels;
  const { total, perEpoch } = totalTrainingSteps(config, n);
  const weights = computeClassWeights(train.labels, L, config.class_weights);
  const state: TrainerState = input.resume
    ? { ...input.resume.state }
    : { global_step: 0, max_steps: total, steps_per_epoch: perEpoch, best_step: null, best_eval_loss: null, log_loss_sum: 0, log_loss_count: 0 };
  if (state.max_steps !== total || state.steps_per_epoch !== perEpoch) {
    throw new Error(`cannot resume: the checkpoint was made for ${state.max_steps} steps of ${state.steps_per_epoch} per epoch, this config gives ${total} of ${perEpoch}`);
  }
  let bestParams = input.resume?.bestParams ? cloneTensors(input.resume.bestParams) : null;
  let bestEval: EvalReport | undefined;
  let finalEval: EvalReport | undefined;
  const emit = async (e: TrainEvent): Promise<void> => {
    await input.onEvent?.(e);
  };
  await engine.load(input.params, input.opt);
  await emit({ type: 'start', engine: engine.kind, totalSteps: total, stepsPerEpoch: perEpoch, numTrain: n, numEval: input.eval?.labels.length ?? 0, startStep: state.global_step });

  const xbuf = new Float32Array(B * D);
  const ywbuf = new Float32Array(B * L);
  const maskbuf = spec.dropout > 0 ? new Float32Array(B * H) : undefined;
  const evalBatch = config.per_device_eval_batch_size;
  const epochOf = (step: number): number => step / perEpoch;

  const evaluate = async (step: number): Promise<void> => {
    if (!input.eval || input.eval.labels.length === 0) return;
    const report = await evaluateEngine(engine, input.eval, input.labels, evalBatch, weights);
    finalEval = report;
    const isBest = state.best_eval_loss === null || report.eval_loss < state.best_eval_loss;
    if (isBest) {
      state.best_eval_loss = report.eval_loss;
      state.best_step = step;
      bestEval = report;
      if (config.load_best_model_at_end || input.onBest) {
        const { params } = await engine.read();
        bestParams = params;
        await input.onBest?.(step, params, report);
      }
    }
    const { metrics, ...scalars } = report;
    await emit({ type: 'eval', step, epoch: epochOf(step), ...scalars, metrics, is_best: isBest });
  };
  const checkpoint = async (step: number): Promise<void> => {
    if (!input.onCheckpoint) return;
    const { params, opt } = await engine.read();
    await input.onCheckpoint({ step, params, opt, state: { ...state } });
  };

  let cancelled = false;
  let interrupted = false;
  let lastStepEvent = 0;
  const interval = input.stepEventIntervalMs ?? 250;
  let perm: Uint32Array | null = null;
  let permEpoch = -1;
  while (state.global_step < total) {
    if (input.control) {
      if (input.control.isPaused) {
        await emit({ type: 'paused', step: state.global_step });
        await input.control.waitWhilePaused();
        if (!input.control.isCancelled) await emit({ type: 'resumed', step: state.global_step });
      }
      if (input.control.isCancelled) {
        cancelled = true;
        break;
      }
    }
    const step = state.global_step;
    const epoch = Math.floor(step / perEpoch);
    if (epoch !== permEpoch) {
      perm = epochPermutation(config.seed, epoch, n);
      permEpoch = epoch;
    }
    const start = (step % perEpoch) * B;
    const idx = perm!.subarray(start, Math.min(n, start + B));
    const b = idx.length;
    for (let i = 0; i < b; i++) xbuf.set(train.vectors.subarray(idx[i] * D, idx[i] * D + D), i * D);
    weightedTargets(train.labels, idx, weights, ywbuf);
    if (maskbuf) dropoutMask(config.seed, step, b, H, spec.dropout, maskbuf);
    const lr = learningRateAt(config.learning_rate, step, config.warmup_steps, total);
    const loss = await engine.step({ x: xbuf, yw: ywbuf, mask: maskbuf, batch: b, scalars: adamwScalars(hyper, lr, step + 1), maxGradNorm: config.max_grad_norm });
    if (!Number.isFinite(loss)) throw new TrainingDivergedError(step + 1, loss, lr);
    state.global_step = step + 1;
    const done = state.global_step;
    state.log_loss_sum += loss;
    state.log_loss_count += 1;
    const now = Date.now();
    if (interval === 0 || now - lastStepEvent >= interval || done === total) {
      lastStepEvent = now;
      await emit({ type: 'step', step: done, epoch: epochOf(done), loss, learning_rate: lr });
    }
    if (config.logging_steps > 0 && (done % config.logging_steps === 0 || done === total) && state.log_loss_count > 0) {
      // As the Hugging Face Trainer logs it (the scheduler's rate after this step, for the next),
      // so log.jsonl lines up with the original runs' curves; step events give the rate used.
      const logged = learningRateAt(config.learning_rate, done, config.warmup_steps, total);
      await emit({ type: 'log', step: done, epoch: epochOf(done), loss: state.log_loss_sum / state.log_loss_count, learning_rate: logged });
      state.log_loss_sum = 0;
      state.log_loss_count = 0;
    }
    if ((config.eval_steps > 0 && done % config.eval_steps === 0) || done === total) await evaluate(done);
    if ((config.save_steps > 0 && done % config.save_steps === 0) || done === total) await checkpoint(done);
    if (input.stopAfterStep !== undefined && done >= input.stopAfterStep && done < total) {
      interrupted = true;
      break;
    }
  }

  if (cancelled && input.checkpointOnCancel && state.global_step > 0) await checkpoint(state.global_step);
  const last = await engine.read();
  const lastHead: Head = { spec, params: last.params, labels: input.labels };
  const useBest = config.load_best_model_at_end && bestParams !== null && !cancelled && !interrupted;
  const head: Head = useBest ? { spec, params: bestParams!, labels: input.labels } : lastHead;
  await emit({ type: 'done', step: state.global_step, cancelled: cancelled || interrupted, best_step: state.best_step, best_eval_loss: state.best_eval_loss });
  return {
    head,
    lastHead,
    steps: state.global_step,
    cancelled: cancelled || interrupted,
    bestStep: state.best_step,
    finalEval,
    bestEval,
    // A cancelled run's head is the last step's, which its last evaluation may not be.
    ...(useBest ? { headEval: bestEval } : finalEval && !(cancelled || interrupted) ? { headEval: finalEval } : {}),
    engine: engine.kind,
  };
}
