import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/paths.ts';
import { findRuns, pickBest, readRun } from '../../src/node/runs/read-run.ts';
import { renderRunsTable, sortRuns } from '../../src/node/runs/runs-table.ts';
import { niceTicks } from '../../src/core/plot/line-chart.ts';
import { runCurvesSvg } from '../../src/core/plot/run-curves.ts';
import { exportHead } from '../../src/core/head/hf-format.ts';
import { initHeadParams } from '../../src/core/head/init.ts';
import { TRAIN_CONFIG_DEFAULTS } from '../../src/core/head/train-config.ts';
import { LABEL_NAMES } from '../../src/core/config/labels.ts';

const { dir, cleanup } = tempDir('saturi-runs-');
const runsDir = join(dir, 'runs');

interface Ev { step: number; eval_loss: number; eval_accuracy: number; eval_precision: number; eval_recall: number; eval_f1: number }

/** A run folder as the trainer writes it: config.json, log.jsonl (log + eval events), metrics.json. */
function writeRun(name: string, config: Record<string, unknown>, losses: number[], evals: Ev[], metrics: Record<string, unknown> | null, extraLines: string[] = [], parent = runsDir): string {
  const d = join(parent, name);
  mkdirSync(join(d, 'checkpoint-100'), { recursive: true });
  writeFileSync(join(d, 'config.json'), JSON.stringify(config));
  const lines: string[] = [];
  losses.forEach((loss, i) => lines.push(JSON.stringify({ step: (i + 1) * 10, epoch: (i + 1) / 10, loss, learning_rate: 1e-3 })));
  for (const e of evals) lines.push(JSON.stringify({ epoch: e.step / 100, ...e }));
  lines.push(...extraLines);
  writeFileSync(join(d, 'log.jsonl'), lines.join('\n') + '\n');
  if (metrics) writeFileSync(join(d, 'metrics.json'), JSON.stringify(metrics));
  return d;
}

const ev = (step: number, loss: number, acc: number, f1: number): Ev => ({ step, eval_loss: loss, eval_accuracy: acc, eval_precision: acc + 0.01, eval_recall: acc, eval_f1: f1 });

beforeAll(() => {
  // Run A: the lowest eval loss is at step 100 (not the highest F1, which is step 150).
  // Config and metrics.json keys as src/node/head/train-run.ts writes them.
  writeRun('a-hf-lr1e-3', { learning_rate: 1e-3, head_type: 'hf', classifier_proj_size: 768 }, [1.8, 1.6, 1.5, 1.3, 1.2, 1.1, 1.0, 0.9, 0.85, 0.8, 0.8, 0.78, 0.77, 0.76, 0.75],
    [ev(50, 1.2, 0.40, 0.38), ev(100, 1.0, 0.52, 0.50), ev(150, 1.1, 0.55, 0.53)], { final: { eval_loss: 1.1 } });
  // Run B: metrics.json names its best step explicitly; one damaged log line.
  writeRun('b-mlp-lr5e-5', { learning_rate: 5e-5, head_type: 'mlp', classifier_proj_size: 768, mlp_hidden_size: 256 }, [1.9, 1.85, 1.8, 1.7, 1.65],
    [ev(25, 1.5, 0.3, 0.25), ev(50, 1.4, 0.62, 0.61)], { step: 50, best_step: 50, best: { step: 50, eval_loss: 1.4, eval_accuracy: 0.62 } }, ['{"step": 60, "loss": 1.6', '']);
  // Not a run: ignored when listing the parent.
  mkdirSync(join(runsDir, 'notes'), { recursive: true });
});
afterAll(() => cleanup());

describe('run folders', () => {
  it('reads config, log and metrics, skipping and reporting a damaged line', async () => {
    const dirs = await findRuns([runsDir]);
    expect(dirs.map((d) => d.split('/').pop())).toEqual(['a-hf-lr1e-3', 'b-mlp-lr5e-5']);
    const b = await readRun(dirs[1]!);
    expect(b.warnings).toEqual([`${join(dirs[1]!, 'log.jsonl')}: line 8 is not valid JSON, skipped`]);
    expect(b.log).toHaveLength(7);
    expect(b.head).toBe('mlp/256');
    expect(b.best).toMatchObject({ step: 50, accuracy: 0.62, f1: 0.61 });
    const a = await readRun(dirs[0]!);
    expect(a.steps).toBe(150);
    expect(a.head).toBe('hf/768');
    expect(a.best).toMatchObject({ step: 100, loss: 1.0, accuracy: 0.52, f1: 0.5 });
  });

  it('picks the best evaluation: named step, else lowest loss, else highest F1', () => {
    const evals = [
      { step: 1, epoch: null, loss: 2, accuracy: 0.1, precision: 0.1, recall: 0.1, f1: 0.1 },
      { step: 2, epoch: null, loss: 1, accuracy: 0.2, precision: 0.2, recall: 0.2, f1: 0.2 },
      { step: 3, epoch: null, loss: 1.5, accuracy: 0.3, precision: 0.3, recall: 0.3, f1: 0.3 },
    ];
    expect(pickBest(evals, {})!.step).toBe(2);
    expect(pickBest(evals, { best_step: 3 })!.step).toBe(3);
    expect(pickBest(evals.map((e) => ({ ...e, loss: null })), {})!.step).toBe(3);
    expect(pickBest([], { best_eval: { eval_accuracy: 0.7, eval_f1: 0.6 } })).toMatchObject({ accuracy: 0.7, f1: 0.6 });
  });

  it('renders a comparison table sorted by F1', async () => {
    const runs = await Promise.all((await findRuns([runsDir])).map(readRun));
    const table = renderRunsTable(sortRuns(runs, 'f1')).trim().split('\n');
    expect(table[0]!.split(/\s+/)).toEqual(['run', 'head', 'lr', 'steps', 'best@', 'eval_loss', 'accuracy', 'precision', 'recall', 'f1']);
    expect(table[2]!.split(/\s+/)).toEqual(['b-mlp-lr5e-5', 'mlp/256', '5e-5', '50', '50', '1.4000', '0.6200', '0.6300', '0.6200', '0.6100']);
    expect(table[3]!.split(/\s+/)).toEqual(['a-hf-lr1e-3', 'hf/768', '1e-3', '150', '100', '1.0000', '0.5200', '0.5300', '0.5200', '0.5000']);
    expect(sortRuns(runs, 'loss').map((r) => r.name)).toEqual(['a-hf-lr1e-3', 'b-mlp-lr5e-5']);
  });
});

describe('saturi runs', () => {
  it('lists runs from --runs-dir, and warns about damaged lines', async () => {
    const r = await runCli(['runs', '--runs-dir', runsDir, '--sort', 'accuracy']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: ');
    expect(r.stderr).toContain('line 8 is not valid JSON');
    const rows = r.stdout.trim().split('\n').slice(2).map((l) => l.split(/\s+/)[0]);
    expect(rows).toEqual(['b-mlp-lr5e-5', 'a-hf-lr1e-3']);
  });

  it('an output in a missing folder, or a folder, is a clear error (exit 2), not a stack trace', async () => {
    for (const [out, msg] of [[join(dir, 'nope', 'c.svg'), 'its folder'], [dir, 'the plot is written as .svg or .png'], [join(dir, 'nope', 'c.png'), 'its folder']] as const) {
      const r = await runCli(['runs', 'plot', join(runsDir, 'a-hf-lr1e-3'), '--out', out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`saturi: ${out}: ${msg}`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('writes SVG curves whose paths follow the logged values, and a PNG', async () => {
    const out = join(dir, 'curves.svg');
    let r = await runCli(['runs', 'plot', join(runsDir, 'a-hf-lr1e-3'), join(runsDir, 'b-mlp-lr5e-5'), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    const paths = [...svg.matchAll(/<path class="series" data-name="([^"]+)" d="([^"]+)"/g)].map((m) => ({
      name: m[1]!,
      pts: m[2]!.split(/[ML]/).filter(Boolean).map((p) => p.split(',').map(Number) as [number, number]),
    }));
    expect(paths.map((p) => p.name)).toEqual([
      'a-hf-lr1e-3: train loss', 'a-hf-lr1e-3: eval loss', 'b-mlp-lr5e-5: train loss', 'b-mlp-lr5e-5: eval loss',
      'a-hf-lr1e-3: accuracy', 'a-hf-lr1e-3: macro F1', 'b-mlp-lr5e-5: accuracy', 'b-mlp-lr5e-5: macro F1',
    ]);
    const trainA = paths[0]!.pts;
    expect(trainA).toHaveLength(15);
    // x grows with step; y (screen, downwards) grows as the loss falls, and stays level where the loss does.
    for (let i = 1; i < trainA.length; i++) expect(trainA[i]![0]).toBeGreaterThan(trainA[i - 1]![0]);
    expect(trainA[1]![1]).toBeGreaterThan(trainA[0]![1]);
    expect(trainA[10]![1]).toBeCloseTo(trainA[9]![1], 5);
    // Accuracy is on a fixed 0..1 axis: 0.62 sits above 0.52 on screen.
    const accB = paths[6]!.pts;
    expect(accB).toHaveLength(2);
    expect(accB[1]![1]).toBeLessThan(paths[4]!.pts[1]![1]);

    const png = join(dir, 'curves.png');
    r = await runCli(['runs', 'plot', runsDir, '--out', png]);
    expect(r.code, r.stderr).toBe(0);
    const b = readFileSync(png);
    expect(b.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(b.readUInt32BE(16)).toBe(800);
  });

  it('reads and plots a log of 150 000 lines (logging_steps 1 on a long run), and marks a lone point', async () => {
    const elsewhere = join(dir, 'more-runs');
    const long = writeRun('c-long', { learning_rate: 1e-3, head_type: 'hf', classifier_proj_size: 8 }, Array.from({ length: 150_000 }, (_, i) => 2 - i / 100_000), [ev(1_500_000, 0.5, 0.7, 0.69)], null, [], elsewhere);
    const run = await readRun(long);
    expect(run.steps).toBe(1_500_000);
    const svg = runCurvesSvg([run]);
    expect(svg).toContain('data-name="train loss"');
    // One logged loss: a path of no length draws nothing, so the point is marked.
    const one = writeRun('d-one', { learning_rate: 1e-3, head_type: 'hf', classifier_proj_size: 8 }, [1.7], [], null, [], elsewhere);
    const lone = runCurvesSvg([await readRun(one)]);
    expect(lone).toMatch(/<path class="series" data-name="train loss" d="M[\d.]+,[\d.]+"/);
    expect(lone).toMatch(/<circle cx="[\d.]+" cy="[\d.]+" r="2.5"/);
  });

  it('rejects a folder with no runs', async () => {
    await expect(findRuns([join(runsDir, 'notes')])).rejects.toThrow(`${join(runsDir, 'notes')}: not a training run folder and holds none`);
  });
});

/** An exported head folder as the trainer writes head/ and each checkpoint folder (src/core/head/hf-format.ts exportHead). */
function writeExportedHead(d: string, extra: Record<string, string> = {}): string {
  const spec = { type: 'hf' as const, inputDim: 16, hiddenSize: 8, numLabels: LABEL_NAMES.length, activation: 'none' as const, dropout: 0 };
  const files = exportHead({ spec, params: initHeadParams(spec, 1), labels: [...LABEL_NAMES] }, { training: { learning_rate: 1e-3, train_file: 'emb/train', output_dir: 'runs/x' } });
  mkdirSync(d, { recursive: true });
  for (const [name, data] of Object.entries({ ...files, ...extra })) writeFileSync(join(d, name), data);
  return d;
}

describe('exported heads are not runs', () => {
  it('a run\'s head/ or checkpoint-*/ given directly is a clear error naming it and its run', async () => {
    const run = join(runsDir, 'a-hf-lr1e-3');
    const head = writeExportedHead(join(run, 'head'));
    const cp = writeExportedHead(join(run, 'checkpoint-100'), { 'trainer_state.json': '{"global_step": 100}' });
    await expect(findRuns([head])).rejects.toThrow(`${head}: an exported head (config.json + model.safetensors), not a training run folder; point at its run folder ${run}`);
    await expect(findRuns([cp])).rejects.toThrow(`${cp}: a training checkpoint (an exported head)`);
    // The run itself still reads as before, and listing runsDir does not descend into heads.
    expect(await findRuns([run])).toEqual([run]);
    expect((await findRuns([runsDir])).map((d) => d.split('/').pop())).toEqual(['a-hf-lr1e-3', 'b-mlp-lr5e-5']);

    for (const args of [['runs', head], ['runs', 'plot', head, '--out', join(dir, 'head.svg')]]) {
      const r = await runCli(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`saturi: ${head}: an exported head`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a folder of exported heads holds no runs; a just-started run (only the trainer\'s config.json) is one', async () => {
    const exports = join(dir, 'exports');
    writeExportedHead(join(exports, 'head-a'));
    writeExportedHead(join(exports, 'head-b'));
    await expect(findRuns([exports])).rejects.toThrow(
      `${exports}: not a training run folder and holds none (a run has log.jsonl, metrics.json or the trainer's config.json); it holds exported heads (head-a, head-b), which are not runs`,
    );
    const r = await runCli(['runs', '--runs-dir', exports]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('it holds exported heads (head-a, head-b)');

    // A head's config.json alone (no weights) is still not a run.
    const configOnly = join(exports, 'config-only');
    mkdirSync(configOnly);
    writeFileSync(join(configOnly, 'config.json'), JSON.stringify({ architectures: ['Wav2Vec2BertForSequenceClassification'], model_type: 'wav2vec2-bert', id2label: { 0: 'a' } }));
    await expect(findRuns([configOnly])).rejects.toThrow(`${configOnly}: an exported head`);

    // The config.json train-run.ts writes first (resolved config + head spec), before any log line.
    const fresh = join(exports, 'fresh-run');
    mkdirSync(fresh);
    const spec = { type: 'hf', inputDim: 16, hiddenSize: 8, numLabels: 6, activation: 'none', dropout: 0 };
    writeFileSync(join(fresh, 'config.json'), JSON.stringify({ ...TRAIN_CONFIG_DEFAULTS, train_file: 'emb/train', output_dir: fresh, head: spec }, null, 2));
    expect(await findRuns([exports])).toEqual([fresh]);
    const info = await readRun(fresh);
    expect(info).toMatchObject({ name: 'fresh-run', evals: [], best: null, head: 'hf/768' });
  });
});

describe('plot helpers', () => {
  it('chooses round ticks', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 150, 6)).toEqual([0, 20, 40, 60, 80, 100, 120, 140]);
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.73, 1.87)).toEqual([0.8, 1, 1.2, 1.4, 1.6, 1.8]);
  });
  it('escapes run names in the SVG', () => {
    expect(runCurvesSvg([{ name: 'a<b>&"c"', log: [{ step: 1, loss: 1 }] }])).toContain('a&lt;b&gt;&amp;&quot;c&quot;');
  });
});
