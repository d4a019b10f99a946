// AdamW with PyTorch semantics (torch.optim.AdamW, single-tensor path):
//   θ ← θ·(1 − lr·wd)                      (decoupled decay, weights only)
//   m ← m + (1 − β1)(g − m)                 (exp_avg.lerp_)
//   v ← β2·v + (1 − β2)·g²
//   θ ← θ − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)   (ε added after the sqrt)
// The per-step scalars are computed once on the host in float64 and handed to
// every engine, so the ONNX graph and this loop do identical float32 math.
import type { AdamState, HeadTensors, ParamName } from './types.ts';
import { DECAYED, PARAM_NAMES } from './types.ts';

export interface AdamWHyper {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const ADAMW_DEFAULTS: AdamWHyper = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

export interface AdamWStepScalars {
  /** Learning rate of this step (after the schedule). */
  lr: number;
  /** 1 − lr·wd, applied to decayed tensors. */
  decayFactor: number;
  /** lr / (1 − β1ᵗ) */
  stepSize: number;
  /** √(1 − β2ᵗ) */
  bc2Sqrt: number;
}

/** Scalars of optimizer step number `t` (1-based, PyTorch's state['step'] after incrementing). */
export function adamwScalars(h: AdamWHyper, lr: number, t: number): AdamWStepScalars {
  return {
    lr,
    decayFactor: 1 - lr * h.weightDecay,
    stepSize: lr / (1 - Math.pow(h.beta1, t)),
    bc2Sqrt: Math.sqrt(1 - Math.pow(h.beta2, t)),
  };
}

/** Σ g² over gradient tensors, in float64 (the clipping norm's square). */
export function gradSumOfSquares(grads: readonly ArrayLike<number>[]): number {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return s;
}

/**
 * Gradient clipping as the Hugging Face Trainer does it (`max_grad_norm`, default 1.0, through
 * torch.nn.utils.clip_grad_norm_): every gradient is multiplied by min(1, max_norm / (‖g‖ + 1e-6)),
 * ‖g‖ the L2 norm of all gradients together. 0 (or undefined) turns it off: 1.
 */
export function clipCoefficient(sumOfSquares: number, maxNorm: number | undefined): number {
  if (!maxNorm) return 1;
  return Math.min(1, maxNorm / (Math.sqrt(sumOfSquares) + 1e-6));
}

/**
 * One AdamW update of one tensor, in place, with the gradient `grad·gradScale` (the clipping
 * coefficient). Works for float32 (engine) and float64 (reference) arrays.
 */
export function adamwUpdateTensor(
  param: Float32Array | Float64Array,
  grad: ArrayLike<number>,
  m: Float32Array | Float64Array,
  v: Float32Array | Float64Array,
  h: AdamWHyper,
  s: AdamWStepScalars,
  decay: boolean,
  gradScale = 1,
): void {
  const b1c = 1 - h.beta1;
  const b2 = h.beta2;
  const b2c = 1 - h.beta2;
  const eps = h.eps;
  const df = decay ? s.decayFactor : 1;
  const ss = s.stepSize;
  const bc = s.bc2Sqrt;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] * gradScale;
    const mi = m[i] + b1c * (g - m[i]);
    const vi = b2 * v[i] + b2c * g * g;
    m[i] = mi;
    v[i] = vi;
    // p·(1 − lr·wd) − step_size · m / (√v/√bc2 + ε), in the order of PyTorch's addcdiv_.
    param[i] = param[i] * df - ss * (m[i] / (Math.sqrt(v[i]) / bc + eps));
  }
}

/** One AdamW step over all head tensors (in place); increments `state.step`. */
export function adamwStep(params: HeadTensors<Float32Array | Float64Array>, grads: HeadTensors<Float32Array | Float64Array>, state: { step: number; m: HeadTensors<Float32Array | Float64Array>; v: HeadTensors<Float32Array | Float64Array> }, h: AdamWHyper, lr: number): void {
  state.step += 1;
  const s = adamwScalars(h, lr, state.step);
  for (const name of PARAM_NAMES as readonly ParamName[]) {
    adamwUpdateTensor(params[name], grads[name], state.m[name], state.v[name], h, s, DECAYED[name]);
  }
}

export type { AdamState };
