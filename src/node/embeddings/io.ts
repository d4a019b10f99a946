// Embedding sets on disk (Node): read, write atomically, and append durably so a long
// embedding job can be killed at any point and resumed without losing or duplicating rows.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../io/atomic-write.ts';
import { lockFolder, unfinishedWriter } from '../io/folder-lock.ts';
import {
  EmbeddingSetError,
  INDEX_FILE,
  checkVectorBytes,
  decodeUtf8Text,
  littleEndian,
  MANIFEST_FILE,
  VECTORS_FILE,
  manifestIncompatibility,
  mergeEmbeddingSets,
  parseIndex,
  parseManifest,
  serializeIndex,
  serializeIndexRow,
  serializeManifest,
  validateEmbeddingSet,
  vectorsFromBytes,
  vectorsToBytes,
  type EmbeddingIndexRow,
  type EmbeddingManifest,
  type EmbeddingSet,
} from '../../core/encoder/embedding-set.ts';

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EmbeddingSetError(path, code === 'ENOENT' ? 'not found (is this an embedding set folder?)' : `cannot be read: ${(e as Error).message}`);
  }
}

function readText(path: string): string {
  return decodeUtf8Text(readBytes(path), path);
}

/**
 * index.jsonl as a resumed job reads it: every complete line strictly, and a last line without its
 * newline as the torn tail of an interrupted append. Split on bytes first: a cut can fall inside a
 * multi-byte character (a Hangul path), which decoding the whole file refused as "not valid UTF-8".
 */
function readIndexForResume(path: string): { text: string; cutInCharacter: boolean } {
  if (!existsSync(path)) return { text: '', cutInCharacter: false };
  const bytes = readBytes(path);
  const complete = bytes.lastIndexOf(0x0a) + 1; // 0x0A never occurs inside a multi-byte sequence
  const text = decodeUtf8Text(bytes.subarray(0, complete), path);
  try {
    return { text: text + new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(complete)), cutInCharacter: false };
  } catch {
    return { text, cutInCharacter: true };
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.byteLength) off += writeSync(fd, data, off, data.byteLength - off);
}

/** Bytes per read of vectors.f32 (a single read is capped at 2 GiB; a training set is several). */
export const VECTOR_READ_CHUNK = 64 * 2 ** 20;

/**
 * vectors.f32 read straight into one Float32Array, chunk by chunk: readFileSync refuses files
 * over 2 GiB, and the recipe's ~900 k 1024-dim embeddings come to 3.7 GB.
 */
export function readVectorsFile(path: string, dim: number, chunk = VECTOR_READ_CHUNK): Float32Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new EmbeddingSetError(path, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : `cannot be read: ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    checkVectorBytes(size, dim, path);
    let out: Float32Array;
    try {
      out = new Float32Array(size / 4);
    } catch (e) {
      throw new EmbeddingSetError(path, `${(size / 2 ** 30).toFixed(2)} GiB of vectors do not fit in memory here: ${(e as Error).message}`);
    }
    const bytes = new Uint8Array(out.buffer);
    for (let at = 0; at < size; ) {
      const n = readSync(fd, bytes, at, Math.min(chunk, size - at), at);
      if (n === 0) throw new EmbeddingSetError(path, `ended at byte ${at} of ${size} while being read (changed meanwhile?)`);
      at += n;
    }
    return littleEndian ? out : vectorsFromBytes(bytes, dim, path);
  } catch (e) {
    if (e instanceof EmbeddingSetError) throw e;
    throw new EmbeddingSetError(path, `cannot be read: ${(e as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

export async function readEmbeddingSet(dir: string): Promise<EmbeddingSet> {
  const manifest = parseManifest(readText(join(dir, MANIFEST_FILE)), join(dir, MANIFEST_FILE));
  const vectors = readVectorsFile(join(dir, VECTORS_FILE), manifest.dim);
  const { rows } = parseIndex(readText(join(dir, INDEX_FILE)), join(dir, INDEX_FILE));
  const set = { manifest, vectors, rows };
  validateEmbeddingSet(set, dir);
  return set;
}

/** Writes a complete set (count is taken from rows). Each file is replaced atomically. */
export async function writeEmbeddingSet(dir: string, manifest: EmbeddingManifest, vectors: Float32Array, rows: readonly EmbeddingIndexRow[]): Promise<void> {
  const m = { ...manifest, count: rows.length };
  validateEmbeddingSet({ manifest: m, vectors, rows: [...rows] }, dir);
  mkdirSync(dir, { recursive: true });
  // Manifest last: its count is what readers check the other two files against.
  writeFileAtomicSync(join(dir, VECTORS_FILE), vectorsToBytes(vectors), { fsync: true });
  writeFileAtomicSync(join(dir, INDEX_FILE), serializeIndex(rows), { fsync: true });
  writeFileAtomicSync(join(dir, MANIFEST_FILE), serializeManifest(m), { fsync: true });
}

/**
 * The shards a set holds once this job's rows join it: shards of one k/N split run into one folder
 * in turn add up; the whole CSV makes it whole; another split's shard is refused (the set could
 * then never be told complete).
 */
function joinedShards(dir: string, old: EmbeddingManifest, job: EmbeddingManifest): EmbeddingManifest['shard'] {
  if (!old.shard || !job.shard) return undefined; // whole (or from before shards were recorded), or made whole by this job
  if (job.shard.count !== old.shard.count) {
    throw new EmbeddingSetError(dir, `holds shards of a k/${old.shard.count} split, this job is shard ${job.shard.indexes[0]}/${job.shard.count}: use another --out folder`);
  }
  return { count: old.shard.count, indexes: [...new Set([...old.shard.indexes, ...job.shard.indexes])].sort((a, b) => a - b) };
}

export interface AppenderOpenResult {
  appender: EmbeddingSetAppender;
  /** Rows found from an earlier run (after repair). */
  resumed: number;
  /** What had to be repaired after an interrupted run (empty when nothing). */
  repaired: string[];
}

/**
 * Appends vectors and index rows to a set folder, durably: vectors are written and synced
 * first, then the index rows, then the manifest count. After a crash the index decides what
 * is complete; on reopen, a torn index line and vectors without a row are cut off.
 */
export class EmbeddingSetAppender {
  /** The set's index rows by id, in file order (Map order). */
  private readonly rows = new Map<string, EmbeddingIndexRow>();
  private vecFd: number;
  private idxFd: number;
  private closed = false;

  private constructor(
    readonly dir: string,
    private manifest: EmbeddingManifest,
    existingRows: readonly EmbeddingIndexRow[],
    vecFd: number,
    idxFd: number,
  ) {
    for (const r of existingRows) this.rows.set(r.id, r);
    this.vecFd = vecFd;
    this.idxFd = idxFd;
  }

  /**
   * Opens `dir` for appending, creating it with `manifest` when new. When the folder already
   * holds a set, its manifest must be compatible with `manifest` (same encoder, dtype, dim, …);
   * its original `created` time is kept.
   */
  static async open(dir: string, manifest: EmbeddingManifest): Promise<AppenderOpenResult> {
    mkdirSync(dir, { recursive: true });
    const mPath = join(dir, MANIFEST_FILE);
    const vPath = join(dir, VECTORS_FILE);
    const iPath = join(dir, INDEX_FILE);
    const repaired: string[] = [];
    let current = { ...manifest, count: 0 };
    let shardChanged = false;
    let rows: EmbeddingIndexRow[] = [];
    if (existsSync(mPath)) {
      const old = parseManifest(readText(mPath), mPath);
      const why = manifestIncompatibility(old, manifest);
      if (why) throw new EmbeddingSetError(dir, `already holds an embedding set that does not match this job: ${why}. Use another --out folder.`);
      const { shard: _, ...rest } = old;
      const shard = joinedShards(dir, old, manifest);
      current = shard ? { ...rest, shard } : rest;
      shardChanged = JSON.stringify(old.shard) !== JSON.stringify(shard);
      const index = readIndexForResume(iPath);
      const read = parseIndex(index.text, iPath, { allowTornTail: true });
      const parsed = index.cutInCharacter ? { ...read, tornTail: true } : read;
      rows = parsed.rows;
      const rowBytes = old.dim * 4;
      const vecBytes = existsSync(vPath) ? statSync(vPath).size : 0;
      const vecCount = Math.floor(vecBytes / rowBytes);
      // Appends write vectors, then index rows, then the manifest's count: a run stopped anywhere
      // leaves count ≤ index rows ≤ vectors. Anything else is a file lost or changed since (a line
      // deleted, a partial copy): "repairing" it would pair rows with other rows' vectors or throw
      // days of vectors away. Nothing is touched.
      if (rows.length < old.count || vecCount < rows.length) {
        throw new EmbeddingSetError(
          dir,
          `cannot resume: ${MANIFEST_FILE} counts ${old.count} rows, ${INDEX_FILE} holds ${rows.length}, ${VECTORS_FILE} ${vecCount} vectors; an interrupted run never leaves fewer index rows than the count or fewer vectors than rows, so a file was lost or changed. Nothing was modified: restore the set, or embed into a new --out folder`,
        );
      }
      const keepText = parsed.tornTail || parsed.unterminated ? serializeIndex(rows) : null;
      if (parsed.tornTail) repaired.push(`${INDEX_FILE} ended in an incomplete line; removed it`);
      if (keepText !== null) writeFileAtomicSync(iPath, keepText, { fsync: true });
      if (vecBytes !== rows.length * rowBytes) {
        repaired.push(`${VECTORS_FILE} held ${vecBytes} bytes for ${rows.length} rows; truncated to ${rows.length * rowBytes}`);
        const fd = openSync(vPath, 'r+');
        try {
          ftruncateSync(fd, rows.length * rowBytes);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
      const seen = new Set<string>();
      for (const r of rows) {
        if (seen.has(r.id)) throw new EmbeddingSetError(iPath, `duplicate id "${r.id}": the set is inconsistent, cannot resume`);
        seen.add(r.id);
      }
      current.count = rows.length;
      if (old.count !== rows.length) repaired.push(`${MANIFEST_FILE} count ${old.count} → ${rows.length}`);
      // Recorded now: a shard whose rows were all embedded before (or all rejected) appends nothing.
      if (shardChanged) writeFileAtomicSync(mPath, serializeManifest(current), { fsync: true });
    }
    const vecFd = openSync(vPath, 'a');
    const idxFd = openSync(iPath, 'a');
    const appender = new EmbeddingSetAppender(dir, current, rows, vecFd, idxFd);
    appender.writeManifest();
    return { appender, resumed: rows.length, repaired };
  }

  get count(): number {
    return this.manifest.count;
  }

  get dim(): number {
    return this.manifest.dim;
  }

  /** True when `id` is already in the set (skip it when resuming). */
  has(id: string): boolean {
    return this.rows.has(id);
  }

  /** The index row of an embedded id. */
  row(id: string): EmbeddingIndexRow | undefined {
    return this.rows.get(id);
  }

  /**
   * Replaces the index rows of embedded ids (a label corrected in the CSV: the vector, made from
   * the audio alone, stays). index.jsonl is rewritten atomically, so a crash leaves the old or
   * the new one, never half of each.
   */
  updateRows(updates: readonly EmbeddingIndexRow[]): void {
    if (this.closed) throw new Error('EmbeddingSetAppender: update after close');
    if (updates.length === 0) return;
    const labels = new Set(this.manifest.labels);
    for (const u of updates) {
      if (!this.rows.has(u.id)) throw new EmbeddingSetError(this.dir, `update: id "${u.id}" is not in the set`);
      if (!labels.has(u.dialect)) throw new EmbeddingSetError(this.dir, `update: id "${u.id}" has dialect "${u.dialect}", not one of ${this.manifest.labels.join(', ')}`);
    }
    for (const u of updates) this.rows.set(u.id, u);
    const iPath = join(this.dir, INDEX_FILE);
    writeFileAtomicSync(iPath, serializeIndex([...this.rows.values()]), { fsync: true });
    // The append descriptor still points at the replaced file.
    closeSync(this.idxFd);
    this.idxFd = openSync(iPath, 'a');
  }

  /** Appends rows with their vectors (rows.length × dim values) and makes them durable. */
  append(rows: readonly EmbeddingIndexRow[], vectors: Float32Array): void {
    if (this.closed) throw new Error('EmbeddingSetAppender: append after close');
    const dim = this.manifest.dim;
    if (vectors.length !== rows.length * dim) {
      throw new EmbeddingSetError(this.dir, `append: ${rows.length} rows need ${rows.length * dim} values, got ${vectors.length}`);
    }
    const labels = new Set(this.manifest.labels);
    const batchIds = new Set<string>();
    for (const r of rows) {
      if (this.rows.has(r.id) || batchIds.has(r.id)) throw new EmbeddingSetError(this.dir, `append: id "${r.id}" is already in the set`);
      batchIds.add(r.id);
      if (!labels.has(r.dialect)) throw new EmbeddingSetError(this.dir, `append: id "${r.id}" has dialect "${r.dialect}", not one of ${this.manifest.labels.join(', ')}`);
    }
    for (let i = 0; i < vectors.length; i++) {
      if (!Number.isFinite(vectors[i]!)) throw new EmbeddingSetError(this.dir, `append: id "${rows[Math.floor(i / dim)]!.id}" has a non-finite embedding value`);
    }
    if (rows.length === 0) return;
    writeAll(this.vecFd, vectorsToBytes(vectors));
    fsyncSync(this.vecFd);
    let text = '';
    for (const r of rows) text += serializeIndexRow(r) + '\n';
    writeAll(this.idxFd, Buffer.from(text, 'utf8'));
    fsyncSync(this.idxFd);
    for (const r of rows) this.rows.set(r.id, r);
    this.manifest.count += rows.length;
    this.writeManifest();
  }

  private writeManifest(): void {
    writeFileAtomicSync(join(this.dir, MANIFEST_FILE), serializeManifest(this.manifest), { fsync: true });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.vecFd);
    closeSync(this.idxFd);
  }
}

/** A segment the job could not embed, with the reason (one JSON object per line in rejects.jsonl). */
export interface RejectRow {
  id: string;
  path: string;
  reason: string;
}

export const REJECTS_FILE = 'rejects.jsonl';

/** Reads rejects.jsonl if present (ignores a torn last line). */
export function readRejects(dir: string): RejectRow[] {
  const p = join(dir, REJECTS_FILE);
  if (!existsSync(p)) return [];
  const out: RejectRow[] = [];
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as RejectRow;
      if (typeof v.id === 'string' && typeof v.reason === 'string') out.push({ id: v.id, path: String(v.path ?? ''), reason: v.reason });
    } catch {
      // torn line from an interrupted run: dropped when the file is rewritten
    }
  }
  return out;
}

/** Appends one reject line durably. */
export function appendReject(dir: string, row: RejectRow): void {
  const fd = openSync(join(dir, REJECTS_FILE), 'a');
  try {
    writeAll(fd, Buffer.from(JSON.stringify({ id: row.id, path: row.path, reason: row.reason }) + '\n', 'utf8'));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Rewrites rejects.jsonl with the given rows (last reason per id); removes it when empty. */
export function writeRejects(dir: string, rows: readonly RejectRow[]): void {
  const p = join(dir, REJECTS_FILE);
  const byId = new Map<string, RejectRow>();
  for (const r of rows) byId.set(r.id, r);
  if (byId.size === 0) {
    if (existsSync(p)) unlinkSync(p);
    return;
  }
  writeFileAtomicSync(p, [...byId.values()].map((r) => JSON.stringify({ id: r.id, path: r.path, reason: r.reason })).join('\n') + '\n', { fsync: true });
}

/** Merges shard folders into one set at `out` (see mergeEmbeddingSets for the rules). */
export async function mergeEmbeddingSetDirs(dirs: readonly string[], out: string, opts: { allowPartial?: boolean } = {}): Promise<EmbeddingSet> {
  // Replacing a set (perhaps one of the inputs, or days of embedding) is never what a merge means.
  const refuseExisting = () => {
    if (existsSync(join(out, MANIFEST_FILE))) throw new EmbeddingSetError(out, 'already holds an embedding set; merge into a new folder (or remove this one first)');
  };
  refuseExisting();
  // A shard still being embedded, or whose job was stopped, would be merged as far as it got and
  // look complete.
  for (const d of dirs) {
    const why = unfinishedWriter(d);
    if (why) throw new EmbeddingSetError(d, `${why}; merge it when its embed job has finished (rerun it to complete the set: it resumes), or delete the lock if the set is complete`);
  }
  const sets: EmbeddingSet[] = [];
  for (const d of dirs) sets.push(await readEmbeddingSet(d));
  const merged = mergeEmbeddingSets(sets, dirs, opts);
  // The output's lock keeps an embed job (or a second merge) from writing there meanwhile.
  const lock = lockFolder(out, 'saturi embed merge');
  try {
    refuseExisting();
    await writeEmbeddingSet(out, merged.manifest, merged.vectors, merged.rows);
    const embedded = new Set(merged.rows.map((r) => r.id));
    const rejects = dirs.flatMap((d) => readRejects(d)).filter((r) => !embedded.has(r.id));
    if (rejects.length) writeRejects(out, rejects);
    return merged;
  } finally {
    lock.release();
  }
}
