// Import and export of heads in the Hugging Face layout of
// Wav2Vec2BertForSequenceClassification: model.safetensors with projector.*,
// classifier.* (and layer_weights when use_weighted_layer_sum), config.json
// with id2label / label2id / classifier_proj_size, plus our saturi_head.json
// (head type and sizes, the embeddings' encoder, training config, metrics).
// Import reads only the header and the head tensors from any ByteSource, so a
// 2.33 GB hub checkpoint costs a few hundred kilobytes of range requests.
import type { ByteSource } from '../io/byte-source.ts';
import { readHeader, readTensors, serializeSafetensors, SafetensorsError, type SafetensorsHeader } from '../safetensors/format.ts';
import { HF_NAMES, PARAM_NAMES, paramShape, validateSpec, type Activation, type Head, type HeadSpec, type HeadTensors, type HeadType } from './types.ts';

export const SATURI_HEAD_FORMAT = 'saturi-head';
export const BASE_ENCODER = 'facebook/w2v-bert-2.0';

export interface SaturiHeadInfo {
  format: typeof SATURI_HEAD_FORMAT;
  version: 1;
  head: { type: HeadType; input_dim: number; hidden_size: number; num_labels: number; activation: Activation; dropout: number };
  labels: string[];
  /** Encoder the training embeddings came from (embedding-set manifest), if known. */
  encoder: { id: string; revision: string; dtype: string } | null;
  training: Record<string, unknown> | null;
  eval: Record<string, unknown> | null;
  created: string;
  /** Where an imported head came from. */
  source?: string;
  /** How to load the head in transformers (the folder holds the head tensors only, not the encoder). */
  usage?: string;
}

export class HeadFormatError extends Error {
  constructor(
    readonly source: string,
    reason: string,
  ) {
    super(`${source}: ${reason}`);
    this.name = 'HeadFormatError';
  }
}

export interface ImportedHead {
  head: Head;
  /** The model's config.json as read. */
  config: Record<string, unknown>;
  /** dtype of the stored head tensors (converted to float32). */
  dtype: string;
  useWeightedLayerSum: boolean;
  saturi?: SaturiHeadInfo;
  warnings: string[];
  /** Header of the safetensors file (for the frozen-encoder check). */
  header: SafetensorsHeader;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Label names in id order from config.json's id2label. */
export function labelsFromConfig(config: Record<string, unknown>, source: string): string[] {
  const id2label = config.id2label;
  if (!isObj(id2label)) throw new HeadFormatError(source, 'config.json has no id2label map (not a sequence-classification model?)');
  const n = Object.keys(id2label).length;
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = id2label[String(i)];
    if (typeof name !== 'string') throw new HeadFormatError(source, `config.json id2label has no entry for id ${i}`);
    labels.push(name);
  }
  return labels;
}

/**
 * Reads a head from a safetensors source and its config.json (and
 * saturi_head.json when the head was exported by saturi). Checks dtypes,
 * shapes against each other and against the config.
 */
export async function importHead(model: ByteSource, configValue: unknown, opts: { saturi?: unknown; configSource?: string } = {}): Promise<ImportedHead> {
  const cfgSource = opts.configSource ?? 'config.json';
  if (!isObj(configValue)) throw new HeadFormatError(cfgSource, 'must be a JSON object');
  const config = configValue;
  const labels = labelsFromConfig(config, cfgSource);
  const header = await readHeader(model);
  const warnings: string[] = [];
  const t = header.tensors;
  for (const p of PARAM_NAMES) {
    if (!t[HF_NAMES[p]]) throw new HeadFormatError(model.name, `has no tensor "${HF_NAMES[p]}" (not a Wav2Vec2BertForSequenceClassification checkpoint?)`);
    // Ranks before sizes are read: a 1-D projector.weight gave "inputDim must be a positive integer, got undefined".
    const shape = t[HF_NAMES[p]].shape;
    const rank = p === 'w1' || p === 'w2' ? 2 : 1;
    if (shape.length !== rank) throw new HeadFormatError(model.name, `tensor "${HF_NAMES[p]}" has shape [${shape.join(', ')}], expected ${rank === 2 ? 'a matrix' : 'a vector'}`);
  }
  const [P, D] = t['projector.weight'].shape;
  const L = t['classifier.weight'].shape[0];
  let spec: HeadSpec = { type: 'hf', inputDim: D, hiddenSize: P, numLabels: L, activation: 'none', dropout: 0 };
  let saturi: SaturiHeadInfo | undefined;
  if (opts.saturi !== undefined) {
    saturi = parseSaturiHead(opts.saturi, 'saturi_head.json');
    spec = { type: saturi.head.type, inputDim: saturi.head.input_dim, hiddenSize: saturi.head.hidden_size, numLabels: saturi.head.num_labels, activation: saturi.head.activation, dropout: saturi.head.dropout };
  } else if (config.saturi_head_type !== undefined && config.saturi_head_type !== 'hf') {
    // Its tensors have the linear head's names and shapes: read as one, it would give wrong logits.
    throw new HeadFormatError(cfgSource, `says this is a saturi ${JSON.stringify(config.saturi_head_type)} head (saturi_head_type), whose activation and dropout are in saturi_head.json: import that file with it`);
  }
  try {
    validateSpec(spec);
  } catch (e) {
    throw new HeadFormatError(saturi ? 'saturi_head.json' : model.name, (e as Error).message);
  }
  for (const p of PARAM_NAMES) {
    const expected = paramShape(spec, p);
    const got = t[HF_NAMES[p]].shape;
    if (got.length !== expected.length || got.some((d, i) => d !== expected[i])) {
      throw new HeadFormatError(model.name, `tensor "${HF_NAMES[p]}" has shape [${got}], expected [${expected}]`);
    }
  }
  if (labels.length !== L) throw new HeadFormatError(cfgSource, `id2label has ${labels.length} labels but classifier.weight has ${L} rows`);
  if (spec.type === 'hf' && config.classifier_proj_size !== undefined && config.classifier_proj_size !== P) {
    throw new HeadFormatError(cfgSource, `classifier_proj_size is ${config.classifier_proj_size} but projector.weight has ${P} rows`);
  }
  if (typeof config.hidden_size === 'number' && config.hidden_size !== D) {
    throw new HeadFormatError(cfgSource, `hidden_size is ${config.hidden_size} but projector.weight has ${D} columns`);
  }
  const useWeightedLayerSum = config.use_weighted_layer_sum === true;
  const names = PARAM_NAMES.map((p) => HF_NAMES[p]);
  if (t.layer_weights) names.push('layer_weights');
  const dtypes = new Set(names.map((n) => t[n].dtype));
  for (const d of dtypes) if (d !== 'F32' && d !== 'F16' && d !== 'BF16') throw new HeadFormatError(model.name, `head tensors have dtype ${d}; F32, F16 or BF16 expected`);
  const loaded = await readTensors(model, header, names);
  const params = {} as HeadTensors;
  for (const p of PARAM_NAMES) params[p] = loaded.get(HF_NAMES[p])!.data;
  for (const p of PARAM_NAMES) {
    for (const v of params[p]) if (!Number.isFinite(v)) throw new HeadFormatError(model.name, `tensor "${HF_NAMES[p]}" holds NaN or infinite values`);
  }
  const head: Head = { spec, params, labels };
  if (loaded.has('layer_weights')) head.layerWeights = loaded.get('layer_weights')!.data;
  if (useWeightedLayerSum) {
    warnings.push(
      'the model uses a weighted sum of all encoder layers (use_weighted_layer_sum); saturi embeddings are the masked mean of last_hidden_state, so this head will not see the inputs it was trained on',
    );
  }
  return { head, config, dtype: [...dtypes].join('+'), useWeightedLayerSum, saturi, warnings, header };
}

export function parseSaturiHead(value: unknown, source: string): SaturiHeadInfo {
  if (!isObj(value) || value.format !== SATURI_HEAD_FORMAT) throw new HeadFormatError(source, `is not a ${SATURI_HEAD_FORMAT} file`);
  const h = value.head;
  if (!isObj(h)) throw new HeadFormatError(source, 'key "head" must be an object');
  if (h.type !== 'hf' && h.type !== 'mlp') throw new HeadFormatError(source, `key "head.type" must be "hf" or "mlp", got ${JSON.stringify(h.type)}`);
  for (const k of ['input_dim', 'hidden_size', 'num_labels'] as const) {
    if (!Number.isInteger(h[k]) || (h[k] as number) < 1) throw new HeadFormatError(source, `key "head.${k}" must be a positive integer`);
  }
  if (!['none', 'relu', 'gelu', 'tanh'].includes(h.activation as string)) throw new HeadFormatError(source, 'key "head.activation" must be none, relu, gelu or tanh');
  if (typeof h.dropout !== 'number') throw new HeadFormatError(source, 'key "head.dropout" must be a number');
  return value as unknown as SaturiHeadInfo;
}

/**
 * Puts the head's classes in the order `wanted` (e.g. configs/labels.json).
 * Same names in another order: rows of the classifier are permuted. Other
 * names: an error naming them.
 */
export function alignLabels(head: Head, wanted: readonly string[], source: string): Head {
  if (head.labels.length === wanted.length && head.labels.every((l, i) => l === wanted[i])) return head;
  const missing = wanted.filter((l) => !head.labels.includes(l));
  const extra = head.labels.filter((l) => !wanted.includes(l));
  if (missing.length || extra.length || head.labels.length !== wanted.length) {
    throw new HeadFormatError(source, `labels ${JSON.stringify(head.labels)} do not match configs/labels.json ${JSON.stringify(wanted)}`);
  }
  const H = head.spec.hiddenSize;
  const w2 = new Float32Array(head.params.w2.length);
  const b2 = new Float32Array(head.params.b2.length);
  wanted.forEach((label, i) => {
    const j = head.labels.indexOf(label);
    w2.set(head.params.w2.subarray(j * H, (j + 1) * H), i * H);
    b2[i] = head.params.b2[j];
  });
  return { ...head, labels: [...wanted], params: { ...head.params, w2, b2 } };
}

export interface ExportOptions {
  encoder?: SaturiHeadInfo['encoder'];
  training?: Record<string, unknown> | null;
  eval?: Record<string, unknown> | null;
  /** config.json of an imported model, kept as the base (its encoder settings). */
  baseConfig?: Record<string, unknown>;
  source?: string;
  created?: string;
}

export interface ExportedHeadFiles {
  'model.safetensors': Uint8Array;
  'config.json': string;
  'saturi_head.json': string;
}

/** The three files of an exported head (TEAM.md "Exported head"). */
export function exportHead(head: Head, opts: ExportOptions = {}): ExportedHeadFiles {
  const { spec } = head;
  const tensors = PARAM_NAMES.map((p) => ({ name: HF_NAMES[p], shape: paramShape(spec, p), data: head.params[p] }));
  if (head.layerWeights) tensors.push({ name: 'layer_weights', shape: [head.layerWeights.length], data: head.layerWeights });
  const id2label: Record<string, string> = {};
  const label2id: Record<string, string> = {};
  head.labels.forEach((l, i) => {
    id2label[String(i)] = l;
    label2id[l] = String(i);
  });
  const config: Record<string, unknown> = {
    _name_or_path: BASE_ENCODER,
    model_type: 'wav2vec2-bert',
    hidden_size: spec.inputDim,
    num_hidden_layers: 24,
    ...(opts.baseConfig ?? {}),
    // The tensors written are F32, whatever the imported head's were: transformers loading with
    // torch_dtype="auto" reads this key (`dtype` in newer versions).
    torch_dtype: 'float32',
    ...(opts.baseConfig && 'dtype' in opts.baseConfig ? { dtype: 'float32' } : {}),
    architectures: ['Wav2Vec2BertForSequenceClassification'],
    finetuning_task: 'audio-classification',
    id2label,
    label2id,
    num_labels: head.labels.length,
    classifier_proj_size: spec.hiddenSize,
    use_weighted_layer_sum: head.layerWeights !== undefined && opts.baseConfig?.use_weighted_layer_sum === true,
  };
  if (spec.type === 'mlp') {
    // transformers would load these tensors as a linear head; say so in the config itself.
    config.saturi_head_type = 'mlp';
    config.saturi_note = `MLP head (${spec.activation}, dropout ${spec.dropout}): projector → ${spec.activation} → classifier; not equivalent to Wav2Vec2BertForSequenceClassification's linear head`;
  }
  const saturi: SaturiHeadInfo = {
    format: SATURI_HEAD_FORMAT,
    version: 1,
    head: { type: spec.type, input_dim: spec.inputDim, hidden_size: spec.hiddenSize, num_labels: spec.numLabels, activation: spec.activation, dropout: spec.dropout },
    labels: head.labels,
    encoder: opts.encoder ?? null,
    training: opts.training ?? null,
    eval: opts.eval ?? null,
    created: opts.created ?? new Date().toISOString(),
    ...(opts.source ? { source: opts.source } : {}),
    usage:
      spec.type === 'hf'
        ? `model = Wav2Vec2BertForSequenceClassification.from_pretrained("${BASE_ENCODER}", config=AutoConfig.from_pretrained(head_dir)); model.load_state_dict(safetensors.torch.load_file(head_dir + "/model.safetensors"), strict=False)  # encoder frozen = base encoder`
        : 'MLP head: projector → activation → classifier over the masked-mean embedding; not loadable as the transformers linear head',
  };
  return {
    'model.safetensors': serializeSafetensors(tensors, { format: 'pt' }),
    'config.json': JSON.stringify(config, null, 2) + '\n',
    'saturi_head.json': JSON.stringify(saturi, null, 2) + '\n',
  };
}

export interface FrozenEncoderCheck {
  /** true: compared tensors equal; false: some differ; null: nothing to compare. */
  frozen: boolean | null;
  compared: { name: string; baseName: string; maxAbsDiff: number }[];
  message: string;
}

const stripPrefix = (name: string): string => name.replace(/^wav2vec2_bert\./, '');

/**
 * Compares a few small encoder tensors (layer norms from the first, middle
 * and last layers) of a fine-tuned checkpoint with the base model's, reading
 * only those tensors. A head trained with a frozen encoder has identical ones.
 */
export async function checkFrozenEncoder(fineTuned: ByteSource, base: ByteSource, opts: { maxTensors?: number; fineHeader?: SafetensorsHeader } = {}): Promise<FrozenEncoderCheck> {
  const fh = opts.fineHeader ?? (await readHeader(fineTuned));
  const bh = await readHeader(base);
  const baseByStripped = new Map<string, string>();
  for (const n of Object.keys(bh.tensors)) baseByStripped.set(stripPrefix(n), n);
  const candidates = Object.keys(fh.tensors)
    .filter((n) => /layer_?norm/i.test(n) && fh.tensors[n].shape.length === 1 && baseByStripped.has(stripPrefix(n)))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (candidates.length === 0) return { frozen: null, compared: [], message: 'no layer-norm tensors in common with the base model; cannot tell whether the encoder was frozen' };
  const k = Math.min(opts.maxTensors ?? 4, candidates.length);
  const picked = [...new Set(Array.from({ length: k }, (_, i) => candidates[Math.round((i * (candidates.length - 1)) / Math.max(1, k - 1))]))];
  const fine = await readTensors(fineTuned, fh, picked);
  const baseNames = picked.map((n) => baseByStripped.get(stripPrefix(n))!);
  const baseT = await readTensors(base, bh, baseNames);
  const compared = picked.map((name, i) => {
    const a = fine.get(name)!;
    const b = baseT.get(baseNames[i])!;
    if (a.data.length !== b.data.length) return { name, baseName: baseNames[i], maxAbsDiff: Infinity };
    // Different storage dtypes round differently; equal up to that rounding still means frozen.
    let d = 0;
    for (let j = 0; j < a.data.length; j++) d = Math.max(d, Math.abs(a.data[j] - b.data[j]) / Math.max(1, Math.abs(b.data[j])));
    return { name, baseName: baseNames[i], maxAbsDiff: d };
  });
  const tol = picked.some((n, i) => fh.tensors[n].dtype !== bh.tensors[baseNames[i]].dtype) ? 1e-2 : 1e-6;
  const differing = compared.filter((c) => !(c.maxAbsDiff <= tol));
  if (differing.length === 0) return { frozen: true, compared, message: `encoder matches the base model (${compared.length} layer-norm tensors compared): trained with a frozen encoder` };
  return {
    frozen: false,
    compared,
    message: `encoder tensors differ from the base model (${differing.map((c) => c.name).join(', ')}): this head expects a fine-tuned encoder and will not work on base-encoder embeddings`,
  };
}

export { SafetensorsError };
