// `saturi train configs/train-head.json`: trains the head on embedding sets
// with onnxruntime-node, writing the run folder (run-folder.ts) and resuming
// from its last checkpoint when rerun.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LABEL_NAMES } from '../../core/config/labels.ts';
import { ConfigError, parseJsonConfig } from '../../core/config/validate.ts';
import { embeddingsIncompatibility } from '../../core/encoder/embedding-set.ts';
import { evaluateEngine } from '../../core/head/evaluate.ts';
import { initHeadParams } from '../../core/head/init.ts';
import { classesMissingFromTraining, classWeights } from '../../core/head/loss-weights.ts';
import { headSpecFromConfig, parseTrainConfig, trainingPart, type TrainHeadConfig } from '../../core/head/train-config.ts';
import { runTraining, TrainControl, TrainingDivergedError, type TrainerState } from '../../core/head/trainer.ts';
import { freshAdamState, type Head, type HeadTensors } from '../../core/head/types.ts';
import type { EvalReport, TrainEvent } from '../../core/head/worker-api.ts';
import { UserError } from '../cli/errors.ts';
import { createNodeEngine } from './engine.ts';
import { loadConfiguredHead } from './head-source.ts';
import { loadLabelledSet } from './labelled-set.ts';
import { checkHeadDestination, isInside, listCheckpoints, listNames, readCheckpoint, rotateCheckpoints, runFolderContents, RunLog, writeCheckpoint, writeHeadFolder, type LoggedEval } from './run-folder.ts';

export interface TrainRunOptions {
  /** Stop after this global step as if interrupted (no final eval / export). */
  stopAfter?: number;
  /** Progress lines (default: stderr). */
  print?: (line: string) => void;
  control?: TrainControl;
}

export interface TrainRunResult {
  outputDir: string;
  steps: number;
  finished: boolean;
  resumedFrom: number | null;
  head?: Head;
}

const evalScalars = (r: Omit<LoggedEval, 'step'>): Record<string, number> => ({
  eval_loss: r.eval_loss,
  eval_accuracy: r.eval_accuracy,
  eval_precision: r.eval_precision,
  eval_recall: r.eval_recall,
  eval_f1: r.eval_f1,
});

export function loadTrainConfig(path: string): TrainHeadConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`);
  }
  return parseTrainConfig(parseJsonConfig(text, path), path);
}

/** Keys that change how a run is computed, not what it computes: a resumed run may change them. */
const RUNTIME_KEYS = new Set(['engine', 'intra_op_num_threads', 'per_device_eval_batch_size', 'overwrite_output_dir']);

/** JSON with object keys sorted at every level, so key order does not make two configs differ. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * The keys in which a run folder's config.json (`previous`) differs from this config, runtime
 * keys left out; empty when the run can be resumed with it.
 */
export function configDifferences(previous: string, config: Record<string, unknown>): string[] {
  let old: Record<string, unknown>;
  try {
    old = JSON.parse(previous) as Record<string, unknown>;
  } catch {
    return ['its config.json is not valid JSON'];
  }
  if (!old || typeof old !== 'object' || Array.isArray(old)) return ['its config.json is not an object'];
  const keys = new Set([...Object.keys(old), ...Object.keys(config)]);
  return [...keys].filter((k) => !RUNTIME_KEYS.has(k) && canonicalJson(old[k]) !== canonicalJson(config[k])).sort();
}

/**
 * overwrite_output_dir: deletes the previous run in `outputDir` (what a run writes there, see
 * runFolderContents) and nothing else, as the Hugging Face Trainer's flag deletes nothing. Refuses,
 * deleting nothing, when the folder holds anything else, or is (or holds) the working directory,
 * the config file, train_file, eval_file or model_name_or_path.
 */
function clearPreviousRun(outputDir: string, cfg: TrainHeadConfig, configPath: string): void {
  const refuse = (why: string): never => {
    throw new ConfigError(configPath, 'output_dir', `${outputDir} ${why}: "overwrite_output_dir": true deletes only a previous run's files (config.json, log.jsonl, metrics.json, head/, checkpoint-<step>/), so nothing was deleted; choose another output_dir`);
  };
  if (!statSync(outputDir).isDirectory()) refuse('is a file, not a run folder');
  const cwd = process.cwd();
  if (isInside(cwd, outputDir)) refuse(isInside(outputDir, cwd) ? 'is the current working directory' : `contains the current working directory ${cwd}`);
  const inputs: [string, string | null][] = [
    ['the config file', configPath],
    ['train_file', cfg.train_file],
    ['eval_file', cfg.eval_file],
    ['model_name_or_path', cfg.model_name_or_path],
  ];
  for (const [what, path] of inputs) if (path && existsSync(path) && isInside(path, outputDir)) refuse(`contains ${what} ${path}`);
  const { run, other } = runFolderContents(outputDir);
  if (other.length > 0) refuse(`holds ${listNames(other)}, which a training run did not write`);
  for (const name of run) rmSync(join(outputDir, name), { recursive: true, force: true });
}

export async function runTrainFromConfig(configPath: string, opts: TrainRunOptions = {}): Promise<TrainRunResult> {
  const cfg = loadTrainConfig(configPath);
  const print = opts.print ?? ((l: string) => process.stderr.write(l + '\n'));
  const train = await loadLabelledSet(cfg.train_file, cfg.label_column_name, configPath, 'train_file');
  const evalSet = cfg.eval_file ? await loadLabelledSet(cfg.eval_file, cfg.label_column_name, configPath, 'eval_file') : undefined;
  if (evalSet && evalSet.dim !== train.dim) {
    throw new ConfigError(configPath, 'eval_file', `${evalSet.dir} has ${evalSet.dim}-dimensional embeddings but ${train.dir} has ${train.dim}`);
  }
  const otherKind = evalSet && embeddingsIncompatibility(train.manifest, evalSet.manifest);
  if (otherKind) print(`warning: eval_file ${evalSet!.dir} was not embedded like train_file ${train.dir} (${otherKind}, train vs eval): the metrics measure the head on embeddings it was not trained on`);
  const missing = evalSet ? classesMissingFromTraining(train.labels, evalSet.labels, LABEL_NAMES.length) : [];
  if (missing.length) {
    const names = missing.map((m) => `${LABEL_NAMES[m.label]} (${m.evalRows} row${m.evalRows === 1 ? '' : 's'})`).join(', ');
    print(`warning: eval_file ${evalSet!.dir} has rows of ${names}, which train_file ${train.dir} has none of: the head never learns ${missing.length === 1 ? 'this class' : 'these classes'}${cfg.class_weights ? '; with class_weights their weight is 0, so eval_loss (and the best checkpoint it picks) leaves those rows out, while accuracy and F1 count them' : ''}`);
  }
  if (evalSet && evalSet.vectors.length === 0) print(`warning: eval_file ${evalSet.dir} holds no embeddings: no evaluation${cfg.load_best_model_at_end ? ', and load_best_model_at_end has no best to load' : ''}`);

  // Starting head: a fresh seeded init, or model_name_or_path.
  let spec = headSpecFromConfig(cfg, train.dim, LABEL_NAMES.length);
  let startParams: HeadTensors;
  let baseConfig: Record<string, unknown> | undefined;
  if (cfg.model_name_or_path) {
    const { imported, head } = await loadConfiguredHead(configPath, cfg.model_name_or_path);
    if (head.spec.inputDim !== train.dim) {
      throw new ConfigError(configPath, 'model_name_or_path', `head ${cfg.model_name_or_path} takes ${head.spec.inputDim}-dimensional embeddings but ${train.dir} (train_file) has ${train.dim}`);
    }
    for (const w of imported.warnings) print(`warning: ${w}`);
    spec = head.spec;
    startParams = head.params;
    // The head is trained on the masked mean of last_hidden_state: its export says
    // use_weighted_layer_sum false and drops the old layer_weights, whatever it started from.
    baseConfig = imported.config;
  } else {
    startParams = initHeadParams(spec, cfg.seed, cfg.initializer_range);
  }

  const outputDir = resolve(cfg.output_dir);
  const resolvedConfig = { ...cfg, head: spec };
  const configJson = JSON.stringify(resolvedConfig, null, 2) + '\n';
  const log = new RunLog(outputDir);
  let resume: { state: TrainerState; bestParams?: HeadTensors } | undefined;
  let opt = freshAdamState(startParams);
  let resumedFrom: number | null = null;
  if (existsSync(outputDir) && cfg.overwrite_output_dir) clearPreviousRun(outputDir, cfg, configPath);
  // The run ends by replacing head/: refuse now, not after training, if that would delete other files.
  try {
    checkHeadDestination(join(outputDir, 'head'));
  } catch (e) {
    throw new ConfigError(configPath, 'output_dir', (e as Error).message);
  }
  if (existsSync(join(outputDir, 'config.json'))) {
    const differs = configDifferences(readFileSync(join(outputDir, 'config.json'), 'utf8'), resolvedConfig);
    if (differs.length > 0) {
      throw new ConfigError(configPath, 'output_dir', `${outputDir} holds a run with a different config (${differs.join(', ')}); set "overwrite_output_dir": true or choose another output_dir`);
    }
    const last = listCheckpoints(outputDir).at(-1);
    if (last) {
      const cp = await readCheckpoint(last.dir, spec);
      startParams = cp.params;
      opt = cp.opt;
      resume = { state: cp.state, bestParams: cp.bestParams };
      resumedFrom = cp.step;
      log.truncateAfter(cp.step);
      print(`resuming from ${last.dir} (step ${cp.step})`);
    } else {
      log.truncateAfter(0);
    }
  }
  const newFolder = !existsSync(outputDir);
  mkdirSync(outputDir, { recursive: true });
  writeFileSync(join(outputDir, 'config.json'), configJson);
  try {
    return await trainInFolder();
  } catch (e) {
    // A run that failed before it logged anything (the engine would not start, the sets do not
    // fit) leaves no folder behind: one holding only its config.json would refuse a corrected
    // config as "a run with a different config".
    if (newFolder && readdirSync(outputDir).every((f) => f === 'config.json')) rmSync(outputDir, { recursive: true, force: true });
    throw e;
  }

  async function trainInFolder(): Promise<TrainRunResult> {

    const labelsHead = { spec, labels: [...LABEL_NAMES] };
    const exportBase = {
      encoder: { id: train.manifest.encoder.id, revision: train.manifest.encoder.revision, dtype: train.manifest.dtype },
      training: resolvedConfig as unknown as Record<string, unknown>,
      baseConfig,
      source: cfg.model_name_or_path ?? undefined,
    };
    let bestParams: HeadTensors | null = resume?.bestParams ?? null;
    const engine = await createNodeEngine(spec, {
      engine: cfg.engine,
      threads: cfg.intra_op_num_threads,
      hyper: { beta1: cfg.adam_beta1, beta2: cfg.adam_beta2, eps: cfg.adam_epsilon, weightDecay: cfg.weight_decay },
    });
    const started = Date.now();
    const onEvent = (e: TrainEvent): void => {
      if (e.type === 'log') {
        log.append({ step: e.step, epoch: e.epoch, loss: e.loss, learning_rate: e.learning_rate });
        print(`step ${e.step}  epoch ${e.epoch.toFixed(2)}  loss ${e.loss.toFixed(4)}  lr ${e.learning_rate.toExponential(3)}`);
      } else if (e.type === 'eval') {
        log.append({ step: e.step, epoch: e.epoch, eval_loss: e.eval_loss, eval_accuracy: e.eval_accuracy, eval_precision: e.eval_precision, eval_recall: e.eval_recall, eval_f1: e.eval_f1 });
        print(`eval @ ${e.step}  loss ${e.eval_loss.toFixed(4)}  acc ${e.eval_accuracy.toFixed(4)}  f1 ${e.eval_f1.toFixed(4)}${e.is_best ? '  (best)' : ''}`);
      } else if (e.type === 'start') {
        print(`training ${spec.type} head ${spec.inputDim}→${spec.hiddenSize}→${spec.numLabels} on ${e.numTrain} embeddings (${e.numEval} eval), ${e.totalSteps} steps, engine ${e.engine}`);
      }
    };
    try {
      const result = await runTraining({
        config: trainingPart(cfg),
        spec,
        labels: [...LABEL_NAMES],
        train,
        eval: evalSet,
        engine,
        params: startParams,
        opt,
        resume,
        onEvent,
        control: opts.control,
        stopAfterStep: opts.stopAfter,
        checkpointOnCancel: true,
        onBest: (_step, params) => {
          bestParams = params;
        },
        onCheckpoint: (cp) => {
          writeCheckpoint(outputDir, cp, labelsHead, bestParams, exportBase);
          rotateCheckpoints(outputDir, cfg.save_total_limit);
        },
      }).catch((e: unknown) => {
        if (e instanceof TrainingDivergedError) {
          throw new UserError(`${configPath}: ${e.message} (with a changed config: "overwrite_output_dir": true or another output_dir; ${outputDir} keeps the checkpoints before step ${e.step})`);
        }
        throw e;
      });
      if (result.cancelled) {
        print(`stopped after step ${result.steps}; rerun the same command to resume from the last checkpoint`);
        return { outputDir, steps: result.steps, finished: false, resumedFrom };
      }
      const head: Head = result.head;
      // Metrics of the exported head (the best one with load_best_model_at_end, else the last step's).
      const weights = classWeights(train.labels, spec.numLabels, cfg.class_weights);
      let exported: EvalReport | undefined;
      if (evalSet) {
        await engine.load(head.params, freshAdamState(head.params));
        exported = await evaluateEngine(engine, evalSet, LABEL_NAMES, cfg.per_device_eval_batch_size, weights);
      }
      const exportedIsBest = cfg.load_best_model_at_end && result.bestStep !== null;
      // Best and last evaluation from log.jsonl, which holds the whole run: the trainer's own
      // reports cover only this session's steps (none after a resume past them, or a rerun of a
      // finished run).
      const logged = log.evals();
      const loggedBest = logged.find((e) => e.step === result.bestStep);
      const best = exportedIsBest && exported ? evalScalars(exported) : loggedBest && evalScalars(loggedBest);
      const lastEval = logged.at(-1);
      const trainState = listCheckpoints(outputDir).at(-1);
      const metrics = {
        step: result.steps,
        epoch: result.steps / Math.ceil(train.labels.length / cfg.per_device_train_batch_size),
        best_step: result.bestStep,
        best: best ? { step: result.bestStep, ...best } : null,
        final: lastEval ? { step: lastEval.step, ...evalScalars(lastEval) } : null,
        exported: exportedIsBest ? 'best' : 'final',
        exported_eval: exported ? evalScalars(exported) : null,
        per_class: exported?.metrics.perClass ?? null,
        confusion_matrix: exported?.metrics.confusion ?? null,
        labels: LABEL_NAMES,
        train_runtime_s: (Date.now() - started) / 1000,
        engine: result.engine,
        resumed_from: resumedFrom,
        last_checkpoint: trainState?.dir ?? null,
      };
      writeFileSync(join(outputDir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
      writeHeadFolder(join(outputDir, 'head'), head, { ...exportBase, eval: exported ? evalScalars(exported) : null });
      print(`done: ${result.steps} steps; head exported to ${join(outputDir, 'head')}`);
      return { outputDir, steps: result.steps, finished: true, resumedFrom, head };
    } finally {
      await engine.dispose();
    }
  }
}
