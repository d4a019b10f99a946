// configs/train-head.json and configs/eval-head.json: keys of the original
// Hugging Face training configs (train_file, learning_rate, …) plus the head
// choice. Validated on load; every error names the file and the key.
import { ConfigError, validateConfig, type Schema } from '../config/validate.ts';
import type { Activation, HeadSpec, HeadType } from './types.ts';
import { DEFAULT_TRAINING_CONFIG, type HeadTrainingConfig } from './worker-api.ts';

export interface TrainHeadConfig extends HeadTrainingConfig {
  /** Embedding-set folder for training. */
  train_file: string;
  /** Embedding-set folder for evaluation (optional: no evaluation without it). */
  eval_file: string | null;
  /** Index field holding the label name (`dialect` in saturi embedding sets). */
  label_column_name: string;
  output_dir: string;
  /** Delete an existing run in output_dir instead of resuming it. */
  overwrite_output_dir: boolean;
  /** Keep at most this many checkpoint-* folders (oldest removed first); null = all. */
  save_total_limit: number | null;
  /** A head to start from (exported folder or file, hub repo, URL) instead of a fresh initialisation. */
  model_name_or_path: string | null;
  head_type: HeadType;
  /** P of the hf head (768 in the published model). */
  classifier_proj_size: number;
  mlp_hidden_size: number;
  mlp_activation: Exclude<Activation, 'none'>;
  mlp_dropout: number;
  /** 'cpu' = onnxruntime-node, 'reference' = the TypeScript reference (slow). */
  engine: 'cpu' | 'reference';
  /** onnxruntime intra-op threads (0 = onnxruntime's default, all cores). */
  intra_op_num_threads: number;
}

const TRAIN_SCHEMA: Schema = {
  train_file: { type: 'string', required: true },
  eval_file: { type: 'string|null' },
  label_column_name: { type: 'string' },
  output_dir: { type: 'string', required: true },
  overwrite_output_dir: { type: 'boolean' },
  learning_rate: { type: 'number', min: 0 },
  weight_decay: { type: 'number', min: 0 },
  warmup_steps: { type: 'integer', min: 0 },
  num_train_epochs: { type: 'number', min: 0 },
  max_steps: { type: 'integer', min: -1 },
  per_device_train_batch_size: { type: 'integer', min: 1 },
  per_device_eval_batch_size: { type: 'integer', min: 1 },
  seed: { type: 'integer' },
  eval_steps: { type: 'integer', min: 0 },
  logging_steps: { type: 'integer', min: 0 },
  save_steps: { type: 'integer', min: 0 },
  save_total_limit: { type: 'number|null', min: 1 },
  load_best_model_at_end: { type: 'boolean' },
  class_weights: { type: 'boolean' },
  adam_beta1: { type: 'number', min: 0, below: 1 },
  adam_beta2: { type: 'number', min: 0, below: 1 },
  adam_epsilon: { type: 'number', above: 0 },
  max_grad_norm: { type: 'number', min: 0 },
  initializer_range: { type: 'number|null', above: 0 },
  model_name_or_path: { type: 'string|null' },
  head_type: { type: 'string', oneOf: ['hf', 'mlp'] },
  classifier_proj_size: { type: 'integer', min: 1 },
  mlp_hidden_size: { type: 'integer', min: 1 },
  mlp_activation: { type: 'string', oneOf: ['relu', 'gelu', 'tanh'] },
  mlp_dropout: { type: 'number', min: 0, max: 0.99 },
  engine: { type: 'string', oneOf: ['cpu', 'reference'] },
  intra_op_num_threads: { type: 'integer', min: 0 },
};

export const TRAIN_CONFIG_DEFAULTS: Omit<TrainHeadConfig, 'train_file' | 'output_dir'> = {
  ...DEFAULT_TRAINING_CONFIG,
  eval_file: null,
  label_column_name: 'dialect',
  overwrite_output_dir: false,
  save_total_limit: null,
  model_name_or_path: null,
  head_type: 'hf',
  classifier_proj_size: 768,
  mlp_hidden_size: 256,
  mlp_activation: 'relu',
  mlp_dropout: 0.1,
  engine: 'cpu',
  intra_op_num_threads: 0,
};

/** Refuses a path key given as '' (or blanks), naming it: `required` keys take a path, `nullable` ones a path or null. */
function refuseEmptyPaths<C>(cfg: C, required: readonly (keyof C & string)[], nullable: readonly (keyof C & string)[], source: string): void {
  for (const key of [...required, ...nullable]) {
    const v = cfg[key];
    if (typeof v === 'string' && v.trim() === '') throw new ConfigError(source, key, `is empty; give a path${required.includes(key) ? '' : ' or null'}`);
  }
}

/** Validates and fills defaults. */
export function parseTrainConfig(value: unknown, source: string): TrainHeadConfig {
  const raw = validateConfig<Partial<TrainHeadConfig>>(value, TRAIN_SCHEMA, source);
  const cfg = { ...TRAIN_CONFIG_DEFAULTS, ...raw } as TrainHeadConfig;
  if (cfg.save_total_limit !== null && !Number.isInteger(cfg.save_total_limit)) throw new ConfigError(source, 'save_total_limit', 'must be an integer or null');
  // An empty path would silently mean "no evaluation" or a folder named after the cwd.
  refuseEmptyPaths(cfg, ['train_file', 'output_dir'], ['eval_file', 'model_name_or_path'], source);
  checkStepRules(cfg, source);
  return cfg;
}

/** How long training runs: max_steps, or num_train_epochs when it is -1 (rules between keys, past each key's own range). */
function checkStepRules(cfg: Pick<HeadTrainingConfig, 'max_steps' | 'num_train_epochs'>, source: string): void {
  if (cfg.max_steps <= 0 && cfg.max_steps !== -1) throw new ConfigError(source, 'max_steps', 'must be -1 (use num_train_epochs) or a positive integer');
  if (cfg.max_steps === -1 && !(cfg.num_train_epochs > 0)) throw new ConfigError(source, 'num_train_epochs', 'must be > 0 when max_steps is -1');
}

/** The head keys of a config (head_type, classifier_proj_size, mlp_*), checked as a config file's are. */
export const HEAD_CONFIG_KEYS = ['head_type', 'classifier_proj_size', 'mlp_hidden_size', 'mlp_activation', 'mlp_dropout'] as const;

/** The head a config asks for, given the embedding dimension. */
export function headSpecFromConfig(cfg: TrainHeadConfig, inputDim: number, numLabels: number): HeadSpec {
  return cfg.head_type === 'hf'
    ? { type: 'hf', inputDim, hiddenSize: cfg.classifier_proj_size, numLabels, activation: 'none', dropout: 0 }
    : { type: 'mlp', inputDim, hiddenSize: cfg.mlp_hidden_size, numLabels, activation: cfg.mlp_activation, dropout: cfg.mlp_dropout };
}

/**
 * Checks the training keys of a config made elsewhere (the app's training form) against the same
 * rules as a config file: an error names the key (`source`: where the values came from).
 */
export function checkTrainingConfig(config: HeadTrainingConfig, source: string, head?: Partial<Record<(typeof HEAD_CONFIG_KEYS)[number], unknown>>): void {
  const schema: Schema = {};
  for (const k of Object.keys(DEFAULT_TRAINING_CONFIG)) schema[k] = { ...TRAIN_SCHEMA[k]!, required: true };
  if (head) for (const k of HEAD_CONFIG_KEYS) schema[k] = { ...TRAIN_SCHEMA[k]!, required: true };
  validateConfig(head ? { ...config, ...head } : config, schema, source);
  // The rules between keys too: num_train_epochs 0 trained nothing and made that head active.
  checkStepRules(config, source);
}

export function trainingPart(cfg: TrainHeadConfig): HeadTrainingConfig {
  const out = {} as Record<string, unknown>;
  for (const k of Object.keys(DEFAULT_TRAINING_CONFIG)) out[k] = cfg[k as keyof HeadTrainingConfig];
  return out as unknown as HeadTrainingConfig;
}

export interface EvalHeadConfig {
  /** The head: exported folder or file, hub repo, URL, or a training run folder (its head/). */
  model_name_or_path: string;
  eval_file: string;
  label_column_name: string;
  per_device_eval_batch_size: number;
  /** Weight the eval loss by max_count/count_c of the eval labels (the training loss uses the training labels). */
  class_weights: boolean;
  /** Where to write the metrics JSON (optional). */
  output_file: string | null;
  engine: 'cpu' | 'reference';
  intra_op_num_threads: number;
}

const EVAL_SCHEMA: Schema = {
  model_name_or_path: { type: 'string', required: true },
  eval_file: { type: 'string', required: true },
  label_column_name: { type: 'string' },
  per_device_eval_batch_size: { type: 'integer', min: 1 },
  class_weights: { type: 'boolean' },
  output_file: { type: 'string|null' },
  engine: { type: 'string', oneOf: ['cpu', 'reference'] },
  intra_op_num_threads: { type: 'integer', min: 0 },
};

export function parseEvalConfig(value: unknown, source: string): EvalHeadConfig {
  const raw = validateConfig<Partial<EvalHeadConfig>>(value, EVAL_SCHEMA, source);
  const cfg = { label_column_name: 'dialect', per_device_eval_batch_size: 64, class_weights: false, output_file: null, engine: 'cpu', intra_op_num_threads: 0, ...raw } as EvalHeadConfig;
  // An empty output_file would silently write nothing.
  refuseEmptyPaths(cfg, ['eval_file', 'model_name_or_path'], ['output_file'], source);
  return cfg;
}
