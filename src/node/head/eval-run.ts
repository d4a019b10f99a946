// `saturi eval configs/eval-head.json`: metrics of a head on an embedding set.
import { readFileSync, writeFileSync } from 'node:fs';
import { prepareOutputFile } from '../io/output-file.ts';
import { LABEL_NAMES } from '../../core/config/labels.ts';
import { ConfigError, parseJsonConfig } from '../../core/config/validate.ts';
import { evaluateEngine } from '../../core/head/evaluate.ts';
import { classWeights } from '../../core/head/loss-weights.ts';
import { parseEvalConfig } from '../../core/head/train-config.ts';
import { freshAdamState } from '../../core/head/types.ts';
import type { EvalReport } from '../../core/head/worker-api.ts';
import { UserError } from '../cli/errors.ts';
import { createNodeEngine } from './engine.ts';
import { loadConfiguredHead } from './head-source.ts';
import { loadLabelledSet } from './labelled-set.ts';
import { trainedEncoderDifferences } from '../../core/head/trained-encoder.ts';

export async function runEvalFromConfig(configPath: string, opts: { print?: (line: string) => void } = {}): Promise<EvalReport> {
  const print = opts.print ?? ((l: string) => process.stderr.write(l + '\n'));
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (e) {
    throw new UserError(`${configPath}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`);
  }
  const cfg = parseEvalConfig(parseJsonConfig(text, configPath), configPath);
  // Before the work: a path the metrics cannot be written to would lose them at the end.
  const unwritable = cfg.output_file ? prepareOutputFile(cfg.output_file) : null;
  if (unwritable) throw new ConfigError(configPath, 'output_file', unwritable);
  const set = await loadLabelledSet(cfg.eval_file, cfg.label_column_name, configPath, 'eval_file');
  // Metrics of nothing would print as zeros (scikit-learn gives NaN and a warning).
  if (set.labels.length === 0) throw new ConfigError(configPath, 'eval_file', `names ${set.dir}, an embedding set with no rows: nothing to evaluate`);
  const { head, imported } = await loadConfiguredHead(configPath, cfg.model_name_or_path);
  // As train prints them: a head that used a weighted layer sum, say, is scored on inputs it was not trained on.
  for (const w of imported.warnings) print(`warning: ${w}`);
  if (head.spec.inputDim !== set.dim) {
    throw new ConfigError(configPath, 'eval_file', `${set.dir} has ${set.dim}-dimensional embeddings but the head ${cfg.model_name_or_path} takes ${head.spec.inputDim}`);
  }
  // A head exported by saturi records the embeddings it was trained on.
  const trainedOn = imported.saturi?.encoder;
  const e = set.manifest;
  const diffs = trainedOn ? trainedEncoderDifferences(trainedOn, { id: e.encoder.id, revision: e.encoder.revision, dtype: e.dtype }) : [];
  if (trainedOn && diffs.length) {
    print(`warning: the head was trained on embeddings of ${trainedOn.id}@${trainedOn.revision}${trainedOn.dtype ? ` (${trainedOn.dtype})` : ''} but ${set.dir} holds ${e.encoder.id}@${e.encoder.revision} (${e.dtype}) (${diffs.join(', ')}): the metrics measure it on inputs it was not trained on`);
  }
  const engine = await createNodeEngine(head.spec, { engine: cfg.engine, threads: cfg.intra_op_num_threads });
  try {
    await engine.load(head.params, freshAdamState(head.params));
    const report = await evaluateEngine(engine, set, LABEL_NAMES, cfg.per_device_eval_batch_size, classWeights(set.labels, head.spec.numLabels, cfg.class_weights));
    if (cfg.output_file) {
      const { metrics, ...scalars } = report;
      writeFileSync(cfg.output_file, JSON.stringify({ ...scalars, num_samples: metrics.numSamples, per_class: metrics.perClass, confusion_matrix: metrics.confusion, labels: LABEL_NAMES, head: cfg.model_name_or_path, eval_file: cfg.eval_file }, null, 2) + '\n');
    }
    return report;
  } finally {
    await engine.dispose();
  }
}
