// npm run bench:head — trains the pretrained-size head (1024 → 768 → 6, batch
// 64) for one epoch on 20 000 generated embeddings with every engine available
// in Node, and prints samples/s, GFLOP/s and the ratio to PyTorch on one thread
// of this machine (measured by the issue: ~14 000 samples/s, 67 GFLOP/s).
//
// FLOPs are counted the way the PyTorch figure is: 6 · (D·P + P·L) per sample
// (forward 2, backward 4 multiply-adds per weight). The onnxruntime engine's
// default graph computes the linear head's step through its rank-≤6
// factorisation, so it executes fewer FLOPs than that; both numbers are shown.
import { cpus, loadavg } from 'node:os';
import { initHeadParams } from '../src/core/head/init.ts';
import { runTraining } from '../src/core/head/trainer.ts';
import { freshAdamState, type HeadSpec } from '../src/core/head/types.ts';
import { DEFAULT_TRAINING_CONFIG, type HeadTrainingConfig } from '../src/core/head/worker-api.ts';
import { LABEL_NAMES } from '../src/core/config/labels.ts';
import { Rng } from '../src/core/random/rng.ts';
import { createNodeEngine, type NodeEngineOptions } from '../src/node/head/engine.ts';

const D = 1024;
const P = 768;
const L = 6;
const B = 64;
const N = 20_000;
const PYTORCH_SAMPLES_PER_S = 14_000;
const PYTORCH_GFLOPS = 67;
const repeats = Number(process.env.BENCH_REPEATS ?? 2);

const spec: HeadSpec = { type: 'hf', inputDim: D, hiddenSize: P, numLabels: L, activation: 'none', dropout: 0 };
const nominalFlopsPerSample = 6 * (D * P + P * L);
// Low-rank step per batch: W2·W1 (L·P·D), x·Weffᵀ (B·L·D), A = gᵀx (L·B·D), dW1 = W2ᵀA (P·L·D), dW2 = A·W1ᵀ (L·D·P); 2 FLOPs per multiply-add.
const lowRankFlopsPerSample = (2 * (3 * L * P * D + 2 * B * L * D)) / B;

function generate(): { vectors: Float32Array; labels: Int32Array; dim: number } {
  const rng = new Rng(2024, 'bench-head');
  const vectors = new Float32Array(N * D);
  const labels = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    labels[i] = rng.nextInt(L);
    for (let k = 0; k < D; k++) vectors[i * D + k] = rng.uniform(-1, 1) + (k % L === labels[i] ? 0.5 : 0);
  }
  return { vectors, labels, dim: D };
}

const config: HeadTrainingConfig = {
  ...DEFAULT_TRAINING_CONFIG,
  learning_rate: 5e-5,
  warmup_steps: 50,
  num_train_epochs: 1,
  per_device_train_batch_size: B,
  eval_steps: 0,
  logging_steps: 0,
  save_steps: 0,
};

interface Row {
  engine: string;
  samples: number;
  seconds: number;
  /** Process CPU time (user + system) of the same epoch. */
  cpuSeconds: number;
  executedFlopsPerSample: number;
}

async function bench(name: string, opts: NodeEngineOptions, data: ReturnType<typeof generate>, maxSteps?: number): Promise<Row> {
  const engine = await createNodeEngine(spec, opts);
  const params = initHeadParams(spec, 42);
  // Warm-up: a few steps so session creation and first-run allocations are not timed.
  await runTraining({ config: { ...config, max_steps: 3 }, spec, labels: [...LABEL_NAMES], train: data, engine, params, opt: freshAdamState(params) });
  const cfg = maxSteps ? { ...config, max_steps: maxSteps } : config;
  // Best of `repeats` timed epochs: the machine is shared, the minimum is the least disturbed run.
  let seconds = Infinity;
  let cpuSeconds = Infinity;
  let r!: Awaited<ReturnType<typeof runTraining>>;
  for (let rep = 0; rep < (maxSteps ? 1 : repeats); rep++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    r = await runTraining({ config: cfg, spec, labels: [...LABEL_NAMES], train: data, engine, params, opt: freshAdamState(params) });
    const c = process.cpuUsage(c0);
    const wall = (performance.now() - t0) / 1000;
    if (wall < seconds) {
      seconds = wall;
      cpuSeconds = (c.user + c.system) / 1e6;
    }
  }
  await engine.dispose();
  const samples = Math.min(N, r.steps * B);
  const executed = opts.engine === 'reference' || opts.lowRank === false ? nominalFlopsPerSample : lowRankFlopsPerSample;
  return { engine: name, samples, seconds, cpuSeconds, executedFlopsPerSample: executed };
}

async function main(): Promise<void> {
  console.log(`head bench: ${D} → ${P} → ${L}, batch ${B}, one epoch of ${N} generated embeddings (${Math.ceil(N / B)} steps)`);
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} logical cores, Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; best of ${repeats} epochs per engine`);
  const data = generate();
  const rows: Row[] = [];
  rows.push(await bench('onnxruntime-node, 1 thread (low-rank graph, default)', { engine: 'cpu', threads: 1 }, data));
  rows.push(await bench('onnxruntime-node, 1 thread (textbook graph)', { engine: 'cpu', threads: 1, lowRank: false }, data));
  rows.push(await bench('onnxruntime-node, 1 thread (textbook graph, AdamW in graph)', { engine: 'cpu', threads: 1, lowRank: false, adam: 'graph' }, data));
  rows.push(await bench(`onnxruntime-node, all threads (${cpus().length})`, { engine: 'cpu', threads: 0 }, data));
  rows.push(await bench('TypeScript reference (30 steps, extrapolated)', { engine: 'reference' }, data, 30));
  const pytorchEpoch = N / PYTORCH_SAMPLES_PER_S;
  console.log('');
  console.log('engine'.padEnd(62) + 'samples/s'.padStart(11) + 'GFLOP/s'.padStart(10) + 'exec GFLOP/s'.padStart(14) + 'epoch s'.padStart(10) + 'vs PyTorch'.padStart(12) + 'samples/CPU-s'.padStart(15));
  for (const r of rows) {
    const sps = r.samples / r.seconds;
    const epoch = N / sps;
    console.log(
      r.engine.padEnd(62) +
        sps.toFixed(0).padStart(11) +
        ((sps * nominalFlopsPerSample) / 1e9).toFixed(1).padStart(10) +
        ((sps * r.executedFlopsPerSample) / 1e9).toFixed(1).padStart(14) +
        epoch.toFixed(2).padStart(10) +
        `${(sps / PYTORCH_SAMPLES_PER_S).toFixed(2)}×`.padStart(12) +
        (r.samples / r.cpuSeconds).toFixed(0).padStart(15),
    );
  }
  console.log('');
  console.log(`PyTorch, 1 thread (from the issue): ${PYTORCH_SAMPLES_PER_S} samples/s, ${PYTORCH_GFLOPS} GFLOP/s, one epoch ${pytorchEpoch.toFixed(2)} s; target: CPU engine epoch ≤ ${(2 * pytorchEpoch).toFixed(2)} s (≥ ${PYTORCH_SAMPLES_PER_S / 2} samples/s)`);
  console.log('samples/CPU-s: samples per second of this process\'s CPU time; for a 1-thread engine on a shared machine it is close to what the engine does on an idle core.');
  const main1 = rows[0].samples / rows[0].seconds;
  console.log(`CPU engine (1 thread): epoch ${(N / main1).toFixed(2)} s = ${(N / main1 / pytorchEpoch).toFixed(2)}× PyTorch's time → ${N / main1 <= 2 * pytorchEpoch ? 'within' : 'NOT within'} the 2× target`);
}

await main();
