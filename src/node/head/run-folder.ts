// The training run folder (TEAM.md "Training run folder"):
//   config.json          resolved training config
//   log.jsonl            one JSON object per log / eval event
//   metrics.json         final and best eval metrics
//   checkpoint-<step>/   model.safetensors + config.json + saturi_head.json (an exported head),
//                        optimizer.safetensors (AdamW moments), trainer_state.json, and
//                        best_model.safetensors (parameters of the best evaluation so far)
//   head/                the exported head at the end
// Checkpoints are written to a temporary folder and renamed, so a crash never
// leaves a half checkpoint that a resume would trust.
// Nothing here deletes a file that saturi did not write: a head is written only over an
// empty folder or a previous head (checkHeadDestination), and overwrite_output_dir clears
// only a run's own entries (runFolderContents).
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import { exportHead, type ExportedHeadFiles, type ExportOptions } from '../../core/head/hf-format.ts';
import { readHeader, readTensors, serializeSafetensors } from '../../core/safetensors/format.ts';
import type { CheckpointData, TrainerState } from '../../core/head/trainer.ts';
import { HF_NAMES, PARAM_NAMES, paramShape, type AdamState, type Head, type HeadSpec, type HeadTensors } from '../../core/head/types.ts';
import { bytesSource } from '../../core/io/byte-source.ts';
import { UserError } from '../cli/errors.ts';
import { realPathOf } from '../io/output-file.ts';

export const CHECKPOINT_PREFIX = 'checkpoint-';

/** The files of an exported head folder (exportHead); the record makes the list follow ExportedHeadFiles. */
const HEAD_FILE_KEYS: Record<keyof ExportedHeadFiles, true> = { 'model.safetensors': true, 'config.json': true, 'saturi_head.json': true };
export const HEAD_FILES: readonly string[] = Object.keys(HEAD_FILE_KEYS);
/** The files of a checkpoint folder (writeCheckpoint). */
const CHECKPOINT_FILES: readonly string[] = [...HEAD_FILES, 'optimizer.safetensors', 'trainer_state.json', 'best_model.safetensors'];
/** The files a run writes at its top level; config.json and eval reports are checked by content (isRunFile). */
const RUN_FILES: readonly string[] = ['log.jsonl', 'metrics.json'];
/** A checkpoint, or a half-written temporary folder of a head or checkpoint left by a crash. */
const CHECKPOINT_DIR = new RegExp(`^${CHECKPOINT_PREFIX}\\d+$`);
const TEMP_DIR = new RegExp(`^(head|${CHECKPOINT_PREFIX}\\d+)\\.tmp-\\d+$`);

/** Whether `p` is `folder` or lies inside it. */
export function isInside(p: string, folder: string): boolean {
  const rel = relative(realPathOf(folder), realPathOf(p));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** A list of names for an error message: the first few, then how many more. */
export function listNames(names: readonly string[], max = 8): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** Files a file browser leaves in any folder it shows (Finder, Explorer): not the user's work. */
const OS_FILES: readonly string[] = ['.DS_Store', 'Thumbs.db', 'desktop.ini'];

/** Entries of `dir` other than the plain files named in `allowed` or OS_FILES (folders end in /), sorted. */
function entriesBesides(dir: string, allowed: readonly string[]): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => !(d.isFile() && (allowed.includes(d.name) || OS_FILES.includes(d.name))))
    .map((d) => (d.isDirectory() ? `${d.name}/` : d.name))
    .sort();
}

/**
 * Refuses to write a head to `dir` when that would delete anything but a previous head's files:
 * `dir` may be absent, empty, or an exported head folder (replaced as a whole).
 */
export function checkHeadDestination(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new UserError(`${dir} is a file, not a head folder: writing the head there would delete it; choose another folder`);
  const other = entriesBesides(dir, HEAD_FILES);
  if (other.length > 0) {
    throw new UserError(`${dir} holds ${listNames(other)}, not only the files of an exported head (${HEAD_FILES.join(', ')}): writing the head there would delete them; choose a new or empty folder`);
  }
}

/** A JSON file's top-level object, or null when it is not JSON or not an object. */
function jsonObject(path: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Whether a top-level file of a run folder is saturi's: log.jsonl, metrics.json, a file browser's
 * leftovers, the run's config.json (its resolved training config, with the head spec added) or a
 * report `saturi eval` wrote (the shipped eval config puts it in the run folder).
 */
function isRunFile(name: string, path: string): boolean {
  if (RUN_FILES.includes(name) || OS_FILES.includes(name)) return true;
  if (!name.endsWith('.json')) return false;
  const o = jsonObject(path);
  if (!o) return false;
  if (name === 'config.json') return typeof o.train_file === 'string' && typeof o.output_dir === 'string' && !!o.head && typeof o.head === 'object';
  return typeof o.eval_file === 'string' && typeof o.head === 'string' && typeof o.num_samples === 'number' && Array.isArray(o.labels);
}

/**
 * What a training run wrote in `outputDir` (top-level names: config.json, log.jsonl,
 * metrics.json, head/, checkpoint-<step>/ and their temporary folders, saturi eval reports) and every other entry
 * (paths relative to outputDir, folders ending in /), including files other than a head's or a
 * checkpoint's inside head/ and checkpoint-<step>/.
 */
export function runFolderContents(outputDir: string): { run: string[]; other: string[] } {
  const run: string[] = [];
  const other: string[] = [];
  for (const d of readdirSync(outputDir, { withFileTypes: true })) {
    const path = join(outputDir, d.name);
    if (d.isFile() && isRunFile(d.name, path)) run.push(d.name);
    else if (d.isDirectory() && TEMP_DIR.test(d.name)) run.push(d.name);
    else if (d.isDirectory() && (d.name === 'head' || CHECKPOINT_DIR.test(d.name))) {
      const inner = entriesBesides(path, d.name === 'head' ? HEAD_FILES : CHECKPOINT_FILES);
      if (inner.length === 0) run.push(d.name);
      else other.push(...inner.map((n) => `${d.name}/${n}`));
    } else other.push(d.isDirectory() ? `${d.name}/` : d.name);
  }
  return { run: run.sort(), other: other.sort() };
}

/** Writes an exported head to `dir`, replacing a previous head there as a whole (see checkHeadDestination). */
export function writeHeadFolder(dir: string, head: Head, opts: ExportOptions): void {
  // Resolved first: `--out heads/x/` (a shell's completion) or `--out .` put the temporary folder
  // inside the destination, which was then deleted with the previous head and nothing written.
  const target = resolve(dir);
  if (target === process.cwd() || target === parse(target).root) {
    throw new UserError(`${dir} is ${target === process.cwd() ? 'the working directory' : 'a filesystem root'}: writing the head there would replace the folder itself; choose a new or empty folder`);
  }
  checkHeadDestination(target);
  const files = exportHead(head, opts);
  const tmp = siblingTemp(target);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const [name, data] of Object.entries(files)) writeFileSync(join(tmp, name), data);
  rmSync(target, { recursive: true, force: true });
  renameSync(tmp, target);
}

/** The temporary folder a head or checkpoint is written into before it replaces `target`: beside it, never inside. */
const siblingTemp = (target: string): string => join(dirname(target), `${basename(target)}.tmp-${process.pid}`);

function tensorsFile(spec: HeadSpec, t: HeadTensors, prefix: string): { name: string; shape: number[]; data: Float32Array }[] {
  return PARAM_NAMES.map((p) => ({ name: `${prefix}${HF_NAMES[p]}`, shape: paramShape(spec, p), data: t[p] }));
}

export function writeCheckpoint(outputDir: string, cp: CheckpointData, head: Omit<Head, 'params'>, bestParams: HeadTensors | null, exportOpts: ExportOptions): string {
  const dir = join(outputDir, `${CHECKPOINT_PREFIX}${cp.step}`);
  const tmp = siblingTemp(resolve(dir));
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const files = exportHead({ ...head, params: cp.params }, exportOpts);
  for (const [name, data] of Object.entries(files)) writeFileSync(join(tmp, name), data);
  const opt = serializeSafetensors([...tensorsFile(head.spec, cp.opt.m, 'exp_avg.'), ...tensorsFile(head.spec, cp.opt.v, 'exp_avg_sq.')], { step: String(cp.opt.step) });
  writeFileSync(join(tmp, 'optimizer.safetensors'), opt);
  if (bestParams && cp.state.best_step !== null && cp.state.best_step !== cp.step) {
    writeFileSync(join(tmp, 'best_model.safetensors'), serializeSafetensors(tensorsFile(head.spec, bestParams, '')));
  }
  writeFileSync(join(tmp, 'trainer_state.json'), JSON.stringify({ ...cp.state, epoch: cp.step / cp.state.steps_per_epoch }, null, 2) + '\n');
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

/** Completed checkpoints (with trainer_state.json), oldest first. */
export function listCheckpoints(outputDir: string): { step: number; dir: string }[] {
  if (!existsSync(outputDir)) return [];
  return readdirSync(outputDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && new RegExp(`^${CHECKPOINT_PREFIX}\\d+$`).test(d.name) && existsSync(join(outputDir, d.name, 'trainer_state.json')))
    .map((d) => ({ step: Number(d.name.slice(CHECKPOINT_PREFIX.length)), dir: join(outputDir, d.name) }))
    .sort((a, b) => a.step - b.step);
}

/** Keeps the newest `limit` checkpoints. */
export function rotateCheckpoints(outputDir: string, limit: number | null): void {
  if (limit === null) return;
  const all = listCheckpoints(outputDir);
  for (const c of all.slice(0, Math.max(0, all.length - limit))) rmSync(c.dir, { recursive: true, force: true });
}

async function readParams(bytes: Uint8Array, name: string, spec: HeadSpec, prefix: string): Promise<HeadTensors> {
  const src = bytesSource(bytes, name);
  const header = await readHeader(src);
  const t = await readTensors(src, header, PARAM_NAMES.map((p) => `${prefix}${HF_NAMES[p]}`));
  const out = {} as HeadTensors;
  for (const p of PARAM_NAMES) {
    const x = t.get(`${prefix}${HF_NAMES[p]}`)!;
    const want = paramShape(spec, p);
    if (x.shape.join(',') !== want.join(',')) throw new Error(`${name}: ${prefix}${HF_NAMES[p]} has shape [${x.shape}], expected [${want}]`);
    out[p] = x.data;
  }
  return out;
}

export interface LoadedCheckpoint {
  step: number;
  params: HeadTensors;
  opt: AdamState;
  state: TrainerState;
  bestParams?: HeadTensors;
}

export async function readCheckpoint(dir: string, spec: HeadSpec): Promise<LoadedCheckpoint> {
  const statePath = join(dir, 'trainer_state.json');
  let state: TrainerState & { epoch?: number };
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as TrainerState & { epoch?: number };
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    throw new UserError(`${statePath}: not valid JSON (${e.message}); delete this checkpoint folder to resume from an earlier one`);
  }
  delete state.epoch;
  const params = await readParams(readFileSync(join(dir, 'model.safetensors')), join(dir, 'model.safetensors'), spec, '');
  const optBytes = readFileSync(join(dir, 'optimizer.safetensors'));
  const optHeader = await readHeader(bytesSource(optBytes, join(dir, 'optimizer.safetensors')));
  const m = await readParams(optBytes, join(dir, 'optimizer.safetensors'), spec, 'exp_avg.');
  const v = await readParams(optBytes, join(dir, 'optimizer.safetensors'), spec, 'exp_avg_sq.');
  const step = Number(optHeader.metadata?.step ?? state.global_step);
  let bestParams: HeadTensors | undefined;
  if (state.best_step === state.global_step) bestParams = params;
  else if (existsSync(join(dir, 'best_model.safetensors'))) bestParams = await readParams(readFileSync(join(dir, 'best_model.safetensors')), join(dir, 'best_model.safetensors'), spec, '');
  return { step: state.global_step, params, opt: { step, m, v }, state, bestParams };
}

/** An eval event of log.jsonl. */
export interface LoggedEval {
  step: number;
  eval_loss: number;
  eval_accuracy: number;
  eval_precision: number;
  eval_recall: number;
  eval_f1: number;
}

/** log.jsonl: append one event; on resume drop events after the checkpoint's step. */
export class RunLog {
  readonly path: string;
  constructor(outputDir: string) {
    this.path = join(outputDir, 'log.jsonl');
  }
  append(entry: Record<string, unknown>): void {
    appendFileSync(this.path, JSON.stringify(entry) + '\n');
  }
  /** The evaluations logged so far (the run's whole history, resumes included), in step order. */
  evals(): LoggedEval[] {
    if (!existsSync(this.path)) return [];
    const out: LoggedEval[] = [];
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const e = JSON.parse(line) as Record<string, number>;
        if (typeof e.eval_loss === 'number' && typeof e.step === 'number') out.push(e as unknown as LoggedEval);
      } catch {
        // a torn line: truncateAfter drops it on resume
      }
    }
    return out;
  }
  truncateAfter(step: number): void {
    if (!existsSync(this.path)) return;
    const keep = readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((line) => {
        if (!line.trim()) return false;
        try {
          return (JSON.parse(line) as { step?: number }).step! <= step;
        } catch {
          return false; // a torn last line from a crash
        }
      });
    writeFileSync(this.path, keep.map((l) => l + '\n').join(''));
  }
}
