// Read training run folders (TEAM.md "Training run folder": config.json,
// log.jsonl, metrics.json, checkpoint-*/, head/) and pick each run's best
// evaluation. A damaged log line is skipped and reported, never fatal.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../cli/errors.ts';
import type { LogEvent } from '../../core/plot/run-curves.ts';

export interface EvalPoint {
  step: number;
  epoch: number | null;
  loss: number | null;
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface RunInfo {
  name: string;
  dir: string;
  config: Record<string, unknown>;
  log: LogEvent[];
  metrics: Record<string, unknown>;
  evals: EvalPoint[];
  best: EvalPoint | null;
  steps: number;
  learningRate: number | null;
  head: string;
  /** Problems found while reading (bad log lines, unreadable JSON). */
  warnings: string[];
}

/** Files only a training run has (written by the trainer, never by a head export). */
const RUN_LOG_FILES = ['log.jsonl', 'metrics.json'];

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

const isFile = (f: string): Promise<boolean> => stat(f).then((s) => s.isFile(), () => false);

/** A Hugging Face model config (what an exported head or checkpoint holds): architectures, model_type or id2label. */
export function isModelConfig(config: Record<string, unknown>): boolean {
  return 'architectures' in config || 'model_type' in config || 'id2label' in config;
}

/**
 * The config.json the trainer writes into a run (src/node/head/train-run.ts: the
 * resolved training config, whose train_file and output_dir are required), as
 * opposed to an exported head's model config.
 */
export function isTrainingConfig(config: Record<string, unknown>): boolean {
  return !isModelConfig(config) && (typeof config.train_file === 'string' || typeof config.output_dir === 'string');
}

type DirKind = 'run' | 'head' | 'other';

/**
 * A run has log.jsonl or metrics.json, or (a run just started) the trainer's config.json.
 * An exported head (head/, checkpoint-*) has a model config.json and model.safetensors.
 */
async function classifyDir(dir: string): Promise<DirKind> {
  for (const f of RUN_LOG_FILES) if (await isFile(join(dir, f))) return 'run';
  const text = await readFile(join(dir, 'config.json'), 'utf8').catch(() => null);
  let config: Record<string, unknown> | null = null;
  if (text !== null) {
    try {
      config = obj(JSON.parse(text));
    } catch {
      config = null;
    }
  }
  if (config && isTrainingConfig(config)) return 'run';
  if ((config && isModelConfig(config)) || (await isFile(join(dir, 'model.safetensors')))) return 'head';
  return 'other';
}

const RUN_FILES_HINT = 'a run has log.jsonl, metrics.json or the trainer\'s config.json';

/** Given folders that are runs or hold runs, the run folders (sorted by name within a parent). */
export async function findRuns(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const st = await stat(p).catch(() => null);
    if (!st?.isDirectory()) throw new UserError(`${p}: no such folder`);
    const kind = await classifyDir(p);
    if (kind === 'run') {
      out.push(resolve(p));
      continue;
    }
    if (kind === 'head') {
      const parent = dirname(resolve(p));
      const where = (await classifyDir(parent)) === 'run' ? `; point at its run folder ${parent}` : `; ${RUN_FILES_HINT}`;
      const what = /^checkpoint-\d+$/.test(basename(resolve(p))) ? 'a training checkpoint (an exported head)' : 'an exported head';
      throw new UserError(`${p}: ${what} (config.json + model.safetensors), not a training run folder${where}`);
    }
    const kids = (await readdir(p, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => join(p, d.name)).sort();
    const runs: string[] = [];
    const heads: string[] = [];
    for (const k of kids) {
      const kk = await classifyDir(k);
      if (kk === 'run') runs.push(resolve(k));
      else if (kk === 'head') heads.push(basename(k));
    }
    if (runs.length === 0) {
      const held = heads.length > 0 ? `; it holds exported heads (${heads.slice(0, 5).join(', ')}${heads.length > 5 ? ', …' : ''}), which are not runs` : '';
      throw new UserError(`${p}: not a training run folder and holds none (${RUN_FILES_HINT})${held}`);
    }
    out.push(...runs);
  }
  return out;
}

async function readJsonObject(file: string, warnings: string[]): Promise<Record<string, unknown>> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return {};
  try {
    const v = obj(JSON.parse(text));
    if (!v) warnings.push(`${file}: not a JSON object, ignored`);
    return v ?? {};
  } catch (e) {
    warnings.push(`${file}: not valid JSON (${(e as Error).message}), ignored`);
    return {};
  }
}

function evalPoint(e: LogEvent): EvalPoint | null {
  const step = num(e.step);
  if (step === null) return null;
  const p: EvalPoint = {
    step,
    epoch: num(e.epoch),
    loss: num(e.eval_loss),
    accuracy: num(e.eval_accuracy),
    precision: num(e.eval_precision),
    recall: num(e.eval_recall),
    f1: num(e.eval_f1),
  };
  return p.loss === null && p.accuracy === null && p.f1 === null ? null : p;
}

/** The best evaluation: the one metrics.json names, else the lowest eval loss (the checkpoint the trainer keeps), else the highest F1. */
export function pickBest(evals: EvalPoint[], metrics: Record<string, unknown>): EvalPoint | null {
  const bestStep = num(metrics.best_step) ?? num(obj(metrics.best)?.step) ?? num(obj(metrics.best_eval)?.step);
  if (bestStep !== null) {
    const at = evals.find((e) => e.step === bestStep);
    if (at) return at;
  }
  const fromMetrics = obj(metrics.best_eval) ?? obj(metrics.best);
  if (fromMetrics) {
    const p = evalPoint({ step: bestStep ?? 0, ...fromMetrics });
    if (p) return p;
  }
  if (evals.length === 0) {
    const p = evalPoint({ step: num(metrics.step) ?? num(metrics.steps) ?? 0, ...(obj(metrics.final) ?? obj(metrics.final_eval) ?? metrics) });
    return p;
  }
  const withLoss = evals.filter((e) => e.loss !== null);
  if (withLoss.length > 0) return withLoss.reduce((a, b) => (b.loss! < a.loss! ? b : a));
  return evals.reduce((a, b) => ((b.f1 ?? -1) > (a.f1 ?? -1) ? b : a));
}

function describeHead(config: Record<string, unknown>): string {
  const head = obj(config.head);
  const type = config.head_type ?? head?.type ?? config.head;
  const t = typeof type === 'string' ? type : 'hf';
  // The trainer's config holds both sizes; the one that applies depends on the head type.
  const size =
    (t === 'mlp' ? num(config.mlp_hidden_size) : null) ??
    num(config.classifier_proj_size) ??
    num(head?.hiddenSize) ??
    num(head?.hidden_size) ??
    num(config.hidden_size);
  return size !== null ? `${t}/${size}` : t;
}

export async function readRun(dir: string): Promise<RunInfo> {
  const warnings: string[] = [];
  const config = await readJsonObject(join(dir, 'config.json'), warnings);
  const metrics = await readJsonObject(join(dir, 'metrics.json'), warnings);
  const log: LogEvent[] = [];
  const text = await readFile(join(dir, 'log.jsonl'), 'utf8').catch(() => null);
  if (text !== null) {
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const v = obj(JSON.parse(line));
        if (v) log.push(v);
        else warnings.push(`${join(dir, 'log.jsonl')}: line ${i + 1} is not a JSON object, skipped`);
      } catch {
        warnings.push(`${join(dir, 'log.jsonl')}: line ${i + 1} is not valid JSON, skipped`);
      }
    });
  }
  const evals = log.map(evalPoint).filter((p): p is EvalPoint => p !== null);
  // A loop, not Math.max(...log): a spread of 100 000+ log lines overflows the call stack.
  let steps = Math.max(0, num(metrics.steps) ?? 0, num(metrics.global_step) ?? 0);
  for (const e of log) steps = Math.max(steps, num(e.step) ?? 0);
  return {
    name: basename(dir),
    dir,
    config,
    log,
    metrics,
    evals,
    best: pickBest(evals, metrics),
    steps,
    learningRate: num(config.learning_rate),
    head: describeHead(config),
    warnings,
  };
}
