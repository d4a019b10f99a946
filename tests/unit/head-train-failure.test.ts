// A training run that fails before it logs anything (here: the engine will not start) leaves no
// run folder behind, so a corrected config can use the same output_dir; a folder that held an
// earlier run is never removed.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../helpers/paths.ts';
import { clusteredVectors, sharedTrainConfig, writeLabelledSet } from './head-fixtures.ts';
import { runTrainFromConfig } from '../../src/node/head/train-run.ts';
import { UserError } from '../../src/node/cli/errors.ts';

const engineFails = vi.hoisted(() => ({ on: false }));
vi.mock('../../src/node/head/engine.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/node/head/engine.ts')>();
  return {
    ...real,
    createNodeEngine: (...args: Parameters<typeof real.createNodeEngine>) =>
      engineFails.on ? Promise.reject(new Error('onnxruntime-node: cannot load the CPU engine')) : real.createNodeEngine(...args),
  };
});

const quiet = { print: () => {} };

describe('saturi train: a run that fails before its first step', () => {
  const tmp = tempDir('saturi-train-fail-');
  const trainDir = join(tmp.dir, 'emb-train');
  const testDir = join(tmp.dir, 'emb-test');
  const config = (name: string, over: Record<string, unknown>) => {
    const path = join(tmp.dir, `${name}.json`);
    writeFileSync(path, JSON.stringify({ ...sharedTrainConfig(trainDir, testDir), max_steps: 4, eval_steps: 2, save_steps: 2, ...over }));
    return path;
  };
  beforeAll(async () => {
    await writeLabelledSet(trainDir, clusteredVectors(48, 8, 1), 'train');
    await writeLabelledSet(testDir, clusteredVectors(24, 8, 2), 'test');
  });
  afterAll(() => tmp.cleanup());
  beforeEach(() => {
    engineFails.on = false;
  });

  it('leaves no folder, and a changed config then trains in the same output_dir', async () => {
    const out = join(tmp.dir, 'run-new');
    engineFails.on = true;
    await expect(runTrainFromConfig(config('first', { output_dir: out }), quiet)).rejects.toThrow(/cannot load the CPU engine/);
    expect(existsSync(out)).toBe(false);
    engineFails.on = false;
    const r = await runTrainFromConfig(config('second', { output_dir: out, learning_rate: 1e-3 }), quiet);
    expect(r.finished).toBe(true);
    expect(readdirSync(out)).toContain('head');
  });

  it('keeps a folder that held an earlier run, checkpoints and all', async () => {
    const out = join(tmp.dir, 'run-kept');
    const cfg = config('kept', { output_dir: out });
    await runTrainFromConfig(cfg, quiet);
    const before = readdirSync(out).sort();
    engineFails.on = true;
    await expect(runTrainFromConfig(cfg, quiet)).rejects.toThrow(/cannot load the CPU engine/);
    engineFails.on = false;
    expect(readdirSync(out).sort()).toEqual(before);
  });

  it('a run whose loss becomes NaN stops with an error naming the config and step; its earlier checkpoints are kept', async () => {
    const out = join(tmp.dir, 'run-diverged');
    const cfg = config('diverged', { output_dir: out, learning_rate: 1e30, warmup_steps: 0, max_grad_norm: 0, max_steps: 40, save_steps: 1, eval_steps: 0 });
    const err = (await runTrainFromConfig(cfg, quiet).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(UserError);
    const step = Number(/at step (\d+)/.exec(err.message)?.[1]);
    expect(err.message).toContain(`${cfg}: training diverged: the loss is`);
    expect(err.message).toContain('overwrite_output_dir');
    expect(step).toBeGreaterThan(1);
    // No head was exported; the checkpoints of the steps before are there.
    expect(existsSync(join(out, 'head'))).toBe(false);
    expect(existsSync(join(out, `checkpoint-${step - 1}`))).toBe(true);
  });

  it('names the file when a checkpoint to resume from is damaged', async () => {
    const out = join(tmp.dir, 'run-damaged');
    const cfg = config('damaged', { output_dir: out });
    await runTrainFromConfig(cfg, { ...quiet, stopAfter: 2 });
    const cp = join(out, 'checkpoint-2');
    const state = readFileSync(join(cp, 'trainer_state.json'));
    writeFileSync(join(cp, 'trainer_state.json'), '{"global_step": 2,');
    await expect(runTrainFromConfig(cfg, quiet)).rejects.toThrow(`${join(cp, 'trainer_state.json')}: not valid JSON`);
    writeFileSync(join(cp, 'trainer_state.json'), state);
    writeFileSync(join(cp, 'optimizer.safetensors'), '{}');
    await expect(runTrainFromConfig(cfg, quiet)).rejects.toThrow(join(cp, 'optimizer.safetensors'));
  });
});
