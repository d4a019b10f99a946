// `saturi embed`: a segment CSV → an embedding set. Resumable (ids already in the set are
// skipped), shardable (--shard k/N picks a fixed subset by id hash, so N machines split one
// CSV), and tolerant of bad input (unreadable / too-short / non-finite audio is written with
// its reason to rejects.jsonl and the job goes on).
import { readFileSync } from 'node:fs';
import { availableParallelism, freemem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { strictUtf8 } from '../../core/io/utf8.ts';
import { notUtf8Message } from '../pipeline/csv-io.ts';
import { LABEL_NAMES } from '../../core/config/labels.ts';
import { createManifest, MANIFEST_FILE, type EncoderDtype, type EmbeddingIndexRow, type EmbeddingManifest } from '../../core/encoder/embedding-set.ts';
import { legacyModelFolderFingerprint } from '../encoder/folder-fingerprint.ts';
import { DEFAULT_CROP_SEED, DEFAULT_MAX_LENGTH_SECONDS } from '../../core/encoder/crop.ts';
import { DEFAULT_BATCH_SIZE } from '../../core/encoder/pipeline.ts';
import type { EmbedOptions, LoadProgress, ModelSource } from '../../core/encoder/worker-api.ts';
import { defaultModelCacheDir, encoderFacts, hubSettings, loadEncoder, type NodeEncoder } from '../encoder/load.ts';
import { FileEmbedder, type EmbedTimings } from './file-embedder.ts';
import { SessionPoolEmbedder, sessionLayout, type FirstSession, type SessionLayout } from './session-pool-embedder.ts';
import { FolderLockedError, lockFolder } from '../io/folder-lock.ts';
import { EmbeddingSetAppender, appendReject, readRejects, writeRejects, type RejectRow } from './io.ts';

export class EmbedInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbedInputError';
  }
}

export interface Shard {
  /** 0-based shard index. */
  index: number;
  count: number;
}

/** Parses "k/N" (k = 0 … N−1). */
/**
 * The split a CSV's name implies when --split is not given: eval when one of its words (split at
 * anything but a letter) is eval, evaluation, test, testing, valid, validation or dev, as in eval.csv or
 * kss_test.csv; else train. Words, not substrings: latest.csv and contest.csv are training sets.
 */
export function splitFromCsvName(csvPath: string): 'train' | 'eval' {
  const words = basename(csvPath).replace(/\.[^.]*$/, '').toLowerCase().split(/[^a-z]+/);
  return words.some((w) => ['eval', 'evaluation', 'test', 'testing', 'valid', 'validation', 'dev'].includes(w)) ? 'eval' : 'train';
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new EmbedInputError(`--shard must look like k/N (e.g. 0/4), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new EmbedInputError(`--shard ${text}: k must be 0 … N−1 and N ≥ 1`);
  return { index, count };
}

/** FNV-1a of the id: a row's shard depends only on its id, never on CSV order or machine. */
export function shardOf(id: string, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h % count;
}

export interface EmbedJobRow {
  id: string;
  name: string;
  /** Path as written in the CSV. */
  path: string;
  /** Resolved path on disk (relative paths are relative to the CSV's folder). */
  file: string;
  dialect: string;
  speaker?: string;
}

/**
 * The revision a set in `out` recorded for this local model folder when the folder's digest still
 * covered every onnx/ file (before it was scoped to the dtype): that set resumes with the same
 * folder instead of being refused as another encoder. Null when there is no such set.
 */
function legacyFolderRevision(out: string, manifest: EmbeddingManifest, folder: string): string | null {
  try {
    const old = JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')) as { encoder?: { id?: unknown; revision?: unknown } };
    const revision = old.encoder?.revision;
    if (old.encoder?.id !== manifest.encoder.id || revision === manifest.encoder.revision) return null;
    return revision === `local-${legacyModelFolderFingerprint(folder)}` ? revision : null;
  } catch {
    return null; // no set there yet, or one the appender will name the problem of
  }
}

export interface CsvReadResult {
  rows: EmbedJobRow[];
  /** Rows refused before any audio is read (unknown dialect, duplicate id). */
  rejects: RejectRow[];
}

/** Reads the segment CSV (at least path and dialect columns; name, speaker, id optional). */
export function readSegmentCsv(csvPath: string, labels: readonly string[] = LABEL_NAMES): CsvReadResult {
  let text: string;
  try {
    text = strictUtf8(readFileSync(csvPath), (line, byte) => new EmbedInputError(notUtf8Message(csvPath, line, byte)));
  } catch (e) {
    if (e instanceof EmbedInputError) throw e;
    throw new EmbedInputError(`${csvPath}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let records: Record<string, string>[];
  let lines: number[];
  try {
    // info: each record's line number, for messages (empty lines and quoted line breaks make it differ from the record count)
    const parsed = parse(text, { columns: true, skip_empty_lines: true, bom: true, trim: true, info: true }) as { record: Record<string, string>; info: { lines: number } }[];
    records = parsed.map((p) => p.record);
    lines = parsed.map((p) => p.info.lines);
  } catch (e) {
    throw new EmbedInputError(`${csvPath}: not a valid CSV: ${(e as Error).message}`);
  }
  if (records.length > 0) {
    for (const col of ['path', 'dialect']) {
      if (!(col in records[0]!)) throw new EmbedInputError(`${csvPath}: missing column "${col}" (columns: ${Object.keys(records[0]!).join(', ')})`);
    }
  }
  const base = dirname(resolve(csvPath));
  const known = new Set(labels);
  const seen = new Set<string>();
  // Resolved file → the CSV line that listed it: "./a.wav" and "a.wav" are one recording.
  const files = new Map<string, number>();
  const rows: EmbedJobRow[] = [];
  const rejects: RejectRow[] = [];
  records.forEach((r, i) => {
    const line = lines[i]!;
    const path = (r.path ?? '').replaceAll('\\', '/');
    const id = (r.id ?? '').trim() || path;
    if (!path) {
      rejects.push({ id: id || `row-${line}`, path: '', reason: `CSV line ${line}: empty path` });
      return;
    }
    if (seen.has(id)) {
      rejects.push({ id, path, reason: `CSV line ${line}: duplicate id (already listed above)` });
      return;
    }
    seen.add(id);
    const dialect = r.dialect ?? '';
    if (!known.has(dialect)) {
      rejects.push({ id, path, reason: `CSV line ${line}: unknown dialect "${dialect}" (expected one of ${labels.join(', ')})` });
      return;
    }
    // resolve() normalises absolute paths too: /d/./a.wav and /d//a.wav are /d/a.wav.
    const file = resolve(base, path);
    const first = files.get(file);
    if (first !== undefined) {
      rejects.push({ id, path, reason: `CSV line ${line}: duplicate file (line ${first} lists the same file: ${file})` });
      return;
    }
    files.set(file, line);
    const speaker = (r.speaker ?? '').trim();
    rows.push({ id, name: r.name || basename(path), path, file, dialect, ...(speaker ? { speaker } : {}) });
  });
  return { rows, rejects };
}

export interface EmbedJobProgress {
  done: number;
  total: number;
  /** Audio seconds embedded in this run. */
  seconds: number;
  rejected: number;
  skipped: number;
  elapsedSeconds: number;
}

export interface EmbedJobOptions {
  csv: string;
  out: string;
  model?: ModelSource;
  dtype: EncoderDtype;
  split: 'train' | 'eval';
  shard?: Shard;
  batchSize?: number;
  maxLengthSeconds?: number;
  seed?: number;
  cacheDir?: string;
  /** onnxruntime threads (per session when several run side by side). */
  threads?: number;
  /** Encoder sessions side by side, each in a worker thread with its own copy of the model (default 'auto': see sessionLayout). */
  sessions?: number | 'auto';
  /** Segments read and embedded per step (bounds memory; default 64). */
  chunkSize?: number;
  onLoadProgress?: (p: LoadProgress) => void;
  /** `updated`: rows already embedded whose name, path, dialect or speaker the CSV changed (index updated, vector kept). */
  onStart?: (info: { total: number; skipped: number; updated: number; resumed: number; repaired: string[]; backend: string; dim: number; layout: SessionLayout }) => void;
  onProgress?: (p: EmbedJobProgress) => void;
  /** Use an already loaded encoder (tests, benchmarks). */
  encoder?: NodeEncoder;
}

export interface EmbedJobSummary {
  csvRows: number;
  inShard: number;
  embedded: number;
  skipped: number;
  rejected: number;
  rejectReasons: Record<string, number>;
  setCount: number;
  audioSeconds: number;
  elapsedSeconds: number;
  /** Where this run's time went (summed over the sessions when several ran side by side). */
  timings: EmbedTimings;
  layout: SessionLayout;
  out: string;
}

/** Short reason class for the summary ("too short", "file not found", …). */
function reasonClass(reason: string): string {
  const r = reason.replace(/^CSV line \d+: /, '');
  if (r.startsWith('unknown dialect')) return 'unknown dialect';
  if (r.startsWith('duplicate id')) return 'duplicate id';
  if (r.startsWith('duplicate file')) return 'duplicate file';
  if (r.startsWith('too short')) return 'too short';
  if (r.startsWith('non-finite')) return 'non-finite samples';
  return r.split(/[:(]/)[0]!.trim().slice(0, 60) || 'unreadable';
}

export async function runEmbedJob(opts: EmbedJobOptions): Promise<EmbedJobSummary> {
  let lock: { release(): void };
  try {
    lock = lockFolder(opts.out, 'saturi embed');
  } catch (e) {
    if (e instanceof FolderLockedError) throw new EmbedInputError(e.message);
    throw e;
  }
  try {
    return await embedLocked(opts);
  } finally {
    lock.release();
  }
}

async function embedLocked(opts: EmbedJobOptions): Promise<EmbedJobSummary> {
  const t0 = performance.now();
  const maxLengthSeconds = opts.maxLengthSeconds ?? DEFAULT_MAX_LENGTH_SECONDS;
  const seed = opts.seed ?? DEFAULT_CROP_SEED;
  const csv = readSegmentCsv(opts.csv);
  const inShard = (id: string): boolean => !opts.shard || shardOf(id, opts.shard.count) === opts.shard.index;
  const rows = csv.rows.filter((r) => inShard(r.id));
  const csvRejects = csv.rejects.filter((r) => inShard(r.id));

  const options: EmbedOptions = { mode: opts.split === 'train' ? 'train' : 'eval', seed, maxLengthSeconds, batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE };
  const tuning = { chunkSize: opts.chunkSize };
  const requested = opts.sessions ?? 'auto';
  const cores = availableParallelism();
  // Where the cores allow sessions side by side, the model is loaded first in the pool's first
  // session, and this thread loads no copy of its own: a 2.3 GB model loaded twice costs seconds
  // and, for a while, the memory of one more copy. The set's facts (dim, feature config) come
  // from that session; how many more sessions to start is decided once the copy's size is known.
  const byCores = sessionLayout(requested, opts.threads, cores, 0, Infinity);
  let first: FirstSession | undefined;
  let encoder: NodeEncoder | undefined = opts.encoder;
  let ownsEncoder = false;
  const loadHere = async (): Promise<NodeEncoder> => {
    ownsEncoder = true;
    return (encoder = await loadEncoder(opts.model, opts.dtype, { cacheDir: opts.cacheDir, threads: opts.threads, onProgress: opts.onLoadProgress }));
  };
  if (!encoder && rows.length > 1 && !byCores.featureWorker) {
    const load = { model: opts.model, dtype: opts.dtype, cacheDir: opts.cacheDir ?? defaultModelCacheDir(), threads: byCores.threads!, hub: hubSettings() };
    first = await SessionPoolEmbedder.startFirst(load, options, opts.onLoadProgress);
  } else if (!encoder) await loadHere();
  try {
    const facts = first ? first.facts : encoderFacts(encoder!);
    const manifest = createManifest({
      encoder: { id: facts.info.modelId, revision: facts.info.revision },
      dtype: opts.dtype,
      dim: facts.dim,
      feature_config: { ...facts.preprocessorConfig },
      max_length_seconds: maxLengthSeconds,
      labels: [...LABEL_NAMES],
      crop: opts.split === 'train' ? { mode: 'random', seed } : { mode: 'first' },
      ...(opts.shard ? { shard: { count: opts.shard.count, indexes: [opts.shard.index] } } : {}),
    });
    if (typeof facts.reload.model === 'string') {
      const recorded = legacyFolderRevision(opts.out, manifest, facts.reload.model);
      if (recorded) manifest.encoder.revision = recorded;
    }
    const { appender, resumed, repaired } = await EmbeddingSetAppender.open(opts.out, manifest);
    try {
      const todo = rows.filter((r) => !appender.has(r.id));
      const skipped = rows.length - todo.length;
      // A row already embedded whose CSV line changed (a corrected dialect, a renamed or moved
      // file): its index row follows the CSV; the vector, made from the audio, is kept.
      const updates: EmbeddingIndexRow[] = [];
      for (const r of rows) {
        const had = appender.row(r.id);
        if (!had || (had.name === r.name && had.path === r.path && had.dialect === r.dialect && (had.speaker ?? '') === (r.speaker ?? ''))) continue;
        const { speaker: _, ...rest } = had;
        updates.push({ ...rest, name: r.name, path: r.path, dialect: r.dialect, ...(r.speaker ? { speaker: r.speaker } : {}) });
      }
      appender.updateRows(updates);

      // Rejects of earlier runs are retried (the file may have been fixed); the file is rewritten at the end.
      // Another shard's rejects (shards may share a folder) are carried forward as they are.
      const previous = readRejects(opts.out);
      const rejects: RejectRow[] = [];
      const reject = (r: RejectRow): void => {
        rejects.push(r);
        appendReject(opts.out, r);
      };
      for (const r of csvRejects) reject(r);

      const progress: EmbedJobProgress = { done: 0, total: todo.length, seconds: 0, rejected: csvRejects.length, skipped, elapsedSeconds: 0 };
      const report = (): void => {
        progress.elapsedSeconds = (performance.now() - t0) / 1000;
        opts.onProgress?.({ ...progress });
      };

      let embeddedCount = 0;
      let timings: EmbedTimings;
      // A job of one segment or none has no use for more sessions: the first alone does it, or one here.
      let layout: SessionLayout;
      if (todo.length > 1) layout = sessionLayout(requested, opts.threads, cores, facts.memoryBytes, freemem());
      else layout = first ? { sessions: 1, threads: first.load.threads, featureWorker: false } : { sessions: 1, threads: opts.threads, featureWorker: true };
      let embedder: FileEmbedder | SessionPoolEmbedder;
      if (!layout.featureWorker) {
        const pooled = first;
        first = undefined;
        if (pooled && pooled.load.threads === layout.threads) embedder = await SessionPoolEmbedder.fromFirst(pooled, layout.sessions, tuning);
        else {
          // Memory for fewer sessions than cores: each gets more threads than the first was loaded with.
          await pooled?.close();
          embedder = await SessionPoolEmbedder.start(layout.sessions, { ...facts.reload, threads: layout.threads! }, options, tuning);
        }
      } else {
        // One copy only: this thread's, beside a feature worker.
        await first?.close();
        first = undefined;
        const here = encoder ?? (await loadHere());
        embedder = new FileEmbedder(here.session, here.preprocessorConfig, options, tuning);
      }
      try {
        opts.onStart?.({ total: rows.length, skipped, updated: updates.length, resumed, repaired, backend: facts.info.backend, dim: facts.dim, layout });
        report();
        for await (const chunk of embedder.embed(todo)) {
          for (const r of chunk.rejects) {
            reject(r);
            progress.rejected++;
          }
          if (chunk.embedded.length) {
            const dim = facts.dim;
            const vectors = new Float32Array(chunk.embedded.length * dim);
            const indexRows: EmbeddingIndexRow[] = chunk.embedded.map(({ row, duration, results }, i) => {
              vectors.set(results[0]!.embedding, i * dim);
              return { id: row.id, name: row.name, path: row.path, dialect: row.dialect, split: opts.split, duration: Math.round(duration * 1000) / 1000, ...(row.speaker ? { speaker: row.speaker } : {}) };
            });
            appender.append(indexRows, vectors);
            embeddedCount += indexRows.length;
            for (const { duration } of chunk.embedded) progress.seconds += Math.min(duration, maxLengthSeconds);
          }
          progress.done += chunk.embedded.length + chunk.rejects.length;
          report();
        }
      } finally {
        timings = { ...embedder.timings };
        await embedder.close();
      }

      const attempted = new Set(todo.map((r) => r.id));
      for (const r of csvRejects) attempted.add(r.id);
      // Other shards' rejects stay as their runs wrote them; this shard's stay while still not in the set.
      const finalRejects = [...previous.filter((r) => !inShard(r.id) || (!attempted.has(r.id) && !appender.has(r.id))), ...rejects];
      writeRejects(opts.out, finalRejects);
      const rejectReasons: Record<string, number> = {};
      for (const r of rejects) rejectReasons[reasonClass(r.reason)] = (rejectReasons[reasonClass(r.reason)] ?? 0) + 1;
      return {
        csvRows: csv.rows.length + csv.rejects.length,
        inShard: rows.length + csvRejects.length,
        embedded: embeddedCount,
        skipped,
        rejected: rejects.length,
        rejectReasons,
        setCount: appender.count,
        audioSeconds: progress.seconds,
        elapsedSeconds: (performance.now() - t0) / 1000,
        timings,
        layout,
        out: opts.out,
      };
    } finally {
      appender.close();
    }
  } finally {
    await first?.close();
    if (ownsEncoder) await encoder?.dispose();
  }
}
