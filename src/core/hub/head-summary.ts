// What a model card needs from an exported head: labels (config.json), head
// shape, the encoder the embeddings came from, training config and eval
// metrics (saturi_head.json). saturi_head.json is written by the head
// exporter; it is read tolerantly (several key spellings, nesting under
// `encoder` / `embedding_set`) so a card can still be made from heads
// exported by earlier versions.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = Record<string, unknown>;

export interface HeadSummary {
  /** id2label in id order. */
  labels: string[];
  headType: string | null;
  inputDim: number | null;
  projSize: number | null;
  activation: string | null;
  encoder: { id: string | null; revision: string | null; dtype: string | null };
  /** Training hyperparameters, as exported. */
  training: Record<string, unknown>;
  /** Eval metrics without the `eval_` prefix (accuracy, precision, recall, f1, loss, …), numbers only. */
  metrics: Record<string, number>;
  /** The embedding set's name/id, when recorded. */
  embeddingSet: string | null;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function firstOf<T>(values: unknown[], test: (v: unknown) => v is T): T | null {
  for (const v of values) if (test(v)) return v;
  return null;
}

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export class HeadFilesError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'HeadFilesError';
  }
}

/** Labels in id order from a Hugging Face config's id2label. */
export function labelsFromConfig(config: unknown, source = 'config.json'): string[] {
  if (!isObj(config)) throw new HeadFilesError(source, 'is not a JSON object');
  const id2label = config.id2label;
  if (!isObj(id2label)) throw new HeadFilesError(source, 'has no id2label map');
  const n = Object.keys(id2label).length;
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const l = id2label[String(i)];
    if (!isStr(l)) throw new HeadFilesError(source, `id2label has no label for id ${i}`);
    labels.push(l);
  }
  return labels;
}

export function summarizeHead(config: unknown, saturiHead: unknown): HeadSummary {
  const labels = labelsFromConfig(config);
  const c = config as Obj;
  const sh: Obj = isObj(saturiHead) ? saturiHead : {};
  const head = isObj(sh.head) ? sh.head : isObj(sh.spec) ? sh.spec : {};
  const set = isObj(sh.embedding_set) ? sh.embedding_set : isObj(sh.embeddings) ? sh.embeddings : {};
  const enc = isObj(sh.encoder) ? sh.encoder : isObj(set.encoder) ? set.encoder : {};
  const encSources = [enc, set, sh];
  const encField = (k: string, extra: string[] = []) =>
    firstOf(encSources.flatMap((o) => [o === enc ? o[k] : undefined, o[`encoder_${k}`], ...(o === enc ? extra.map((e) => o[e]) : [])]), isStr);
  const training = firstOf([sh.training_config, sh.training, sh.train_config, sh.config], isObj) ?? {};
  const rawMetrics = firstOf([sh.eval_metrics, sh.best_eval, sh.metrics, sh.eval], isObj) ?? {};
  const metrics: Record<string, number> = {};
  // The app stored the pretrained head's model-card figures under "reported" (heads imported before
  // it stored them flat): read from there too, or the card and export said "Not recorded".
  const reported = isObj(rawMetrics.reported) ? rawMetrics.reported : {};
  for (const [k, v] of [...Object.entries(reported), ...Object.entries(rawMetrics)]) if (isNum(v)) metrics[k.replace(/^eval_/, '')] = v;
  return {
    labels,
    headType: firstOf([sh.head_type, head.type, sh.type], isStr),
    inputDim: firstOf([head.inputDim, head.input_dim, sh.input_dim, sh.inputDim, c.hidden_size], isNum),
    projSize: firstOf([c.classifier_proj_size, head.hiddenSize, head.hidden_size, sh.hidden_size], isNum),
    activation: firstOf([head.activation, sh.activation], isStr),
    encoder: { id: encField('id', ['model_id', 'model', 'name']), revision: encField('revision'), dtype: encField('dtype') },
    training,
    metrics,
    embeddingSet: firstOf([set.name, set.id, sh.embedding_set_id, sh.embedding_set_name, typeof sh.embedding_set === 'string' ? sh.embedding_set : undefined], isStr),
  };
}
