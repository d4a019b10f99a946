// The app's IndexedDB store (idb): embedding sets with their rows and vectors,
// heads, training runs, embedding jobs and settings.
import { openDB, type IDBPDatabase } from 'idb';
import {
  DB_NAME,
  DB_VERSION,
  MIGRATIONS,
  MERGE_ROWS,
  ROWS_PER_BLOCK,
  VECTORS_PER_CHUNK,
  type JobItem,
  type SaturiDB,
  type StoredHead,
  type StoredJob,
  type StoredRun,
  type StoredSegment,
  type StoredBlock,
  type ChunkRow,
  type StoredSetRecord,
} from './schema.ts';

export type { StoredHead, StoredJob, StoredRun, StoredSegment, StoredSetRecord, JobItem };
export { MERGE_ROWS, ROWS_PER_BLOCK, VECTORS_PER_CHUNK };

export type SegmentRow = ChunkRow;

/** Blocks of a set from row `from` on. */
function blockRange(setId: string, from: number): IDBKeyRange {
  return IDBKeyRange.bound([setId, from], [setId, Infinity]);
}

/** The block's count × dim values (a lazy slice when the Blob is longer). */
function vectorBlob(b: StoredBlock, dim: number): Blob {
  const bytes = b.count * dim * 4;
  if (b.vectors.size < bytes) throw new Error(`embedding set ${b.setId}: block at row ${b.start} holds ${b.vectors.size} bytes of vectors, needs ${bytes}`);
  return b.vectors.size === bytes ? b.vectors : b.vectors.slice(0, bytes);
}

function checkContiguous(setId: string, blocks: StoredBlock[], count: number): void {
  let at = 0;
  for (const b of blocks) {
    if (b.start !== at) throw new Error(`embedding set ${setId}: rows ${at}…${b.start} are missing`);
    at += b.count;
  }
  if (at !== count) throw new Error(`embedding set ${setId}: ${at} rows stored, the set says ${count}`);
}

/** Opens (and upgrades, running each missing migration in order) the app database. `version` below the latest is for upgrade tests. */
export async function openStore(name = DB_NAME, version = DB_VERSION): Promise<SaturiStore> {
  const db = await openDB<SaturiDB>(name, version, {
    async upgrade(db, oldVersion, newVersion, tx) {
      for (let v = oldVersion + 1; v <= (newVersion ?? version); v++) await MIGRATIONS[v - 1](db, tx);
    },
    blocking() {
      // Another tab wants a newer schema: step aside so its upgrade can run.
      db.close();
    },
  });
  return new SaturiStore(db);
}

/** The rows a set's blocks hold, in order, with their set and position. */
function segmentsOf(setId: string, blocks: readonly StoredBlock[]): StoredSegment[] {
  const out: StoredSegment[] = [];
  for (const b of blocks) (JSON.parse(b.rows) as SegmentRow[]).forEach((r, i) => out.push({ ...r, setId, ord: b.start + i }));
  return out;
}

export class SaturiStore {
  constructor(readonly db: IDBPDatabase<SaturiDB>) {}

  close(): void {
    this.db.close();
  }

  // ---- settings ----
  async getSetting<T>(key: string, fallback: T): Promise<T> {
    const v = await this.db.get('settings', key);
    return v === undefined ? fallback : (v as T);
  }

  async setSetting(key: string, value: unknown): Promise<void> {
    await this.db.put('settings', value, key);
  }

  // ---- embedding sets ----
  async createSet(rec: Omit<StoredSetRecord, 'count'>): Promise<StoredSetRecord> {
    const full: StoredSetRecord = { ...rec, count: 0 };
    await this.db.add('sets', full);
    return full;
  }

  getSet(id: string): Promise<StoredSetRecord | undefined> {
    return this.db.get('sets', id);
  }

  async listSets(): Promise<StoredSetRecord[]> {
    return (await this.db.getAll('sets')).sort(byCreated);
  }

  async renameSet(id: string, name: string): Promise<void> {
    const tx = this.db.transaction('sets', 'readwrite');
    const rec = await tx.store.get(id);
    if (rec) await tx.store.put({ ...rec, name });
    await tx.done;
  }

  async deleteSet(id: string): Promise<void> {
    const tx = this.db.transaction(['sets', 'blocks', 'jobs'], 'readwrite');
    await Promise.all([
      tx.objectStore('sets').delete(id),
      tx.objectStore('blocks').delete(blockRange(id, 0)),
      tx.objectStore('jobs').delete(id),
      tx.done,
    ]);
  }

  /**
   * Appends rows and their vectors (rows.length × dim) to a set. The write is one
   * transaction: either the rows, their vectors and the new count are all stored
   * or none is (a reload mid-write loses no done id and stores no half row).
   * One writer per set at a time (the embedding job or an import).
   */
  async appendRows(setId: string, rows: SegmentRow[], vectors: Float32Array): Promise<number> {
    const tx = this.db.transaction(['sets', 'blocks'], 'readwrite', { durability: 'relaxed' });
    const sets = tx.objectStore('sets');
    const blocks = tx.objectStore('blocks');
    const rec = await sets.get(setId);
    const fail = (message: string): never => {
      tx.abort();
      tx.done.catch(() => {});
      throw new Error(message);
    };
    if (!rec) return fail(`embedding set ${setId} does not exist`);
    const dim = rec.dim;
    if (vectors.length !== rows.length * dim) return fail(`appendRows: ${rows.length} rows need ${rows.length * dim} values, got ${vectors.length}`);
    if (rows.length === 0) {
      await tx.done;
      return rec.count;
    }
    // Small blocks at the end (under MERGE_ROWS rows) are absorbed by this append
    // like a binary counter: the new rows take in the last block while it is no
    // bigger than what is merged so far. A row is so rewritten only a few times,
    // and a set appended to in small batches (the embedding job) still ends up
    // with few blocks. Sizes follow from the keys: blocks are contiguous and the
    // last one ends at rec.count.
    const end = rec.count + rows.length;
    const lastStarts = (await blocks.getAllKeys(blockRange(setId, Math.max(0, rec.count - MERGE_ROWS)))).map((k) => k[1]);
    let mergeFrom = rec.count;
    for (let i = lastStarts.length - 1; i >= 0; i--) {
      const size = mergeFrom - lastStarts[i];
      if (size >= MERGE_ROWS || size > end - mergeFrom) break;
      mergeFrom = lastStarts[i];
    }
    let allRows: SegmentRow[] = rows;
    // Blob parts: the merged blocks' Blobs are reused by reference, never read into JS.
    const parts: BlobPart[] = [];
    if (mergeFrom < rec.count) {
      const merged = await blocks.getAll(blockRange(setId, mergeFrom));
      allRows = [];
      for (const b of merged) {
        allRows.push(...(JSON.parse(b.rows) as SegmentRow[]));
        parts.push(vectorBlob(b, dim));
      }
      allRows.push(...rows);
      await blocks.delete(blockRange(setId, mergeFrom));
    }
    // The Blob constructor copies the values, so the caller's array is not kept
    // (a view of shared memory cannot be a Blob part: copy that first).
    parts.push(vectors.buffer instanceof ArrayBuffer ? (vectors as Float32Array<ArrayBuffer>) : vectors.slice());
    const all = new Blob(parts);
    const puts: Promise<unknown>[] = [];
    for (let at = mergeFrom; at < end; ) {
      const next = Math.min(end, at + ROWS_PER_BLOCK);
      const a = at - mergeFrom;
      const b = next - mergeFrom;
      puts.push(blocks.put({ setId, start: at, count: b - a, rows: JSON.stringify(allRows.slice(a, b)), vectors: all.slice(a * dim * 4, b * dim * 4) }));
      at = next;
    }
    puts.push(sets.put({ ...rec, count: end }));
    await Promise.all([...puts, tx.done]);
    return end;
  }

  /**
   * Rows and vectors of a set from one transaction: read in two, an embedding job appending
   * between them gave more rows than vectors (an export that would not import, labels shifted).
   */
  async readSet(setId: string): Promise<{ rows: StoredSegment[]; vectors: Float32Array; dim: number; count: number }> {
    const tx = this.db.transaction(['sets', 'blocks'], 'readonly');
    const rec = await tx.objectStore('sets').get(setId);
    if (!rec) throw new Error(`embedding set ${setId} does not exist`);
    const blocks = await tx.objectStore('blocks').getAll(blockRange(setId, 0));
    checkContiguous(setId, blocks, rec.count);
    const rows = segmentsOf(setId, blocks);
    // One read of one Blob composed of all blocks lands the values straight in the
    // result's buffer: far faster than a read per block plus a copy.
    const buf = await new Blob(blocks.map((b) => vectorBlob(b, rec.dim))).arrayBuffer();
    return { rows, vectors: new Float32Array(buf), dim: rec.dim, count: rec.count };
  }

  /** All rows of a set, in order (vectors are not read). */
  async readRows(setId: string): Promise<StoredSegment[]> {
    return segmentsOf(setId, await this.db.getAll('blocks', blockRange(setId, 0)));
  }

  /** Ids already embedded in a set (a resumed job skips them). */
  async doneIds(setId: string): Promise<Set<string>> {
    const blocks = await this.db.getAll('blocks', blockRange(setId, 0));
    const ids = new Set<string>();
    for (const b of blocks) for (const r of JSON.parse(b.rows) as SegmentRow[]) ids.add(r.id);
    return ids;
  }

  // ---- heads ----
  async putHead(head: StoredHead): Promise<void> {
    await this.db.put('heads', head);
  }

  getHead(id: string): Promise<StoredHead | undefined> {
    return this.db.get('heads', id);
  }

  async listHeads(): Promise<StoredHead[]> {
    return (await this.db.getAll('heads')).sort(byCreated);
  }

  async deleteHead(id: string): Promise<void> {
    await this.db.delete('heads', id);
  }

  // ---- training runs ----
  async putRun(run: StoredRun): Promise<void> {
    await this.db.put('runs', run);
  }

  getRun(id: string): Promise<StoredRun | undefined> {
    return this.db.get('runs', id);
  }

  listRuns(): Promise<StoredRun[]> {
    return this.db.getAllFromIndex('runs', 'by-created');
  }

  async deleteRun(id: string): Promise<void> {
    await this.db.delete('runs', id);
  }

  // ---- embedding jobs ----
  async putJob(job: StoredJob): Promise<void> {
    await this.db.put('jobs', { ...job, updated: new Date().toISOString() });
  }

  getJob(setId: string): Promise<StoredJob | undefined> {
    return this.db.get('jobs', setId);
  }

  listJobs(): Promise<StoredJob[]> {
    return this.db.getAll('jobs');
  }

  async deleteJob(setId: string): Promise<void> {
    await this.db.delete('jobs', setId);
  }

  /** Deletes everything stored (sets, vectors, heads, runs, jobs, settings). */
  async clearAll(): Promise<void> {
    const names = ['settings', 'sets', 'blocks', 'heads', 'runs', 'jobs'] as const;
    const tx = this.db.transaction([...names], 'readwrite');
    await Promise.all([...names.map((n) => tx.objectStore(n).clear()), tx.done]);
  }
}

/**
 * Oldest first. `created` is an ISO timestamp, so code-unit order is time order
 * (localeCompare would also work but its first call sets up ICU collation: ~20 ms
 * on the main thread).
 */
function byCreated(a: { created: string }, b: { created: string }): number {
  return a.created < b.created ? -1 : a.created > b.created ? 1 : 0;
}

export function newId(prefix: string): string {
  const r = crypto.getRandomValues(new Uint32Array(2));
  return `${prefix}-${Date.now().toString(36)}-${r[0].toString(36)}${r[1].toString(36)}`;
}
