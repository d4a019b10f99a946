// What the trainer loop needs from an engine: hold parameters and AdamW state,
// take one training step, compute logits with the current parameters, and
// hand the state back (for checkpoints and export).
import type { AdamWStepScalars } from './adamw.ts';
import type { AdamState, HeadSpec, HeadTensors } from './types.ts';
import type { EngineKind } from './worker-api.ts';

export interface StepInput {
  /** [batch, D] */
  x: Float32Array;
  /** [batch, L] weighted one-hot targets (loss-weights.ts) */
  yw: Float32Array;
  /** [batch, H] dropout mask scaled by 1/(1−p), only when the head has dropout */
  mask?: Float32Array;
  batch: number;
  scalars: AdamWStepScalars;
  /** Clip the gradients to this global L2 norm before the step (adamw.ts clipCoefficient); 0 or absent: off. */
  maxGradNorm?: number;
}

export interface HeadEngine {
  readonly kind: EngineKind;
  readonly spec: HeadSpec;
  /** Loads parameters and optimizer state (copied; the caller keeps its arrays). */
  load(params: HeadTensors, opt: AdamState): Promise<void>;
  /** One forward + backward + AdamW step; returns the batch loss. */
  step(input: StepInput): Promise<number>;
  /** Logits [batch, L] with the current parameters, no dropout. */
  logits(x: Float32Array, batch: number): Promise<Float32Array>;
  /** Current parameters and optimizer state as host arrays. */
  read(): Promise<{ params: HeadTensors; opt: AdamState }>;
  dispose(): Promise<void>;
}
