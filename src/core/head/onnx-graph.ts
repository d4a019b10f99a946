// The head's training step and inference as ONNX graphs.
//
// Why ONNX + onnxruntime rather than hand-written WGSL kernels or JS loops:
// one graph definition runs on every engine we need (onnxruntime-node's MLAS
// on the CPU in Node, onnxruntime-web's WASM on the CPU in the browser, its
// WebGPU EP on the GPU), so "two engines, one result" is one piece of math,
// not three implementations to keep in step. MLAS GEMMs are what make the Node
// CPU target reachable (the 1024→768 projector is ~200 MFLOP per batch of 64);
// plain JS loops run an order of magnitude slower (see bench/head.bench.ts).
// On WebGPU the step's outputs (parameters, AdamW moments) stay in GPU buffers
// and are fed back as the next step's inputs, so only the batch goes up and the
// loss comes down.
//
// The backward pass is written out by hand (the head is two Linear layers, an
// activation, dropout and a weighted cross entropy: see reference.ts for the
// same formulas in TypeScript and the gradient check against finite differences).
import { GraphBuilder } from '../onnx/builder.ts';
import type { AdamWHyper } from './adamw.ts';
import type { HeadSpec, ParamName } from './types.ts';
import { DECAYED, PARAM_NAMES, paramShape } from './types.ts';

export const TRAIN_INPUTS = { x: 'x', yw: 'yw', mask: 'dropout_mask', decay: 'decay_factor', stepSize: 'step_size', bc2Sqrt: 'bc2_sqrt', maxGradNorm: 'max_grad_norm' } as const;
export const LOSS_OUTPUT = 'loss';
/** 'host' graphs: Σ g² over all gradients (a scalar), for gradient clipping. */
export const GRAD_SUM_SQ_OUTPUT = 'grad_sum_sq';

export const paramInput = (p: ParamName): string => p;
export const momentInput = (kind: 'm' | 'v', p: ParamName): string => `${kind}_${p}`;
export const newParamOutput = (p: ParamName): string => `new_${p}`;
export const newMomentOutput = (kind: 'm' | 'v', p: ParamName): string => `new_${kind}_${p}`;
export const gradOutput = (p: ParamName): string => `grad_${p}`;

export interface TrainGraphOptions {
  /**
   * 'graph': the AdamW update is part of the graph (outputs new parameters and
   * moments; used on WebGPU so state never leaves the GPU).
   * 'host': the graph outputs gradients and the caller applies AdamW (adamw.ts);
   * on the CPU this is one fused pass in JS instead of ~14 elementwise ORT ops
   * per tensor, each a full sweep over 3 MB of parameters.
   */
  adam: 'graph' | 'host';
  hyper: AdamWHyper;
  /**
   * For the linear hf head (no activation, no dropout), compute the step
   * through the rank-≤L factorisation (exact algebra, ~6× fewer FLOPs at
   * 1024→768→6, batch 64). Default true; false runs the textbook graph.
   */
  lowRank?: boolean;
}

const f32 = (v: number): Float32Array => new Float32Array([v]);

let constCounter = 0;
/** A named constant initializer (GraphBuilder.constant double-claims its generated name, so names are made here). */
function konst(g: GraphBuilder, data: Float32Array | BigInt64Array, dims: number[], type: 'float32' | 'int64', hint: string): string {
  return g.initializer(`${hint}__k${constCounter++}`, data, dims, type);
}

function activationForward(g: GraphBuilder, spec: HeadSpec, z1: string): { a: string; erfTerm?: string } {
  switch (spec.activation) {
    case 'none':
      return { a: z1 };
    case 'relu':
      return { a: g.op('Relu', [z1]) };
    case 'tanh':
      return { a: g.op('Tanh', [z1]) };
    case 'gelu': {
      // Exact GELU (PyTorch's default): 0.5·z·(1 + erf(z/√2)); built from Erf so opset 17 suffices.
      const erf = g.op('Erf', [g.op('Mul', [z1, konst(g, f32(Math.SQRT1_2), [], 'float32', 'inv_sqrt2')])]);
      const half = g.op('Mul', [g.op('Add', [erf, konst(g, f32(1), [], 'float32', 'one')]), konst(g, f32(0.5), [], 'float32', 'half')]);
      return { a: g.op('Mul', [z1, half]), erfTerm: half };
    }
  }
}

function activationBackward(g: GraphBuilder, spec: HeadSpec, z1: string, a: string, erfTerm: string | undefined, da: string): string {
  switch (spec.activation) {
    case 'none':
      return da;
    case 'relu': {
      const pos = g.op('Cast', [g.op('Greater', [z1, konst(g, f32(0), [], 'float32', 'zero')])], { to: 1 });
      return g.op('Mul', [da, pos]);
    }
    case 'tanh':
      return g.op('Mul', [da, g.op('Sub', [konst(g, f32(1), [], 'float32', 'one'), g.op('Mul', [a, a])])]);
    case 'gelu': {
      // d/dz = 0.5(1 + erf(z/√2)) + z·φ(z), φ the standard normal density.
      const z2 = g.op('Mul', [z1, z1]);
      const pdf = g.op('Mul', [g.op('Exp', [g.op('Mul', [z2, konst(g, f32(-0.5), [], 'float32', 'minus_half')])]), konst(g, f32(1 / Math.sqrt(2 * Math.PI)), [], 'float32', 'inv_sqrt_2pi')]);
      const deriv = g.op('Add', [erfTerm!, g.op('Mul', [z1, pdf])]);
      return g.op('Mul', [da, deriv]);
    }
  }
}

/** Forward part shared by both graphs; returns the names of z1, a, d and logits. */
function forward(g: GraphBuilder, spec: HeadSpec, x: string, mask: string | undefined) {
  const z1 = g.op('Gemm', [x, paramInput('w1'), paramInput('b1')], { transB: 1 });
  const { a, erfTerm } = activationForward(g, spec, z1);
  const d = mask ? g.op('Mul', [a, mask]) : a;
  const logits = g.op('Gemm', [d, paramInput('w2'), paramInput('b2')], { transB: 1 });
  return { z1, a, erfTerm, d, logits };
}

function declareParams(g: GraphBuilder, spec: HeadSpec): void {
  for (const p of PARAM_NAMES) g.input(paramInput(p), 'float32', paramShape(spec, p));
}

/** Training step: loss (+ gradients, or + updated parameters and moments). */
export function buildTrainGraph(spec: HeadSpec, opts: TrainGraphOptions): Uint8Array {
  const g = new GraphBuilder();
  const D = spec.inputDim;
  const H = spec.hiddenSize;
  const L = spec.numLabels;
  const x = g.input(TRAIN_INPUTS.x, 'float32', ['batch', D]);
  const yw = g.input(TRAIN_INPUTS.yw, 'float32', ['batch', L]);
  const mask = spec.dropout > 0 ? g.input(TRAIN_INPUTS.mask, 'float32', ['batch', H]) : undefined;
  declareParams(g, spec);
  const lowRank = opts.lowRank !== false && spec.activation === 'none' && !mask;
  const axis0 = konst(g, new BigInt64Array([0n]), [1], 'int64', 'axis0');
  const axis1 = konst(g, new BigInt64Array([1n]), [1], 'int64', 'axis1');
  let logits: string;
  let fwd: ReturnType<typeof forward> | undefined;
  if (lowRank) {
    // The hf head is linear: logits = x·(W2·W1)ᵀ + (W2·b1 + b2). Folding the
    // two weights first costs L·H·D multiply-adds instead of B·H·D.
    const wEff = g.op('MatMul', [paramInput('w2'), paramInput('w1')]);
    const bEff = g.op('Add', [g.op('MatMul', [paramInput('w2'), paramInput('b1')]), paramInput('b2')]);
    logits = g.op('Gemm', [x, wEff, bEff], { transB: 1 });
  } else {
    fwd = forward(g, spec, x, mask);
    logits = fwd.logits;
  }

  // loss = −Σ yw ⊙ log_softmax(logits) / Σ yw   (PyTorch weighted-mean cross entropy)
  const ls = g.op('LogSoftmax', [logits], { axis: 1 });
  const sw = g.op('ReduceSum', [yw], { keepdims: 1 });
  const num = g.op('ReduceSum', [g.op('Mul', [yw, ls])], { keepdims: 1 });
  g.op('Neg', [g.op('Div', [num, sw])], {}, LOSS_OUTPUT);
  g.output(LOSS_OUTPUT, 'float32', [1, 1]);

  // dloss/dlogits = (softmax · Σ_c yw − yw) / Σ yw
  const rw = g.op('ReduceSum', [yw, axis1], { keepdims: 1 });
  const glog = g.op('Div', [g.op('Sub', [g.op('Mul', [g.op('Exp', [ls]), rw]), yw]), sw]);
  const grads = {} as Record<ParamName, string>;
  let lowRankA: string | undefined;
  grads.b2 = g.op('ReduceSum', [glog, axis0], { keepdims: 0 });
  if (lowRank) {
    // Every gradient of the linear head factors through A = glogᵀ·x [L, D]
    // (rank ≤ L = 6), so no B·H·D product is needed:
    //   dW1 = W2ᵀ·A,  db1 = W2ᵀ·db2,  dW2 = A·W1ᵀ + db2 ⊗ b1.
    const A = g.op('Gemm', [glog, x], { transA: 1 });
    lowRankA = A;
    grads.w1 = g.op('Gemm', [paramInput('w2'), A], { transA: 1 });
    grads.b1 = g.op('MatMul', [grads.b2, paramInput('w2')]);
    const outer = g.op('Mul', [g.op('Unsqueeze', [grads.b2, axis1]), g.op('Unsqueeze', [paramInput('b1'), axis0])]);
    grads.w2 = g.op('Add', [g.op('Gemm', [A, paramInput('w1')], { transB: 1 }), outer]);
  } else {
    const { z1, a, erfTerm, d } = fwd!;
    grads.w2 = g.op('Gemm', [glog, d], { transA: 1 });
    const dd = g.op('MatMul', [glog, paramInput('w2')]);
    const da = mask ? g.op('Mul', [dd, mask]) : dd;
    const dz = activationBackward(g, spec, z1, a, erfTerm, da);
    grads.w1 = g.op('Gemm', [dz, x], { transA: 1 });
    grads.b1 = g.op('ReduceSum', [dz, axis0], { keepdims: 0 });
  }

  // Σ g² over all gradients, for clipping (adamw.ts clipCoefficient), in the graph: a second sweep
  // over the 787 k gradients on the host (JS or WASM) took ~1 ms, a quarter of a step.
  const squares = (p: ParamName) => g.op('ReduceSumSquare', [grads[p]], { keepdims: 0 });
  const parts = PARAM_NAMES.map((p) => {
    if (p !== 'w1' || !lowRank) return squares(p);
    // ‖W2ᵀA‖² = Σ (W2·W2ᵀ) ∘ (A·Aᵀ): two L×L Gram matrices instead of reading the P×D gradient.
    // W2 is centred over classes first: A's rows sum to zero (softmax gradients do), so this is
    // exact, and a component shared by every classifier row no longer cancels in float32 (it
    // made the sum negative, the clip coefficient NaN and every parameter NaN). Never below 0.
    const w2 = paramInput('w2');
    const w2c = g.op('Sub', [w2, g.op('ReduceMean', [w2], { axes: [0], keepdims: 1 })]);
    const gram2 = g.op('Gemm', [w2c, w2c], { transB: 1 });
    const gramA = g.op('Gemm', [lowRankA!, lowRankA!], { transB: 1 });
    return g.op('Max', [g.op('ReduceSum', [g.op('Mul', [gram2, gramA])], { keepdims: 0 }), konst(g, f32(0), [], 'float32', 'zero_sum_sq')]);
  });
  const sumSq = parts.reduce((a, b) => g.op('Add', [a, b]));
  if (opts.adam === 'host') {
    for (const p of PARAM_NAMES) {
      g.op('Identity', [grads[p]], {}, gradOutput(p));
      g.output(gradOutput(p), 'float32', paramShape(spec, p));
    }
    g.op('Identity', [sumSq], {}, GRAD_SUM_SQ_OUTPUT);
    g.output(GRAD_SUM_SQ_OUTPUT, 'float32', []);
    return g.toModel({ opset: 17 }).model;
  }

  const decay = g.input(TRAIN_INPUTS.decay, 'float32', [1]);
  const stepSize = g.input(TRAIN_INPUTS.stepSize, 'float32', [1]);
  const bc2Sqrt = g.input(TRAIN_INPUTS.bc2Sqrt, 'float32', [1]);
  // Clipping: grads × min(1, max_norm / (‖g‖ + 1e-6)), ‖g‖ over all of them.
  const maxNorm = g.input(TRAIN_INPUTS.maxGradNorm, 'float32', [1]);
  const norm = g.op('Add', [g.op('Sqrt', [sumSq]), konst(g, f32(1e-6), [], 'float32', 'clip_eps')]);
  const clip = g.op('Min', [g.op('Div', [maxNorm, norm]), konst(g, f32(1), [1], 'float32', 'one')]);
  const { beta1, beta2, eps } = opts.hyper;
  const c1 = konst(g, f32(1 - beta1), [], 'float32', 'one_minus_beta1');
  const cb2 = konst(g, f32(beta2), [], 'float32', 'beta2');
  const c2 = konst(g, f32(1 - beta2), [], 'float32', 'one_minus_beta2');
  const ceps = konst(g, f32(eps), [], 'float32', 'eps');
  for (const p of PARAM_NAMES) {
    const shape = paramShape(spec, p);
    const m = g.input(momentInput('m', p), 'float32', shape);
    const v = g.input(momentInput('v', p), 'float32', shape);
    const grad = g.op('Mul', [grads[p], clip]);
    // Same operation order as adamw.ts / torch.optim.AdamW.
    const m1 = g.op('Add', [m, g.op('Mul', [g.op('Sub', [grad, m]), c1])], {}, newMomentOutput('m', p));
    const v1 = g.op('Add', [g.op('Mul', [v, cb2]), g.op('Mul', [g.op('Mul', [grad, grad]), c2])], {}, newMomentOutput('v', p));
    const denom = g.op('Add', [g.op('Div', [g.op('Sqrt', [v1]), bc2Sqrt]), ceps]);
    const p0 = DECAYED[p] ? g.op('Mul', [paramInput(p), decay]) : paramInput(p);
    g.op('Sub', [p0, g.op('Mul', [stepSize, g.op('Div', [m1, denom])])], {}, newParamOutput(p));
    g.output(newParamOutput(p), 'float32', shape);
    g.output(newMomentOutput('m', p), 'float32', shape);
    g.output(newMomentOutput('v', p), 'float32', shape);
  }
  return g.toModel({ opset: 17 }).model;
}

export const LOGITS_OUTPUT = 'logits';

/** Inference: logits [batch, L] from x [batch, D] and the parameters (no dropout). */
export function buildLogitsGraph(spec: HeadSpec): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input(TRAIN_INPUTS.x, 'float32', ['batch', spec.inputDim]);
  declareParams(g, spec);
  const { logits } = forward(g, spec, x, undefined);
  g.op('Identity', [logits], {}, LOGITS_OUTPUT);
  g.output(LOGITS_OUTPUT, 'float32', ['batch', spec.numLabels]);
  return g.toModel({ opset: 17 }).model;
}
