// The app's IndexedDB store (idb): embedding sets with their rows and vectors,
// heads, training runs, embedding jobs and settings.
import { openDB, type IDBPDatabase } from 'idb';
import {
  DB_NAME,
  DB_VERSION,
  MIGRATIONS,
  VECTORS_PER_CHUNK,
  type JobItem,
  type SaturiDB,
  type StoredHead,
  type StoredJob,
  type StoredRun,
  type StoredSegment,
  type StoredChunk,
  type ChunkRow,
  type StoredSetRecord,
} from './schema.ts';

export type { StoredHead, StoredJob, StoredRun, StoredSegment, StoredSetRecord, JobItem };
export { VECTORS_PER_CHUNK };

export type SegmentRow = ChunkRow;

function chunkRange(setId: string): IDBKeyRange {
  return IDBKeyRange.bound([setId, -Infinity], [setId, Infinity]);
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
    return (await this.db.getAll('sets')).sort((a, b) => a.created.localeCompare(b.created));
  }

  async renameSet(id: string, name: string): Promise<void> {
    const tx = this.db.transaction('sets', 'readwrite');
    const rec = await tx.store.get(id);
    if (rec) await tx.store.put({ ...rec, name });
    await tx.done;
  }

  async deleteSet(id: string): Promise<void> {
    const tx = this.db.transaction(['sets', 'chunks', 'jobs'], 'readwrite');
    await Promise.all([
      tx.objectStore('sets').delete(id),
      tx.objectStore('chunks').delete(chunkRange(id)),
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
    const rec = await this.db.get('sets', setId);
    if (!rec) throw new Error(`embedding set ${setId} does not exist`);
    const dim = rec.dim;
    if (vectors.length !== rows.length * dim) throw new Error(`appendRows: ${rows.length} rows need ${rows.length * dim} values, got ${vectors.length}`);
    // The last chunk may be partly filled: read it first (Blob reads cannot run inside a transaction).
    const firstChunk = Math.floor(rec.count / VECTORS_PER_CHUNK);
    const partialRows = rec.count % VECTORS_PER_CHUNK;
    let prevRows: SegmentRow[] = [];
    let prevVectors: Float32Array | undefined;
    if (partialRows > 0 && rows.length > 0) {
      const prev = await this.db.get('chunks', [setId, firstChunk]);
      if (prev) {
        prevRows = prev.rows.slice(0, partialRows);
        prevVectors = new Float32Array(await prev.vectors.arrayBuffer(), 0, partialRows * dim);
      }
    }
    const records: StoredChunk[] = [];
    let done = 0;
    let at = rec.count;
    while (done < rows.length) {
      const chunk = Math.floor(at / VECTORS_PER_CHUNK);
      const offsetRows = at % VECTORS_PER_CHUNK;
      const take = Math.min(VECTORS_PER_CHUNK - offsetRows, rows.length - done);
      const part = vectors.subarray(done * dim, (done + take) * dim);
      const isPartial = offsetRows > 0 && chunk === firstChunk && prevVectors;
      records.push({
        setId,
        chunk,
        rows: isPartial ? [...prevRows, ...rows.slice(done, done + take)] : rows.slice(done, done + take),
        vectors: isPartial ? new Blob([prevVectors!.slice(), part.slice()]) : new Blob([part.slice()]),
      });
      done += take;
      at += take;
    }
    const tx = this.db.transaction(['sets', 'chunks'], 'readwrite', { durability: 'relaxed' });
    const now = await tx.objectStore('sets').get(setId);
    if (!now || now.count !== rec.count) {
      tx.abort();
      throw new Error(`embedding set ${setId} changed during an append (two writers?)`);
    }
    await Promise.all([
      ...records.map((r) => tx.objectStore('chunks').put(r)),
      tx.objectStore('sets').put({ ...now, count: now.count + rows.length }),
      tx.done,
    ]);
    return rec.count + rows.length;
  }

  /** All vectors of a set as one count × dim array. */
  async readVectors(setId: string): Promise<{ vectors: Float32Array; dim: number; count: number }> {
    const tx = this.db.transaction(['sets', 'chunks'], 'readonly');
    const rec = await tx.objectStore('sets').get(setId);
    if (!rec) throw new Error(`embedding set ${setId} does not exist`);
    const chunks = await tx.objectStore('chunks').getAll(chunkRange(setId));
    const out = new Float32Array(rec.count * rec.dim);
    await Promise.all(
      chunks.map(async (c) => {
        const start = c.chunk * VECTORS_PER_CHUNK * rec.dim;
        const n = Math.min(c.rows.length * rec.dim, out.length - start);
        if (n > 0) out.set(new Float32Array(await c.vectors.arrayBuffer(), 0, n), start);
      }),
    );
    return { vectors: out, dim: rec.dim, count: rec.count };
  }

  /** All rows of a set, in order (vectors are not read). */
  async readRows(setId: string): Promise<StoredSegment[]> {
    const chunks = await this.db.getAll('chunks', chunkRange(setId));
    const out: StoredSegment[] = [];
    for (const c of chunks) c.rows.forEach((r, i) => out.push({ ...r, setId, ord: c.chunk * VECTORS_PER_CHUNK + i }));
    return out;
  }

  /** Ids already embedded in a set (a resumed job skips them). */
  async doneIds(setId: string): Promise<Set<string>> {
    const chunks = await this.db.getAll('chunks', chunkRange(setId));
    const ids = new Set<string>();
    for (const c of chunks) for (const r of c.rows) ids.add(r.id);
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
    return (await this.db.getAll('heads')).sort((a, b) => a.created.localeCompare(b.created));
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
    const names = ['settings', 'sets', 'chunks', 'heads', 'runs', 'jobs'] as const;
    const tx = this.db.transaction([...names], 'readwrite');
    await Promise.all([...names.map((n) => tx.objectStore(n).clear()), tx.done]);
  }
}

export function newId(prefix: string): string {
  const r = crypto.getRandomValues(new Uint32Array(2));
  return `${prefix}-${Date.now().toString(36)}-${r[0].toString(36)}${r[1].toString(36)}`;
}
