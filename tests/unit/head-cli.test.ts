import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/paths.ts';
import { loadHead } from '../../src/node/head/head-source.ts';
import { PARAM_NAMES } from '../../src/core/head/types.ts';
import { exportHead } from '../../src/core/head/hf-format.ts';
import { runTrainFromConfig } from '../../src/node/head/train-run.ts';
import { runEvalFromConfig } from '../../src/node/head/eval-run.ts';
import { LABEL_NAMES } from '../../src/core/config/labels.ts';

const quiet = { print: () => {} };
import { clusteredVectors, sharedTrainConfig, writeLabelledSet } from './head-fixtures.ts';

describe('saturi train / eval', () => {
  const tmp = tempDir('saturi-head-cli-');
  const trainDir = join(tmp.dir, 'emb-train');
  const testDir = join(tmp.dir, 'emb-test');
  const baseConfig = {
    ...sharedTrainConfig(trainDir, testDir),
    weight_decay: 0.01,
    warmup_steps: 2,
    num_train_epochs: 3,
    per_device_eval_batch_size: 32,
    seed: 42,
    eval_steps: 4,
    save_steps: 4,
    save_total_limit: 2,
    load_best_model_at_end: true,
    class_weights: true,
    classifier_proj_size: 12,
  };
  const writeConfig = (name: string, over: Record<string, unknown>): string => {
    const path = join(tmp.dir, `${name}.json`);
    writeFileSync(path, JSON.stringify({ ...baseConfig, output_dir: join(tmp.dir, `run-${name}`), ...over }, null, 2));
    return path;
  };
  beforeAll(async () => {
    await writeLabelledSet(trainDir, clusteredVectors(100, 20, 1), 'train');
    await writeLabelledSet(testDir, clusteredVectors(40, 20, 2), 'test');
  });
  afterAll(() => tmp.cleanup());

  it('writes the run folder: config.json, log.jsonl, metrics.json, rotated checkpoints with optimizer state, head/', async () => {
    const cfg = writeConfig('full', {});
    const r = await runCli(['train', cfg]);
    expect(r.stderr).toMatch(/training hf head 20→12→6 on 100 embeddings \(40 eval\), 21 steps, engine cpu/);
    expect(r.code).toBe(0);
    const run = join(tmp.dir, 'run-full');
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ learning_rate: 5e-3, head_type: 'hf', classifier_proj_size: 12, head: { inputDim: 20, hiddenSize: 12 } });
    const log = readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const trainLogs = log.filter((e) => 'loss' in e);
    const evals = log.filter((e) => 'eval_loss' in e);
    expect(trainLogs.map((e) => e.step)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 21]);
    expect(evals.map((e) => e.step)).toEqual([4, 8, 12, 16, 20, 21]);
    for (const e of evals) expect(Object.keys(e).sort()).toEqual(['epoch', 'eval_accuracy', 'eval_f1', 'eval_loss', 'eval_precision', 'eval_recall', 'step']);
    // save_total_limit 2: only the two newest checkpoints remain
    expect(readdirSync(run).filter((d) => d.startsWith('checkpoint-')).sort()).toEqual(['checkpoint-20', 'checkpoint-21']);
    expect(existsSync(join(run, 'checkpoint-21', 'optimizer.safetensors'))).toBe(true);
    expect(JSON.parse(readFileSync(join(run, 'checkpoint-21', 'trainer_state.json'), 'utf8')).global_step).toBe(21);
    const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
    const best = evals.reduce((a, b) => (b.eval_loss < a.eval_loss ? b : a));
    expect(metrics.best_step).toBe(best.step);
    expect(metrics.best.eval_loss).toBeCloseTo(best.eval_loss, 5);
    expect(metrics.final.eval_loss).toBeCloseTo(evals.at(-1).eval_loss, 6);
    expect(metrics.confusion_matrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(40);
    expect(metrics.best.eval_accuracy).toBeGreaterThan(0.5); // chance is 1/6
    const head = await loadHead(join(run, 'head'));
    expect(head.saturi?.encoder).toEqual({ id: 'facebook/w2v-bert-2.0', revision: 'main', dtype: 'fp32' });

    // saturi eval on the exported head reproduces the best evaluation
    const evalCfg = join(tmp.dir, 'eval.json');
    const outFile = join(tmp.dir, 'eval-out.json');
    writeFileSync(evalCfg, JSON.stringify({ model_name_or_path: run, eval_file: testDir, output_file: outFile }));
    const ev = await runCli(['eval', evalCfg]);
    expect(ev.code).toBe(0);
    expect(ev.stdout).toMatch(/macro avg/);
    expect(ev.stdout).toMatch(/confusion matrix/);
    const evOut = JSON.parse(readFileSync(outFile, 'utf8'));
    expect(evOut.eval_accuracy).toBeCloseTo(metrics.best.eval_accuracy, 10);
    expect(evOut.confusion_matrix).toEqual(metrics.confusion_matrix);

    // saturi head export of a checkpoint
    const exp = await runCli(['head', 'export', join(run, 'checkpoint-21'), '--out', join(tmp.dir, 'exp21')]);
    expect(exp.code).toBe(0);
    const h21 = await loadHead(join(tmp.dir, 'exp21'));
    const c21 = await loadHead(join(run, 'checkpoint-21'));
    for (const p of PARAM_NAMES) expect(h21.head.params[p]).toEqual(c21.head.params[p]);
  });

  it('an interrupted run resumes from its last checkpoint and ends with the same parameters', async () => {
    const cfgA = writeConfig('straight', { head_type: 'mlp', mlp_hidden_size: 10, mlp_activation: 'gelu', mlp_dropout: 0.2, save_total_limit: null });
    const cfgB = writeConfig('resumed', { head_type: 'mlp', mlp_hidden_size: 10, mlp_activation: 'gelu', mlp_dropout: 0.2, save_total_limit: null });
    // In-process runs (the CLI is the same function; `saturi train --stop-after` is tested in the first test's flow).
    expect((await runTrainFromConfig(cfgA, quiet)).finished).toBe(true);
    const b1 = await runTrainFromConfig(cfgB, { ...quiet, stopAfter: 10 });
    expect(b1).toMatchObject({ finished: false, steps: 10 });
    const runB = join(tmp.dir, 'run-resumed');
    expect(readdirSync(runB).filter((d) => d.startsWith('checkpoint-')).sort()).toEqual(['checkpoint-4', 'checkpoint-8']);
    expect(existsSync(join(runB, 'head'))).toBe(false);
    // Another learning rate is another run: refused, naming the key. Keys in another order and
    // another thread count are the same run.
    const json = JSON.parse(readFileSync(cfgB, 'utf8')) as Record<string, unknown>;
    const other = join(tmp.dir, 'resumed-other.json');
    writeFileSync(other, JSON.stringify({ ...json, learning_rate: 0.123 }));
    await expect(runTrainFromConfig(other, quiet)).rejects.toThrow(/holds a run with a different config \(learning_rate\)/);
    writeFileSync(cfgB, JSON.stringify(Object.fromEntries(Object.entries({ ...json, intra_op_num_threads: 1 }).reverse())));
    const lines: string[] = [];
    const b2 = await runTrainFromConfig(cfgB, { print: (l) => lines.push(l) });
    expect(b2).toMatchObject({ finished: true, resumedFrom: 8, steps: 21 });
    expect(lines.join('\n')).toMatch(/resuming from .*checkpoint-8 \(step 8\)/);
    const runA = join(tmp.dir, 'run-straight');
    for (const sub of ['head', 'checkpoint-21']) {
      const ha = await loadHead(join(runA, sub));
      const hb = await loadHead(join(runB, sub));
      for (const p of PARAM_NAMES) expect(hb.head.params[p], `${sub} ${p}`).toEqual(ha.head.params[p]);
    }
    // The log has no duplicate steps after the resume and matches the uninterrupted one.
    const logA = readFileSync(join(runA, 'log.jsonl'), 'utf8');
    const logB = readFileSync(join(runB, 'log.jsonl'), 'utf8');
    expect(logB).toBe(logA);
    // metrics.json keeps the best and last evaluation from before the resume, and a rerun of the
    // finished run leaves them as they are.
    const metricsOf = (run: string) => JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')) as { best: unknown; final: { step: number } | null; best_step: number };
    const mA = metricsOf(runA);
    expect(mA.best).not.toBeNull();
    expect(mA.final?.step).toBe(21);
    for (const m of [metricsOf(runB), (await runTrainFromConfig(cfgB, quiet), metricsOf(runB))]) {
      expect(m.best_step).toBe(mA.best_step);
      expect(m.best).toEqual(mA.best);
      expect(m.final).toEqual(mA.final);
    }
  });

  it('bad input: unknown keys, labels not in configs/labels.json, mismatched dimensions → exit 2 naming the key or file', async () => {
    const unknown = await runCli(['train', writeConfig('unknown', { learning_rat: 1 })]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown\.json: key "learning_rat" is not a known key/);
    // --stop-after takes a positive step number: "abc" trained to the end, "5x" was read as 5.
    for (const v of ['abc', '5x', '0']) {
      const bad = await runCli(['train', writeConfig('stop', {}), '--stop-after', v]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(`--stop-after must be a positive integer, got "${v}"`);
    }

    const badLabels = join(tmp.dir, 'emb-badlabel');
    await writeLabelledSet(badLabels, clusteredVectors(12, 20, 3), 'train', (i) => (i === 7 ? 'Busan' : 'Jeju-do'), ['Busan']);
    await expect(runTrainFromConfig(writeConfig('labels', { train_file: badLabels }), quiet)).rejects.toThrow(/emb-badlabel\/index\.jsonl: key "row 8 dialect" is "Busan", not a label of configs\/labels\.json/);

    await expect(runTrainFromConfig(writeConfig('column', { label_column_name: 'region' }), quiet)).rejects.toThrow(/key "label_column_name" "region" is not a column/);

    const otherDim = join(tmp.dir, 'emb-dim16');
    await writeLabelledSet(otherDim, clusteredVectors(12, 16, 3), 'test');
    await expect(runTrainFromConfig(writeConfig('dim', { eval_file: otherDim }), quiet)).rejects.toThrow(/key "eval_file" .*emb-dim16 has 16-dimensional embeddings but .*emb-train has 20/);

    // a head to start from whose input size differs from the embeddings
    await expect(runTrainFromConfig(writeConfig('from', { model_name_or_path: join(tmp.dir, 'run-full', 'head'), train_file: otherDim, eval_file: null }), quiet)).rejects.toThrow(/key "model_name_or_path" .*takes 20-dimensional embeddings but .*emb-dim16 \(train_file\) has 16/);

    const evalCfg = join(tmp.dir, 'eval-bad.json');
    writeFileSync(evalCfg, JSON.stringify({ model_name_or_path: join(tmp.dir, 'run-full'), eval_file: otherDim }));
    await expect(runEvalFromConfig(evalCfg)).rejects.toThrow(/eval-bad\.json: key "eval_file" .*16-dimensional embeddings but the head .* takes 20/);
    rmSync(join(tmp.dir, 'run-dim'), { recursive: true, force: true });
  });

  it('starts from an existing head (model_name_or_path) instead of a fresh initialisation', async () => {
    const cfg = writeConfig('finetune', { model_name_or_path: join(tmp.dir, 'run-full', 'head'), max_steps: 3, eval_steps: 0, save_steps: 0, learning_rate: 1e-9, warmup_steps: 0 });
    expect((await runTrainFromConfig(cfg, quiet)).finished).toBe(true);
    const start = await loadHead(join(tmp.dir, 'run-full', 'head'));
    const after = await loadHead(join(tmp.dir, 'run-finetune', 'head'));
    // a tiny learning rate: the parameters stay next to the starting head (not a fresh init)
    for (let i = 0; i < 50; i++) expect(Math.abs(after.head.params.w1[i] - start.head.params.w1[i])).toBeLessThan(1e-6);
  });

  it('warns when the eval set, or the set a head is evaluated on, was not embedded like the training set, and when it is empty', async () => {
    const q8 = join(tmp.dir, 'emb-test-q8');
    await writeLabelledSet(q8, clusteredVectors(40, 20, 2), 'test', undefined, [], { dtype: 'q8' });
    const empty = join(tmp.dir, 'emb-empty');
    await writeLabelledSet(empty, clusteredVectors(0, 20, 2), 'test');
    for (const [name, evalFile, warning] of [
      ['q8-eval', q8, /warning: eval_file .*emb-test-q8 was not embedded like train_file .*emb-train \(dtype differs \(fp32 vs q8\), train vs eval\)/],
      ['empty-eval', empty, /warning: eval_file .*emb-empty holds no embeddings: no evaluation, and load_best_model_at_end has no best to load/],
    ] as const) {
      const lines: string[] = [];
      const cfg = writeConfig(name, { eval_file: evalFile, max_steps: 2, eval_steps: 0, save_steps: 0 });
      expect((await runTrainFromConfig(cfg, { print: (l: string) => lines.push(l) })).finished).toBe(true);
      expect(lines.join('\n')).toMatch(warning);
    }
    // A training set without 서울·경기 rows, evaluated on a set with them: the head never learns the
    // class, and with class_weights its eval rows weigh 0 in eval_loss, the best-checkpoint metric.
    const noSeoul = join(tmp.dir, 'emb-train-no-seoul');
    const trainVectors = clusteredVectors(100, 20, 1);
    await writeLabelledSet(noSeoul, trainVectors, 'train', (i) => (trainVectors.labels[i] === 5 ? 'Jeju-do' : LABEL_NAMES[trainVectors.labels[i]!]!));
    const seoulInTest = [...clusteredVectors(40, 20, 2).labels].filter((l) => l === 5).length;
    expect(seoulInTest).toBeGreaterThan(0);
    for (const classWeights of [true, false]) {
      const lines: string[] = [];
      const cfg = writeConfig(`no-seoul-${classWeights}`, { train_file: noSeoul, eval_file: testDir, class_weights: classWeights, max_steps: 2, eval_steps: 0, save_steps: 0 });
      expect((await runTrainFromConfig(cfg, { print: (l: string) => lines.push(l) })).finished).toBe(true);
      const said = lines.filter((l) => l.startsWith('warning:')).join('\n');
      expect(said).toMatch(new RegExp(`warning: eval_file .*emb-test has rows of Seoul_Gyeonggi-do \\(${seoulInTest} rows?\\), which train_file .*emb-train-no-seoul has none of: the head never learns this class`));
      expect(said.includes('with class_weights their weight is 0, so eval_loss')).toBe(classWeights);
    }
    const lines: string[] = [];
    expect((await runTrainFromConfig(writeConfig('all-classes', { eval_file: testDir, max_steps: 2, eval_steps: 0, save_steps: 0 }), { print: (l: string) => lines.push(l) })).finished).toBe(true);
    expect(lines.filter((l) => l.startsWith('warning:'))).toEqual([]);

    const evalCfg = join(tmp.dir, 'eval-kinds.json');
    const evalWith = async (set: string) => {
      writeFileSync(evalCfg, JSON.stringify({ model_name_or_path: join(tmp.dir, 'run-full'), eval_file: set }));
      const lines: string[] = [];
      await runEvalFromConfig(evalCfg, { print: (l) => lines.push(l) });
      return lines.join('\n');
    };
    expect(await evalWith(q8)).toMatch(/warning: the head was trained on embeddings of facebook\/w2v-bert-2\.0@main \(fp32\) but .*emb-test-q8 holds facebook\/w2v-bert-2\.0@main \(q8\)/);
    expect(await evalWith(testDir)).toBe('');
    // Xenova/w2v-bert-2.0 is the ONNX conversion of facebook/w2v-bert-2.0 (the app's and embed's
    // default): the same encoder. Another encoder, or another dtype of the same one, is named.
    const sets = { xenova: ['Xenova/w2v-bert-2.0', 'fp32'], xenovaQ8: ['Xenova/w2v-bert-2.0', 'q8'], other: ['someone/other-encoder', 'fp32'] } as const;
    const said: Record<string, string> = {};
    for (const [name, [id, dtype]] of Object.entries(sets)) {
      const dir = join(tmp.dir, `emb-${name}`);
      await writeLabelledSet(dir, clusteredVectors(40, 20, 2), 'test', undefined, [], { dtype, encoder: { id, revision: 'main' } });
      said[name] = await evalWith(dir);
    }
    expect(said.xenova).toBe('');
    expect(said.xenovaQ8).toMatch(/warning: the head was trained on embeddings of facebook\/w2v-bert-2\.0@main \(fp32\) but .*emb-xenovaQ8 holds Xenova\/w2v-bert-2\.0@main \(q8\) \(fp32 vs q8\)/);
    expect(said.other).toMatch(/\(facebook\/w2v-bert-2\.0 vs someone\/other-encoder\)/);
  });

  it('eval checks where the metrics go before evaluating, and refuses an empty or zipped set, naming the key', async () => {
    const cfgPath = join(tmp.dir, 'eval-out.json');
    const evalWith = (extra: Record<string, unknown>) => {
      writeFileSync(cfgPath, JSON.stringify({ model_name_or_path: join(tmp.dir, 'run-full'), eval_file: testDir, ...extra }));
      return runEvalFromConfig(cfgPath, quiet);
    };
    // A folder that does not exist yet is made (a run folder named in advance, say).
    const nested = join(tmp.dir, 'not-yet', 'there', 'eval.json');
    const report = await evalWith({ output_file: nested });
    expect(JSON.parse(readFileSync(nested, 'utf8')).eval_accuracy).toBe(report.eval_accuracy);
    // A folder given as the file, or '', is refused before the work, not after it.
    await expect(evalWith({ output_file: tmp.dir })).rejects.toThrow(`${cfgPath}: key "output_file" ${tmp.dir} is a folder, not a file name`);
    await expect(evalWith({ output_file: '' })).rejects.toThrow(`${cfgPath}: key "output_file" is empty; give a path or null`);
    const empty = join(tmp.dir, 'emb-eval-empty');
    await writeLabelledSet(empty, clusteredVectors(0, 20, 2), 'test');
    await expect(evalWith({ eval_file: empty })).rejects.toThrow(/key "eval_file" names .*emb-eval-empty, an embedding set with no rows: nothing to evaluate/);
    // A path through a file (ENOTDIR) names the key too, no stack trace.
    const aFile = join(tmp.dir, 'a-file');
    writeFileSync(aFile, 'x');
    await expect(evalWith({ eval_file: join(aFile, 'set') })).rejects.toThrow(/key "eval_file" names .*a-file\/set, which cannot be read as an embedding set/);
    await expect(evalWith({ output_file: join(aFile, 'eval.json') })).rejects.toThrow(/key "output_file" cannot make the folder of .*a-file\/eval\.json: ENOTDIR/);
    const zip = join(tmp.dir, 'set.zip');
    writeFileSync(zip, 'PK');
    await expect(evalWith({ eval_file: zip })).rejects.toThrow(/key "eval_file" names .*set\.zip, a zipped embedding set \(the app's export\): unzip it/);
  });

  it('initializer_range starts a fresh head as transformers does (biases 0), instead of nn.Linear', async () => {
    for (const [name, range] of [['init-hf', 0.02], ['init-linear', null]] as const) {
      const cfg = writeConfig(name, { initializer_range: range, learning_rate: 0, max_steps: 1, eval_steps: 0, save_steps: 0, eval_file: null });
      expect((await runTrainFromConfig(cfg, quiet)).finished).toBe(true);
      const { head } = await loadHead(join(tmp.dir, `run-${name}`, 'head'));
      // learning_rate 0: the exported head is the initialisation itself.
      expect(head.params.b1.every((v) => v === 0), name).toBe(range !== null);
    }
  });

  it('a head started from one with use_weighted_layer_sum is exported without it: it was trained on last_hidden_state', async () => {
    const start = await loadHead(join(tmp.dir, 'run-full', 'head'));
    const weighted = join(tmp.dir, 'head-weighted');
    mkdirSync(weighted);
    const files = exportHead({ ...start.head, layerWeights: new Float32Array(25).fill(0.04) }, { baseConfig: { use_weighted_layer_sum: true } });
    for (const [name, data] of Object.entries(files)) writeFileSync(join(weighted, name), data);
    expect(JSON.parse(readFileSync(join(weighted, 'config.json'), 'utf8')).use_weighted_layer_sum).toBe(true);
    const lines: string[] = [];
    const cfg = writeConfig('from-weighted', { model_name_or_path: weighted, max_steps: 2, eval_steps: 0, save_steps: 1, save_total_limit: 1, warmup_steps: 0 });
    expect((await runTrainFromConfig(cfg, { print: (l: string) => lines.push(l) })).finished).toBe(true);
    expect(lines.join('\n')).toMatch(/warning: .*use_weighted_layer_sum/);
    for (const sub of ['head', 'checkpoint-2']) {
      const config = JSON.parse(readFileSync(join(tmp.dir, 'run-from-weighted', sub, 'config.json'), 'utf8'));
      expect(config.use_weighted_layer_sum, sub).toBe(false);
      expect((await loadHead(join(tmp.dir, 'run-from-weighted', sub))).head.layerWeights, sub).toBeUndefined();
    }
  });
});
