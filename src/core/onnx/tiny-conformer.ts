// A small w2v-BERT-2.0-shaped encoder built in code, for tests, offline demos and the
// encoder benchmark. Same I/O contract as the real export (input_features [B,T,160] float32,
// attention_mask [B,T] int64 → last_hidden_state [B,T,H]) and the same kinds of work per
// layer: feature projection, then Conformer blocks (half-step FFN with Swish, masked softmax
// self-attention, convolution module with GLU and a causal depthwise conv over time, half-step
// FFN, LayerNorm). Weights come from a seeded PRNG, so the files are reproducible.
import { GraphBuilder, toFloat16Bits, type BuiltModel } from './builder.ts';
import { mulberry32 } from '../random/mulberry32.ts';

export interface TinyConformerConfig {
  hidden: number;
  layers: number;
  heads: number;
  /** FFN inner size (w2v-BERT: 4 × hidden). */
  intermediate: number;
  /** Depthwise conv kernel over time (w2v-BERT: 31). */
  kernel: number;
  seed: number;
}

export const TINY_CONFIG: TinyConformerConfig = { hidden: 32, layers: 2, heads: 4, intermediate: 128, kernel: 7, seed: 20240601 };
export const BENCH_LARGE_CONFIG: TinyConformerConfig = { hidden: 256, layers: 8, heads: 4, intermediate: 1024, kernel: 15, seed: 20240602 };

export const FEATURE_DIM = 160;
const LN_EPS = 1e-5;

/** The three weight encodings of the transformers.js layout. */
export type TinyVariant = 'fp32' | 'fp16' | 'q8';

interface Weights {
  next(n: number, scale: number, offset?: number): Float32Array;
}

function weightSource(seed: number): Weights {
  const rnd = mulberry32(seed);
  return {
    next(n, scale, offset = 0) {
      const w = new Float32Array(n);
      for (let i = 0; i < n; i++) w[i] = offset + (rnd() * 2 - 1) * scale;
      return w;
    },
  };
}

/** Per-output-column symmetric int8 quantisation of a [in, out] weight matrix. */
function quantizePerColumn(w: Float32Array, rows: number, cols: number): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(cols);
  for (let c = 0; c < cols; c++) {
    let m = 0;
    for (let r = 0; r < rows; r++) m = Math.max(m, Math.abs(w[r * cols + c]!));
    scale[c] = m > 0 ? m / 127 : 1;
  }
  const q = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) q[r * cols + c] = Math.max(-127, Math.min(127, Math.round(w[r * cols + c]! / scale[c]!)));
  }
  return { q, scale };
}

/**
 * Builds the encoder graph. fp32: float weights (the caller asks for external data, like the
 * real 2.3 GB export). fp16: weights and compute in float16, float32 I/O (keep_io_types, as
 * transformers.js fp16 exports). q8: MatMul weights stored int8 with per-column scales and
 * dequantised in the graph (DequantizeLinear), everything else float32.
 */
export function buildTinyConformer(cfg: TinyConformerConfig, variant: TinyVariant, opts: { externalData?: string } = {}): BuiltModel {
  const { hidden: H, layers, heads, intermediate: F, kernel: K } = cfg;
  if (H % heads !== 0) throw new Error(`hidden ${H} is not divisible by heads ${heads}`);
  const dh = H / heads;
  const g = new GraphBuilder();
  const w = weightSource(cfg.seed);
  // Initializer names are numbered here (GraphBuilder.fresh() reserves the name, so it cannot name an initializer).
  let nInit = 0;
  const name = (hint: string): string => `${hint}.${nInit++}`;
  // Float constant in the compute type.
  const fconst = (values: number[] | Float32Array, dims: number[], hint: string): string => {
    const f = values instanceof Float32Array ? values : Float32Array.from(values);
    return variant === 'fp16' ? g.initializer(name(hint), toFloat16Bits(f), dims, 'float16') : g.initializer(name(hint), f, dims, 'float32');
  };
  const i64 = (values: number[], hint = 'shape'): string => g.initializer(name(hint), BigInt64Array.from(values.map(BigInt)), [values.length], 'int64');

  // x @ W + b for W [inDim, outDim] (scaled so activations stay O(1) through the layers).
  const linear = (x: string, inDim: number, outDim: number, hint: string, bias = true): string => {
    const wf = w.next(inDim * outDim, 1 / Math.sqrt(inDim));
    let wName: string;
    if (variant === 'q8') {
      const { q, scale } = quantizePerColumn(wf, inDim, outDim);
      const qName = g.initializer(name(`${hint}_weight_quantized`), q, [inDim, outDim], 'int8');
      const sName = g.initializer(name(`${hint}_weight_scale`), scale, [outDim], 'float32');
      const zName = g.initializer(name(`${hint}_weight_zero_point`), new Int8Array(outDim), [outDim], 'int8');
      wName = g.op('DequantizeLinear', [qName, sName, zName], { axis: 1 });
    } else {
      wName = fconst(wf, [inDim, outDim], `${hint}_weight`);
    }
    const y = g.op('MatMul', [x, wName]);
    return bias ? g.op('Add', [y, fconst(w.next(outDim, 0.02), [outDim], `${hint}_bias`)]) : y;
  };
  const layerNorm = (x: string, dim: number, hint: string): string =>
    g.op('LayerNormalization', [x, fconst(w.next(dim, 0.1, 1), [dim], `${hint}_gamma`), fconst(w.next(dim, 0.02), [dim], `${hint}_beta`)], { axis: -1, epsilon: { float: LN_EPS } });
  const swish = (x: string): string => g.op('Mul', [x, g.op('Sigmoid', [x])]);
  const scaleBy = (x: string, s: number): string => g.op('Mul', [x, fconst([s], [], 'scale')]);

  g.input('input_features', 'float32', ['batch_size', 'sequence_length', FEATURE_DIM]);
  g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);

  // Masks: frames with attention_mask 0 are padding. Keys at padded frames get a large
  // negative bias before softmax; padded frames are zeroed before the depthwise conv so
  // real frames never see padding (batched = unbatched).
  const maskF = g.op('Cast', ['attention_mask'], { to: variant === 'fp16' ? 10 : 1 });
  const frameMask = g.op('Unsqueeze', [maskF, i64([2], 'axes')]); // [B,T,1]
  const keyBias = g.op('Unsqueeze', [g.op('Mul', [g.op('Sub', [fconst([1], [], 'one'), maskF]), fconst([-1e4], [], 'neg')]), i64([1, 2], 'axes')]); // [B,1,1,T]

  let x = variant === 'fp16' ? g.op('Cast', ['input_features'], { to: 10 }) : 'input_features';
  // Feature projection (w2v-BERT: LayerNorm over the 160 stacked features, then Linear → hidden).
  x = linear(layerNorm(x, FEATURE_DIM, 'feature_projection_ln'), FEATURE_DIM, H, 'feature_projection');

  const ffn = (inp: string, hint: string): string => {
    const h = linear(swish(linear(layerNorm(inp, H, `${hint}_ln`), H, F, `${hint}_in`)), F, H, `${hint}_out`);
    return g.op('Add', [inp, scaleBy(h, 0.5)]);
  };

  for (let l = 0; l < layers; l++) {
    const p = `layer${l}`;
    x = ffn(x, `${p}_ffn1`);

    // Multi-head self-attention with the key padding mask.
    const a = layerNorm(x, H, `${p}_attn_ln`);
    const split = (t: string): string => g.op('Transpose', [g.op('Reshape', [t, i64([0, 0, heads, dh])])], { perm: [0, 2, 1, 3] }); // [B,h,T,dh]
    const q = split(linear(a, H, H, `${p}_q`));
    const kT = g.op('Transpose', [g.op('Reshape', [linear(a, H, H, `${p}_k`), i64([0, 0, heads, dh])])], { perm: [0, 2, 3, 1] }); // [B,h,dh,T]
    const v = split(linear(a, H, H, `${p}_v`));
    const scores = g.op('Add', [scaleBy(g.op('MatMul', [q, kT]), 1 / Math.sqrt(dh)), keyBias]);
    const ctx = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]); // [B,h,T,dh]
    const merged = g.op('Reshape', [g.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }), i64([0, 0, H])]);
    x = g.op('Add', [x, linear(merged, H, H, `${p}_attn_out`)]);

    // Convolution module: pointwise → GLU → mask → causal depthwise conv → LN → Swish → pointwise.
    const c0 = linear(layerNorm(x, H, `${p}_conv_ln`), H, 2 * H, `${p}_conv_pw1`, false);
    const [ga, gb] = g.node('Split', [c0, i64([H, H], 'split')], 2, { axis: -1 }) as [string, string];
    const glu = g.op('Mul', [g.op('Mul', [ga, g.op('Sigmoid', [gb])]), frameMask]);
    const tMajor = g.op('Transpose', [glu], { perm: [0, 2, 1] }); // [B,H,T]
    const padded = g.op('Pad', [tMajor, i64([0, 0, K - 1, 0, 0, 0], 'pads')]);
    const dw = g.op('Conv', [padded, fconst(w.next(H * K, 1 / Math.sqrt(K)), [H, 1, K], `${p}_dwconv_weight`), fconst(w.next(H, 0.02), [H], `${p}_dwconv_bias`)], {
      group: H,
      kernel_shape: [K],
    });
    const c1 = g.op('Transpose', [dw], { perm: [0, 2, 1] });
    x = g.op('Add', [x, linear(swish(layerNorm(c1, H, `${p}_dw_ln`)), H, H, `${p}_conv_pw2`)]);

    x = ffn(x, `${p}_ffn2`);
    x = layerNorm(x, H, `${p}_final_ln`);
  }

  if (variant === 'fp16') g.op('Cast', [x], { to: 1 }, 'last_hidden_state');
  else g.op('Identity', [x], {}, 'last_hidden_state');
  g.output('last_hidden_state', 'float32', ['batch_size', 'sequence_length', H]);
  return g.toModel({ opset: 17, producer: 'saturi tiny-conformer', externalData: opts.externalData ? { location: opts.externalData } : undefined });
}

/** Approximate parameter count (for logs and the bench). */
export function parameterCount(cfg: TinyConformerConfig): number {
  const { hidden: H, layers, intermediate: F, kernel: K } = cfg;
  const ffn = 2 * H + H * F + F + F * H + H;
  const attn = 2 * H + 4 * (H * H + H);
  const conv = 2 * H + H * 2 * H + H * K + H + 2 * H + H * H + H;
  return 2 * FEATURE_DIM + FEATURE_DIM * H + H + layers * (2 * ffn + attn + conv + 2 * H);
}

/** config.json in the transformers.js layout (Wav2Vec2BertModel fields). */
export function tinyModelConfigJson(cfg: TinyConformerConfig): Record<string, unknown> {
  return {
    _name_or_path: 'saturi/tiny-w2v-bert',
    architectures: ['Wav2Vec2BertModel'],
    model_type: 'wav2vec2-bert',
    hidden_size: cfg.hidden,
    num_hidden_layers: cfg.layers,
    num_attention_heads: cfg.heads,
    intermediate_size: cfg.intermediate,
    conv_depthwise_kernel_size: cfg.kernel,
    feature_projection_input_dim: FEATURE_DIM,
    hidden_act: 'swish',
    layer_norm_eps: LN_EPS,
    position_embeddings_type: 'none',
    torch_dtype: 'float32',
    'transformers.js_config': { use_external_data_format: { 'model.onnx': true } },
    saturi_generator: { kind: 'tiny-conformer', seed: cfg.seed, note: 'generated by scripts/make-tiny-model.ts; random weights, for tests only' },
  };
}
