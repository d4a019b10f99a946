// Output folders of `saturi train` (overwrite_output_dir) and `saturi head import|export --out`:
// saturi deletes only what it wrote itself. overwrite_output_dir once removed the whole
// output_dir (with "." the working directory, with "runs" every run), and `head export
// runs/runA --out runs` replaced runs/ with the head, source included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/paths.ts';
import { loadHead } from '../../src/node/head/head-source.ts';
import { exportHeadCommand, importHeadCommand } from '../../src/node/head/head-commands.ts';
import { runTrainFromConfig } from '../../src/node/head/train-run.ts';
import { runEvalFromConfig } from '../../src/node/head/eval-run.ts';
import { PARAM_NAMES } from '../../src/core/head/types.ts';
import { clusteredVectors, sharedTrainConfig, writeLabelledSet } from './head-fixtures.ts';

const quiet = { print: () => {} };

/** Every file under `dir` (relative paths, sorted): what a refused command must leave as it was. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();
}

describe('output folders: saturi deletes only what it wrote', () => {
  const tmp = tempDir('saturi-head-out-');
  const trainDir = join(tmp.dir, 'emb-train');
  const testDir = join(tmp.dir, 'emb-test');
  const baseConfig = { ...sharedTrainConfig(trainDir, testDir), warmup_steps: 0, max_steps: 4, seed: 7, eval_steps: 2, save_steps: 2, save_total_limit: null, classifier_proj_size: 8 };
  let n = 0;
  const writeConfig = (over: Record<string, unknown>, path = join(tmp.dir, `cfg-${++n}.json`)): string => {
    writeFileSync(path, JSON.stringify({ ...baseConfig, ...over }, null, 2));
    return path;
  };
  /** A finished run in `dir` (checkpoint-2, checkpoint-4, head/). */
  const trainRun = async (dir: string, over: Record<string, unknown> = {}): Promise<void> => {
    expect((await runTrainFromConfig(writeConfig({ output_dir: dir, ...over }), quiet)).finished).toBe(true);
  };
  const runsDir = join(tmp.dir, 'runs');
  const runA = join(runsDir, 'runA');
  beforeAll(async () => {
    await writeLabelledSet(trainDir, clusteredVectors(60, 12, 1), 'train');
    await writeLabelledSet(testDir, clusteredVectors(24, 12, 2), 'test');
    await trainRun(runA);
  });
  afterAll(() => tmp.cleanup());

  describe('train: overwrite_output_dir', () => {
    it('replaces a previous run: its checkpoints, log, metrics, head and half-written folders go, the new run starts afresh', async () => {
      const out = join(tmp.dir, 'replace');
      await trainRun(out);
      mkdirSync(join(out, 'head.tmp-99999')); // left by a crash
      // saturi eval's report (configs/eval-head.json writes it into the run folder) and a file
      // browser's .DS_Store are not the user's work either.
      const report = join(out, 'eval-test.json');
      writeFileSync(join(tmp.dir, 'eval-cfg.json'), JSON.stringify({ model_name_or_path: join(out, 'head'), eval_file: testDir, output_file: report }));
      await runEvalFromConfig(join(tmp.dir, 'eval-cfg.json'), quiet);
      writeFileSync(join(out, '.DS_Store'), 'x');
      writeFileSync(join(out, 'head', '.DS_Store'), 'x');
      expect(readdirSync(out).sort()).toEqual(['.DS_Store', 'checkpoint-2', 'checkpoint-4', 'config.json', 'eval-test.json', 'head', 'head.tmp-99999', 'log.jsonl', 'metrics.json']);
      // Another learning rate is another run: refused without the flag, replaced with it.
      const other = writeConfig({ output_dir: out, learning_rate: 1e-3, max_steps: 3, save_steps: 3 });
      await expect(runTrainFromConfig(other, quiet)).rejects.toThrow(/holds a run with a different config \(learning_rate, max_steps, save_steps\)/);
      const r = await runTrainFromConfig(writeConfig({ output_dir: out, learning_rate: 1e-3, max_steps: 3, save_steps: 3, overwrite_output_dir: true }), quiet);
      expect(r).toMatchObject({ finished: true, resumedFrom: null, steps: 3 });
      expect(readdirSync(out).sort()).toEqual(['checkpoint-3', 'config.json', 'head', 'log.jsonl', 'metrics.json']);
      expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).learning_rate).toBe(1e-3);
      const steps = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
      expect(Math.max(...steps)).toBe(3);
    });

    it('refuses, deleting nothing, a folder that holds files no run wrote (notes.txt, an embedding set, files inside head/)', async () => {
      const out = join(tmp.dir, 'mixed');
      cpSync(runA, out, { recursive: true });
      writeFileSync(join(out, 'notes.txt'), 'keep me\n');
      cpSync(trainDir, join(out, 'embeddings'), { recursive: true });
      const before = tree(out);
      const cfg = writeConfig({ output_dir: out, learning_rate: 1e-3, overwrite_output_dir: true });
      await expect(runTrainFromConfig(cfg, quiet)).rejects.toThrow(/key "output_dir" .*mixed holds embeddings\/, notes\.txt, which a training run did not write: .*nothing was deleted; choose another output_dir/);
      expect(tree(out)).toEqual(before);

      // Through the CLI: a user error, exit 2.
      const cli = await runCli(['train', cfg]);
      expect(cli.code).toBe(2);
      expect(cli.stderr).toMatch(/^saturi: .*cfg-\d+\.json: key "output_dir" .*mixed holds embeddings\/, notes\.txt, which a training run did not write/m);
      expect(tree(out)).toEqual(before);

      // A file of the user's inside head/ (or a checkpoint) is not a run's either.
      const inHead = join(tmp.dir, 'in-head');
      cpSync(runA, inHead, { recursive: true });
      writeFileSync(join(inHead, 'head', 'README.md'), '# my head\n');
      writeFileSync(join(inHead, 'checkpoint-2', 'eval.txt'), 'x\n');
      const beforeHead = tree(inHead);
      await expect(runTrainFromConfig(writeConfig({ output_dir: inHead, learning_rate: 1e-3, overwrite_output_dir: true }), quiet)).rejects.toThrow(/holds checkpoint-2\/eval\.txt, head\/README\.md, which a training run did not write/);
      expect(tree(inHead)).toEqual(beforeHead);
      // A config.json that is not a run's resolved config is the user's.
      const userCfg = join(tmp.dir, 'user-config');
      mkdirSync(userCfg);
      writeFileSync(join(userCfg, 'config.json'), '{"model_type": "wav2vec2-bert"}\n');
      await expect(runTrainFromConfig(writeConfig({ output_dir: userCfg, overwrite_output_dir: true }), quiet)).rejects.toThrow(/user-config holds config\.json, which a training run did not write/);
      expect(readFileSync(join(userCfg, 'config.json'), 'utf8')).toBe('{"model_type": "wav2vec2-bert"}\n');
    });

    it('refuses output_dir "runs" holding other runs: every run is kept', async () => {
      const before = tree(runsDir);
      await expect(runTrainFromConfig(writeConfig({ output_dir: runsDir, overwrite_output_dir: true }), quiet)).rejects.toThrow(/runs holds runA\/, which a training run did not write/);
      expect(tree(runsDir)).toEqual(before);
      expect(existsSync(join(runA, 'head', 'model.safetensors'))).toBe(true);
    });

    it('refuses output_dir "." (the working directory) and a folder holding train_file, eval_file or the config file', async () => {
      // The layout of the report: config, embeddings and output_dir "." in one working directory.
      const work = join(tmp.dir, 'work');
      mkdirSync(work);
      cpSync(trainDir, join(work, 'emb-train'), { recursive: true });
      writeFileSync(join(work, 'train.json'), JSON.stringify({ ...baseConfig, train_file: 'emb-train', eval_file: null, output_dir: '.', overwrite_output_dir: true }));
      const before = tree(work);
      const cli = await runCli(['train', 'train.json'], { cwd: work });
      expect(cli.stderr).toMatch(/saturi: train\.json: key "output_dir" .*work is the current working directory: .*nothing was deleted/);
      expect(cli.code).toBe(2);
      expect(tree(work)).toEqual(before);
      // A parent of the working directory.
      const sub = join(work, 'sub');
      mkdirSync(sub);
      writeFileSync(join(sub, 'train.json'), JSON.stringify({ ...baseConfig, train_file: '../emb-train', eval_file: null, output_dir: '..', overwrite_output_dir: true }));
      const fromSub = await runCli(['train', 'train.json'], { cwd: sub });
      expect(fromSub.stderr).toMatch(/key "output_dir" .*work contains the current working directory/);
      expect(fromSub.code).toBe(2);
      expect(existsSync(join(work, 'emb-train', 'index.jsonl'))).toBe(true);

      // A data folder holding the embeddings (train_file or eval_file) or the config file.
      const data = join(tmp.dir, 'data');
      cpSync(trainDir, join(data, 'train'), { recursive: true });
      cpSync(testDir, join(data, 'test'), { recursive: true });
      const beforeData = tree(data);
      await expect(runTrainFromConfig(writeConfig({ output_dir: data, train_file: join(data, 'train'), overwrite_output_dir: true }), quiet)).rejects.toThrow(/data contains train_file .*data\/train: /);
      await expect(runTrainFromConfig(writeConfig({ output_dir: data, eval_file: join(data, 'test'), overwrite_output_dir: true }), quiet)).rejects.toThrow(/data contains eval_file .*data\/test: /);
      const inside = writeConfig({ output_dir: data, overwrite_output_dir: true }, join(data, 'train-head.json'));
      await expect(runTrainFromConfig(inside, quiet)).rejects.toThrow(/data contains the config file .*train-head\.json: /);
      expect(tree(data)).toEqual([...beforeData, 'train-head.json'].sort());
    });

    it('without overwrite_output_dir, a head/ holding other files is refused before training, not emptied at its end', async () => {
      const out = join(tmp.dir, 'head-notes');
      mkdirSync(join(out, 'head'), { recursive: true });
      writeFileSync(join(out, 'head', 'notes.txt'), 'keep me\n');
      await expect(runTrainFromConfig(writeConfig({ output_dir: out }), quiet)).rejects.toThrow(/key "output_dir" .*head holds notes\.txt, not only the files of an exported head/);
      expect(readdirSync(out)).toEqual(['head']);
      expect(readFileSync(join(out, 'head', 'notes.txt'), 'utf8')).toBe('keep me\n');
    });
  });

  describe('head export / import --out', () => {
    it('refuses `head export runs/runA --out runs`: runs/ and the source run are kept', async () => {
      const before = tree(runsDir);
      const r = await runCli(['head', 'export', runA, '--out', runsDir]);
      expect(r.stderr).toMatch(/saturi: --out .*runs holds the source .*runs\/runA: writing the head there would delete it/);
      expect(r.code).toBe(2);
      expect(tree(runsDir)).toEqual(before);
      // --out the source itself, a checkpoint inside it, or the source head folder.
      for (const [from, out] of [
        [runA, runA],
        [join(runA, 'checkpoint-2'), runA],
        [join(runA, 'head'), join(runA, 'head')],
        [join(runA, 'head', 'model.safetensors'), join(runA, 'head')],
      ]) {
        await expect(exportHeadCommand(from, out), `${from} → ${out}`).rejects.toThrow(/--out .* (is|holds) the source /);
      }
      expect(tree(runsDir)).toEqual(before);
    });

    it('refuses an --out that holds anything but a head\'s files, naming them; a file as --out too', async () => {
      const out = join(tmp.dir, 'export-mixed');
      cpSync(trainDir, join(out, 'embeddings'), { recursive: true });
      writeFileSync(join(out, 'notes.txt'), 'keep me\n');
      writeFileSync(join(out, 'config.json'), '{}\n');
      const before = tree(out);
      const r = await runCli(['head', 'export', join(runA, 'checkpoint-4'), '--out', out]);
      expect(r.stderr).toMatch(/saturi: .*export-mixed holds embeddings\/, notes\.txt, not only the files of an exported head \(model\.safetensors, config\.json, saturi_head\.json\): writing the head there would delete them/);
      expect(r.code).toBe(2);
      expect(tree(out)).toEqual(before);
      // import --out (a local head, no network) checks the same before reading anything.
      await expect(importHeadCommand(join(runA, 'head'), { out, checkEncoder: false, print: () => {} })).rejects.toThrow(/export-mixed holds embeddings\/, notes\.txt, not only the files of an exported head/);
      expect(tree(out)).toEqual(before);
      const file = join(out, 'notes.txt');
      await expect(exportHeadCommand(join(runA, 'head'), file)).rejects.toThrow(/notes\.txt is a file, not a head folder/);
      expect(readFileSync(file, 'utf8')).toBe('keep me\n');
    });

    it('replaces a previous head folder (only a head\'s files) as a whole, leaving no temporary folder', async () => {
      const out = join(tmp.dir, 'exported');
      const e1 = await runCli(['head', 'export', join(runA, 'checkpoint-2'), '--out', out]);
      expect(e1.code).toBe(0);
      const e2 = await runCli(['head', 'export', join(runA, 'checkpoint-4'), '--out', out]);
      expect(e2.stderr).toBe('');
      expect(e2.code).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors', 'saturi_head.json']);
      expect(readdirSync(tmp.dir).filter((d) => d.includes('.tmp-'))).toEqual([]);
      const got = await loadHead(out);
      const want = await loadHead(join(runA, 'checkpoint-4'));
      for (const p of PARAM_NAMES) expect(got.head.params[p], p).toEqual(want.head.params[p]);
      // An empty folder is fine too, and so is import over a previous head.
      const empty = join(tmp.dir, 'empty');
      mkdirSync(empty);
      await exportHeadCommand(runA, empty);
      await importHeadCommand(join(runA, 'checkpoint-2'), { out: empty, checkEncoder: false, print: () => {} });
      const imported = await loadHead(empty);
      const cp2 = await loadHead(join(runA, 'checkpoint-2'));
      for (const p of PARAM_NAMES) expect(imported.head.params[p], p).toEqual(cp2.head.params[p]);
    });

    it('takes an --out with a trailing slash (a shell\'s completion) like one without; refuses the working directory', async () => {
      // The temporary folder was made inside the destination, deleted with the previous head,
      // and the command failed: the old head gone, no new one.
      const out = join(tmp.dir, 'slash');
      expect((await runCli(['head', 'export', join(runA, 'checkpoint-2'), '--out', out])).code).toBe(0);
      const r = await runCli(['head', 'export', join(runA, 'checkpoint-4'), '--out', `${out}/`]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors', 'saturi_head.json']);
      const got = await loadHead(out);
      const want = await loadHead(join(runA, 'checkpoint-4'));
      for (const p of PARAM_NAMES) expect(got.head.params[p], p).toEqual(want.head.params[p]);
      await importHeadCommand(join(runA, 'checkpoint-2'), { out: `${join(tmp.dir, 'slash-new')}/`, checkEncoder: false, print: () => {} });
      expect(readdirSync(join(tmp.dir, 'slash-new')).sort()).toEqual(['config.json', 'model.safetensors', 'saturi_head.json']);
      expect(readdirSync(tmp.dir).filter((d) => d.includes('.tmp-'))).toEqual([]);
      // `--out .` in a folder of only a previous head would replace the working directory itself.
      const here = join(tmp.dir, 'here');
      expect((await runCli(['head', 'export', join(runA, 'head'), '--out', here])).code).toBe(0);
      const before = tree(here);
      const dot = await runCli(['head', 'export', join(runA, 'checkpoint-2'), '--out', '.'], { cwd: here });
      expect(dot.stderr).toMatch(/saturi: \. is the working directory: writing the head there would replace the folder itself/);
      expect(dot.code).toBe(2);
      expect(tree(here)).toEqual(before);
      expect(readdirSync(here).filter((d) => d.includes('.tmp-'))).toEqual([]);
    });
  });
});
