// npm run bench:encoder — on the same WAV segments, for the tiny model and a larger generated
// one (hidden 256, 8 layers):
//   full pipeline  = read + decode WAV, resample check, features, session.run, pooling, as
//                    `saturi embed` runs it: its default layout on this machine (sessions side by
//                    side, SessionPoolEmbedder, when the copies fit), and one session with files
//                    read and features made in a worker thread beside it (FileEmbedder)
//   bare session   = session.run only, on the same padded batches prepared beforehand: by
//                    onnxruntime's default session over all cores, and by the sessions of the
//                    pool side by side, each on the batches its worker makes
//   one thread     = the same pipeline, all steps in turn on the main thread (the browser
//                    worker's way), to show what the overlap gains
// → pipeline overhead %, and the speed-up of length-bucketed batching over batch size 1; where
// the pipeline's time went (FileEmbedder's timings); and the least overhead any schedule could
// reach on this machine: the session's own work (bare, one thread) plus reading and features
// (alone) spread perfectly over the cores.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, freemem, loadavg } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { encodeWav } from '../src/core/audio/wav-encode.ts';
import { toMono16k } from '../src/core/audio/resample.ts';
import { embedSegments, planEmbedding, preparePlannedBatch, type PreparedBatch } from '../src/core/encoder/pipeline.ts';
import { BENCH_LARGE_CONFIG, TINY_CONFIG, parameterCount, type TinyConformerConfig } from '../src/core/onnx/tiny-conformer.ts';
import { loadEncoder, type NodeEncoder } from '../src/node/encoder/load.ts';
import { chunkBounds, DEFAULT_CHUNK_SIZE, FileEmbedder, timingsSince, type EmbedTimings, type FileRow } from '../src/node/embeddings/file-embedder.ts';
import { chunkParts, leastIndex, poolChunks, SessionPoolEmbedder, sessionLayout } from '../src/node/embeddings/session-pool-embedder.ts';
import { startTsWorker } from '../src/node/threads/ts-worker.ts';
import type { ToBareWorker } from './bare-sessions.worker.ts';
import { SegmentReader } from '../src/node/embeddings/segment-reader.ts';
import { BatchBuffers } from '../src/core/features/batch-buffers.ts';
import { DEFAULT_TINY_MODEL_DIR, makeTinyModel } from '../src/node/encoder/tiny-model.ts';
import { readWavFile } from '../src/node/io/file-source.ts';
import { tempDir } from '../tests/helpers/paths.ts';
import { mulberry32 } from '../src/core/random/mulberry32.ts';

const SR = 16000;
const SEGMENTS = Number(process.env.BENCH_SEGMENTS ?? 32);
const REPS = Number(process.env.BENCH_REPS ?? 5);
/** The tiny model's rounds take a fraction of a second: it gets more of them, for a steadier median. */
const TINY_REPS = Number(process.env.BENCH_TINY_REPS ?? 15);
/** BENCH_MODELS=tiny or =large runs one model only. */
const MODELS = process.env.BENCH_MODELS ?? 'tiny,large';
const BATCH = 8;
/** The tiny model embeds its inputs in a few ms: it gets the files several times over. */
const TINY_REPEAT = Number(process.env.BENCH_TINY_REPEAT ?? 4);

const prng = mulberry32;

/** Segment WAVs with AIHub-like lengths (2–12 s), 16 kHz 16-bit. */
function writeSegments(dir: string): string[] {
  const rnd = prng(7);
  mkdirSync(dir, { recursive: true });
  return Array.from({ length: SEGMENTS }, (_, i) => {
    const n = Math.round((2 + 10 * rnd()) * SR);
    const s = new Float32Array(n);
    const f = 100 + 200 * rnd();
    for (let k = 0; k < n; k++) s[k] = 0.3 * Math.sin((2 * Math.PI * f * k) / SR) * (0.6 + 0.4 * Math.sin(k / 3000)) + 0.02 * (rnd() - 0.5);
    const path = join(dir, `seg${i}.wav`);
    writeFileSync(path, encodeWav(s, SR));
    return path;
  });
}

/**
 * Runs the variants in turn, `reps` rounds after a warm-up round, and returns each one's times
 * by round: interleaving keeps a change in machine load (shared CI runners) from favouring one.
 */
async function interleavedTimes(variants: Record<string, () => Promise<void>>, reps: number): Promise<Record<string, number[]>> {
  const times: Record<string, number[]> = {};
  for (let r = 0; r <= reps; r++) {
    for (const [name, fn] of Object.entries(variants)) {
      const t0 = performance.now();
      await fn();
      if (r > 0) (times[name] ??= []).push(performance.now() - t0);
    }
  }
  return times;
}

/** Runs `fn` while another thread spins on arithmetic alone (no memory traffic, no messages). */
async function withBusyCore(fn: () => Promise<void>): Promise<void> {
  const busy = new Worker('let x = 0; for (;;) x = (x * 1.0000001 + 1) % 1e9;', { eval: true });
  await new Promise((resolve) => busy.once('online', resolve));
  try {
    await fn();
  } finally {
    await busy.terminate();
  }
}

const median = (t: readonly number[]): number => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)]!;
const pct = (ratio: number): string => `${((ratio - 1) * 100).toFixed(1)} %`;

async function fullPipeline(embedder: FileEmbedder | SessionPoolEmbedder, rows: FileRow[], split?: EmbedTimings[]): Promise<void> {
  const before = { ...embedder.timings };
  for await (const chunk of embedder.embed(rows)) if (chunk.rejects.length) throw new Error(chunk.rejects[0]!.reason);
  split?.push(timingsSince(before, embedder.timings));
}

/** The feature worker's work (read, decode, plan, features) on this thread with nothing else running. */
function prepareAlone(enc: NodeEncoder, rows: FileRow[], batchSize: number): void {
  const reader = new SegmentReader();
  for (const [from, to] of chunkBounds(rows.length, DEFAULT_CHUNK_SIZE)) prepareRows(enc, reader, rows.slice(from, to), batchSize);
}

/**
 * The sessions' work but the encoder (read, decode, plan, features into reused buffers), part by
 * part as SessionPoolEmbedder cuts the job for `n` sessions, on this thread with nothing else running.
 */
function prepareAloneLikePool(enc: NodeEncoder, rows: FileRow[], n: number, batchSize: number): void {
  const reader = new SegmentReader();
  const buffers = new BatchBuffers();
  for (const part of poolParts(rows.map((r) => r.path), n)) prepareRows(enc, reader, part.map((i) => rows[i]!), batchSize, buffers);
}

/** The job's rows (indices into `files`) part by part, as SessionPoolEmbedder cuts a job for `n` sessions. */
function* poolParts(files: string[], n: number): Generator<number[]> {
  for (const [from, to] of poolChunks(files.length, n)) for (const rows of chunkParts(files.slice(from, to), n)) yield rows.map((j) => from + j);
}

function prepareRows(enc: NodeEncoder, reader: SegmentReader, rows: FileRow[], batchSize: number, buffers?: BatchBuffers): void {
  const read = reader.readChunk(rows, enc.extractor, { mode: 'eval', batchSize });
  if (read.rejects.length) throw new Error(read.rejects[0]!.reason);
  const ids = read.segments.map((s) => rows[s.row]!.id);
  for (const batch of read.plan.batches) preparePlannedBatch(enc.extractor, read.plan, batch, read.samples, ids, buffers, read.offsets);
}

/**
 * The batches the sessions of a pool of `n` make: each chunk cut into parts as SessionPoolEmbedder
 * cuts it, prepared up front, each part to the session with the least audio so far (the pool
 * hands parts out as sessions finish, which comes to about the same).
 */
function preparedLikePool(enc: NodeEncoder, files: string[], clips: Float32Array[], n: number, batchSize: number): PreparedBatch[][] {
  const opts = { mode: 'eval', batchSize } as const;
  const out: PreparedBatch[][] = Array.from({ length: n }, () => []);
  const load = new Float64Array(n);
  for (const rows of poolParts(files, n)) {
    const part = rows.map((i) => clips[i]!);
    const ids = rows.map((i) => `${i}`);
    const plan = planEmbedding(part.map((c, i) => ({ id: ids[i]!, length: c.length })), enc.extractor, opts);
    const k = leastIndex(load);
    load[k] = load[k]! + part.reduce((a, c) => a + c.length, 0);
    out[k]!.push(...plan.batches.map((batch) => preparePlannedBatch(enc.extractor, plan, batch, part, ids)));
  }
  return out;
}

/**
 * Sessions in worker threads, one per list of batches; run() runs them all at once and resolves
 * when the last is done, with the sessions' session.run time summed.
 */
async function bareSessions(enc: NodeEncoder, threads: number, lists: PreparedBatch[][]): Promise<{ run: () => Promise<number>; close: () => Promise<void> }> {
  const workers = lists.map(() => startTsWorker(new URL('./bare-sessions.worker.ts', import.meta.url)));
  const ask = (w: (typeof workers)[number], m: ToBareWorker) =>
    new Promise<number>((resolve, reject) => {
      const failed = (e: Error) => reject(e);
      w.once('message', (ms: number) => {
        w.off('error', failed);
        resolve(ms);
      });
      w.once('error', failed);
      w.postMessage(m);
    });
  await Promise.all(workers.map((w, k) => ask(w, { type: 'init', load: { ...enc.reload, threads }, batches: lists[k]! })));
  return {
    run: async () => (await Promise.all(workers.map((w) => ask(w, { type: 'run' })))).reduce((a, ms) => a + ms, 0),
    close: async () => void (await Promise.all(workers.map((w) => w.terminate()))),
  };
}

async function inTurn(enc: NodeEncoder, files: string[], batchSize: number): Promise<void> {
  const segs = [];
  for (const [i, f] of files.entries()) segs.push({ id: `s${i}`, samples: toMono16k(await readWavFile(f)) });
  await embedSegments(enc.session, enc.extractor, segs, { mode: 'eval', batchSize });
}

/** Batches in input order (no length bucketing), for comparison. */
async function unbucketed(enc: NodeEncoder, clips: Float32Array[], batchSize: number): Promise<void> {
  for (let i = 0; i < clips.length; i += batchSize) {
    const fb = enc.extractor.extractBatch(clips.slice(i, i + batchSize).map((c) => c.subarray(0, 20 * SR)));
    await enc.session.run(fb.features, BigInt64Array.from(fb.mask, (m) => BigInt(m)), fb.batch, fb.frames);
  }
}

/** The padded batches the pipeline builds for these clips (chunked and bucketed as FileEmbedder does), prepared up front. */
function preparedLikePipeline(enc: NodeEncoder, clips: Float32Array[], batchSize: number): PreparedBatch[] {
  const opts = { mode: 'eval', batchSize } as const;
  return chunkBounds(clips.length, DEFAULT_CHUNK_SIZE).flatMap(([from, to]) => {
    const chunk = clips.slice(from, to);
    const ids = chunk.map((_, i) => `${from + i}`);
    const plan = planEmbedding(chunk.map((c, i) => ({ id: ids[i]!, length: c.length })), enc.extractor, opts);
    return plan.batches.map((batch) => preparePlannedBatch(enc.extractor, plan, batch, chunk, ids));
  });
}

async function benchModel(name: string, dir: string, cfg: TinyConformerConfig, files: string[], repeat: number, reps: number): Promise<void> {
  const t0 = performance.now();
  const { written } = makeTinyModel(dir, cfg);
  const genMs = performance.now() - t0;
  // The files `repeat` times under distinct ids: a job long enough that the pipeline's start-up
  // (first chunk read before the session has work) weighs as little as in a real job.
  const listed = Array.from({ length: repeat }, () => files).flat();
  const fileRows: FileRow[] = listed.map((f, i) => ({ id: `s${i}`, file: f, path: f }));
  const clips = await Promise.all(listed.map(async (f) => toMono16k(await readWavFile(f))));
  const audioSeconds = clips.reduce((a, c) => a + c.length / SR, 0);
  console.log(`\n${name}: hidden ${cfg.hidden}, ${cfg.layers} layers, ~${(parameterCount(cfg) / 1e6).toFixed(2)} M parameters${written ? ` (generated in ${genMs.toFixed(0)} ms)` : ''}; ${listed.length} segments (${files.length} files × ${repeat}), ${audioSeconds.toFixed(0)} s of audio`);
  const line = (label: string, ms: number): string => `    ${label.padEnd(50)} ${ms.toFixed(0).padStart(7)} ms   ${(audioSeconds / (ms / 1000)).toFixed(0).padStart(6)}× real time`;
  // Overhead three ways, since a shared machine's speed drifts between rounds: medians, the
  // median of each round's full/bare (neighbours in time), and best round against best round.
  const overheads = (times: Record<string, number[]>, full: string, bare: string): string => {
    const m = (k: string) => median(times[k]!);
    const perRound = median(times[full]!.map((f, r) => f / times[bare]![r]!));
    const best = Math.min(...times[full]!) / Math.min(...times[bare]!);
    return `${pct(m(full) / m(bare))} of medians, ${pct(perRound)} median by round, ${pct(best)} best against best`;
  };
  {
    // As `saturi embed` runs it here by default.
    const main = await loadEncoder(dir, 'fp32');
    const layout = sessionLayout('auto', undefined, availableParallelism(), main.memoryBytes, freemem());
    if (layout.sessions > 1) {
      const threads = layout.threads!;
      // saturi embed's default batch size on a CPU is 1; bucketed batches of BATCH for comparison.
      const sizes = [1, BATCH];
      const prepared = sizes.map((b) => preparedLikePipeline(main, clips, b));
      const bare = await Promise.all(sizes.map((b) => bareSessions(main, threads, preparedLikePool(main, listed, clips, layout.sessions, b))));
      const pools = await Promise.all(sizes.map((batchSize) => SessionPoolEmbedder.start(layout.sessions, { ...main.reload, threads }, { mode: 'eval', batchSize })));
      const split: EmbedTimings[] = [];
      const bareSummed: number[] = []; // batch size 1: the bare sessions' session.run time, summed, per round
      const variants: Record<string, () => Promise<void>> = {};
      sizes.forEach((b, i) => {
        variants[`bareDefault${b}`] = async () => {
          for (const p of prepared[i]!) await main.session.run(p.features, p.mask64, p.batch, p.frames);
        };
        variants[`barePool${b}`] = async () => {
          const ms = await bare[i]!.run();
          if (b === 1) bareSummed.push(ms);
        };
        variants[`full${b}`] = () => fullPipeline(pools[i]!, fileRows, b === 1 ? split : undefined);
      });
      variants.aloneLikePool = async () => prepareAloneLikePool(main, fileRows, layout.sessions, 1);
      const times = await interleavedTimes(variants, reps);
      for (const b of bare) await b.close();
      for (const p of pools) await p.close();
      const m = Object.fromEntries(Object.entries(times).map(([k, t]) => [k, median(t)]));
      console.log(`  as saturi embed runs it here: ${layout.sessions} sessions side by side, ${threads} thread${threads === 1 ? '' : 's'} each, each reading, making features and running the encoder for its rows:`);
      sizes.forEach((b, i) => {
        const batches = b === 1 ? 'batch size 1 (saturi embed\'s default on a CPU)' : `bucketed batches of ${b}`;
        console.log(`   ${batches}:`);
        console.log(line(`bare session.run, onnxruntime's default session, ${prepared[i]!.length} batches`, m[`bareDefault${b}`]!));
        console.log(line(`bare session.run, ${layout.sessions} sessions side by side`, m[`barePool${b}`]!));
        console.log(line('full pipeline', m[`full${b}`]!));
        console.log(`    pipeline overhead against the default session's bare run: ${overheads(times, `full${b}`, `bareDefault${b}`)}`);
        console.log(`    pipeline overhead against the same sessions' bare run:   ${overheads(times, `full${b}`, `barePool${b}`)}`);
      });
      console.log(`    bucketed batching speed-up over batch size 1:      ${(m.full1! / m[`full${BATCH}`]!).toFixed(2)}×`);
      const medMs = (key: keyof EmbedTimings): number => median(split.slice(1).map((t) => t[key]));
      const med = (key: keyof EmbedTimings): string => `${medMs(key).toFixed(0)} ms`;
      console.log(`    full pipeline's time, batch size 1 (median round, summed over the sessions): encoder ${med('encoderMs')}, reading ${med('readMs')}, features ${med('featuresMs')}, waiting for work ${med('waitMs')}`);
      // No schedule does the encoder's work (the least it took: bare, or in the pipeline, where it
      // includes pooling) and the rest (its time on one thread with nothing else running) on these
      // cores in less than their sum over the cores.
      const encoderWork = Math.min(median(bareSummed), medMs('encoderMs'));
      const least = Math.max(m.barePool1!, (encoderWork + m.aloneLikePool!) / layout.sessions);
      console.log(line('reading + features alone, one thread, parts and buffers as the sessions', m.aloneLikePool!));
      console.log(
        `    least overhead against the same sessions' bare run any schedule could reach, batch size 1: ${pct(least / m.barePool1!)} ` +
          `(encoder ${encoderWork.toFixed(0)} ms, the least of the bare run's ${median(bareSummed).toFixed(0)} ms and the pipeline's ${med('encoderMs')} summed over the sessions, ` +
          `+ reading and features alone ${m.aloneLikePool!.toFixed(0)} ms, spread perfectly over the ${layout.sessions} sessions: ${least.toFixed(0)} ms, against the bare ${m.barePool1!.toFixed(0)} ms)`,
      );
    } else console.log(`  as saturi embed runs it here: one session beside the feature worker (${availableParallelism()} cores, ${(main.memoryBytes / 2 ** 20).toFixed(0)} MB a copy, ${(freemem() / 2 ** 30).toFixed(1)} GB free), below`);
    await main.dispose();
  }
  console.log('  one session, files read and features made in a worker thread beside it (FileEmbedder):');
  const sessions = [
    { label: `onnxruntime's defaults (threads for ${cpus().length} cores, idle threads spin)`, load: {} },
    { label: 'default threads, idle threads sleep (spinning: false)', load: { spinning: false } },
    { label: '1 thread (one core left to the feature worker)', load: { threads: 1 } },
  ];
  let defaultBare = 0;
  let oneThreadBare = 0;
  let alone = 0;
  const split: EmbedTimings[] = []; // per round of the default session's full pipeline, warm-up first
  for (const [k, { label, load }] of sessions.entries()) {
    const all = k === 0;
    const enc = await loadEncoder(dir, 'fp32', load);
    const prepared = preparedLikePipeline(enc, clips, BATCH);
    const embedders = [BATCH, 1].map((batchSize) => new FileEmbedder(enc.session, enc.preprocessorConfig, { mode: 'eval', batchSize }));
    const variants: Record<string, () => Promise<void>> = {
      bare: async () => {
        for (const p of prepared) await enc.session.run(p.features, p.mask64, p.batch, p.frames);
      },
      full: () => fullPipeline(embedders[0]!, fileRows, all ? split : undefined),
    };
    if (all) {
      variants.alone = async () => prepareAlone(enc, fileRows, BATCH);
      variants.bareBusy = () => withBusyCore(async () => {
        for (const p of prepared) await enc.session.run(p.features, p.mask64, p.batch, p.frames);
      });
      variants.one = () => fullPipeline(embedders[1]!, fileRows);
      variants.inTurn = () => inTurn(enc, listed, BATCH);
      variants.unbucketed = () => unbucketed(enc, clips, BATCH);
    }
    const times = await interleavedTimes(variants, reps);
    const m = Object.fromEntries(Object.entries(times).map(([k, t]) => [k, median(t)]));
    for (const e of embedders) await e.close();
    const bare = m.bare!;
    if (all) {
      defaultBare = bare;
      alone = m.alone!;
    }
    if (load.threads === 1) oneThreadBare = bare;
    const full = m.full!;
    console.log(`  one session with ${label}:`);
    console.log(line(`bare session.run, ${prepared.length} prepared batches`, bare));
    console.log(line(`full pipeline, bucketed batches of ${BATCH}`, full));
    console.log(`    pipeline overhead (full / bare − 1):               ${overheads(times, 'full', 'bare')}`);
    if (all) {
      console.log(line('bare session.run, a thread busy with arithmetic', m.bareBusy!));
      console.log(`    what another busy thread costs the bare session:   ${pct(m.bareBusy! / bare)} (more runnable threads than cores: a descheduled onnxruntime thread holds up the others)`);
      console.log(line('full pipeline, batch size 1', m.one!));
      console.log(line(`all steps in turn on one thread, batches of ${BATCH}`, m.inTurn!));
      console.log(line(`features + session, batches of ${BATCH} in input order`, m.unbucketed!));
      console.log(`    bucketed batching speed-up over batch size 1:      ${(m.one! / full).toFixed(2)}×`);
      console.log(`    feature worker overlap over steps in turn:         ${(m.inTurn! / full).toFixed(2)}×`);
      console.log(`    bucketed over input-order batches of ${BATCH}:          ${(m.unbucketed! / full).toFixed(2)}× (padding avoided)`);
      const med = (key: keyof EmbedTimings): string => `${median(split.slice(1).map((t) => t[key])).toFixed(0)} ms`;
      console.log(`    full pipeline's time (median round): encoder ${med('encoderMs')}, waiting for features ${med('waitMs')}; feature worker beside it: reading ${med('readMs')}, features ${med('featuresMs')}`);
      console.log(line('reading + features alone, one thread, no session running', alone));
    }
    await enc.dispose();
  }
  // No schedule does the session's work (at least its one-thread time) and the worker's (at least
  // its time alone) on these cores in less than their sum over the cores, nor beats the bare run.
  const cores = cpus().length;
  const least = Math.max(defaultBare, (oneThreadBare + alone) / cores);
  console.log(`  least overhead one session beside the feature worker could reach on ${cores} cores: ${pct(least / defaultBare)} (bare session at 1 thread ${oneThreadBare.toFixed(0)} ms + reading and features alone ${alone.toFixed(0)} ms, spread perfectly over ${cores} cores, against the default bare ${defaultBare.toFixed(0)} ms)`);
}

const tmp = tempDir('saturi-bench-encoder-');
try {
  const files = writeSegments(join(tmp.dir, 'wav'));
  console.log(`encoder bench: ${SEGMENTS} WAV files of 2–12 s, median of ${TINY_REPS} (tiny model) / ${REPS} (larger model) interleaved rounds after a warm-up round`);
  console.log(`machine: ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, load average ${loadavg()[0]!.toFixed(1)}, Node ${process.version}, onnxruntime-node CPU, fp32`);
  if (MODELS.includes('tiny')) await benchModel('tiny model', DEFAULT_TINY_MODEL_DIR, TINY_CONFIG, files, TINY_REPEAT, TINY_REPS);
  if (MODELS.includes('large')) await benchModel('larger generated model', join(tmp.dir, 'large-model'), BENCH_LARGE_CONFIG, files, 1, REPS);
} finally {
  tmp.cleanup();
}
