// Head shapes and parameter containers shared by the reference math, the
// ONNX engine, the trainer loop, import/export and the worker API.

export type Activation = 'none' | 'relu' | 'gelu' | 'tanh';

/**
 * `hf`: the Hugging Face Wav2Vec2BertForSequenceClassification head, projector
 * (dim → P) then classifier (P → labels), no activation in between.
 * `mlp`: the same two Linear layers with an activation and dropout between them.
 * Both store their tensors under the Hugging Face names (projector.*, classifier.*).
 */
export type HeadType = 'hf' | 'mlp';

export interface HeadSpec {
  type: HeadType;
  /** Embedding size (1024 for w2v-BERT 2.0). */
  inputDim: number;
  /** P = classifier_proj_size for `hf`, the hidden size for `mlp`. */
  hiddenSize: number;
  numLabels: number;
  /** Always 'none' for `hf`. */
  activation: Activation;
  /** Dropout probability after the activation (training only); 0 for `hf`. */
  dropout: number;
}

/** The four trainable tensors, PyTorch nn.Linear layout (weight [out, in]). */
export interface HeadTensors<T extends Float32Array | Float64Array = Float32Array> {
  /** projector.weight [hidden, inputDim] */
  w1: T;
  /** projector.bias [hidden] */
  b1: T;
  /** classifier.weight [numLabels, hidden] */
  w2: T;
  /** classifier.bias [numLabels] */
  b2: T;
}

export const PARAM_NAMES = ['w1', 'b1', 'w2', 'b2'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];

/** Hugging Face state-dict names of the head tensors. */
export const HF_NAMES: Record<ParamName, string> = {
  w1: 'projector.weight',
  b1: 'projector.bias',
  w2: 'classifier.weight',
  b2: 'classifier.bias',
};

/** AdamW weight decay applies to weights only, never to biases (Hugging Face Trainer default). */
export const DECAYED: Record<ParamName, boolean> = { w1: true, b1: false, w2: true, b2: false };

export function paramShape(spec: HeadSpec, name: ParamName): number[] {
  switch (name) {
    case 'w1':
      return [spec.hiddenSize, spec.inputDim];
    case 'b1':
      return [spec.hiddenSize];
    case 'w2':
      return [spec.numLabels, spec.hiddenSize];
    case 'b2':
      return [spec.numLabels];
  }
}

export function paramCount(spec: HeadSpec): number {
  return PARAM_NAMES.reduce((n, p) => n + paramShape(spec, p).reduce((a, b) => a * b, 1), 0);
}

/** A head ready to use: spec, tensors, label names in id order, optional layer_weights kept from an import. */
export interface Head {
  spec: HeadSpec;
  params: HeadTensors;
  labels: string[];
  /** `layer_weights [25]` of an imported model that used a weighted layer sum (kept for export, not trained). */
  layerWeights?: Float32Array;
}

/** AdamW moments and step count, one moment pair per parameter tensor. */
export interface AdamState {
  /** Optimizer steps taken so far (PyTorch's `state['step']`). */
  step: number;
  m: HeadTensors;
  v: HeadTensors;
}

export function zerosLike(p: HeadTensors): HeadTensors {
  return { w1: new Float32Array(p.w1.length), b1: new Float32Array(p.b1.length), w2: new Float32Array(p.w2.length), b2: new Float32Array(p.b2.length) };
}

export function cloneTensors(p: HeadTensors): HeadTensors {
  return { w1: p.w1.slice(), b1: p.b1.slice(), w2: p.w2.slice(), b2: p.b2.slice() };
}

export function freshAdamState(p: HeadTensors): AdamState {
  return { step: 0, m: zerosLike(p), v: zerosLike(p) };
}

export function validateSpec(spec: HeadSpec): void {
  for (const k of ['inputDim', 'hiddenSize', 'numLabels'] as const) {
    if (!Number.isInteger(spec[k]) || spec[k] < 1) throw new Error(`head spec: ${k} must be a positive integer, got ${spec[k]}`);
  }
  if (spec.type === 'hf' && (spec.activation !== 'none' || spec.dropout !== 0)) {
    throw new Error('head spec: the hf head has no activation and no dropout (use type "mlp")');
  }
  if (!(spec.dropout >= 0 && spec.dropout < 1)) throw new Error(`head spec: dropout must be in [0, 1), got ${spec.dropout}`);
}
