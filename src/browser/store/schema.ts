// IndexedDB schema of the app, with one migration per version. Each migration
// only adds or transforms; opening an older database runs the missing ones in
// order inside the upgrade transaction, so stored data survives upgrades.
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { Head } from '../../core/head/types.ts';
import type { EmbeddingIndexRow } from '../../core/encoder/embedding-set.ts';

/** Rows per chunk in the v1–v3 layouts (read only by migrations). */
export const VECTORS_PER_CHUNK = 256;

/**
 * Most rows in one `blocks` record (v4): 16384 × 1024 float32 = 64 MB. Reading or
 * writing a record costs a fixed overhead in Chromium on top of the bytes
 * (bench:store: ~33 MB/s write, ~59 MB/s read with the 256-row records of v3),
 * so a bulk append is written as few big records.
 */
export const ROWS_PER_BLOCK = 16384;

/**
 * Blocks under this many rows are absorbed by the next append (see
 * SaturiStore.appendRows); bigger ones are never rewritten, since rewriting a
 * block copies its vectors again (bench:store: rolling small blocks into big
 * ones halved the write speed of 500-row appends).
 */
export const MERGE_ROWS = 256;

export interface StoredSetRecord {
  id: string;
  name: string;
  /** The shared embedding-set manifest (format tag, encoder, dtype, dim, pooling, labels, ...). */
  manifest: Record<string, unknown>;
  dim: number;
  /** Rows stored so far (= vectors stored). */
  count: number;
  created: string;
  source: 'import' | 'dataset';
  /** True while an import stores its rows; a set left so (its tab closed mid-import) is removed when the store opens. */
  importing?: boolean;
}

/** A row of an embedding set's index.jsonl, stored with its set and position. */
export interface StoredSegment extends EmbeddingIndexRow {
  setId: string;
  /** Position of the row in the set (= position of its vector). */
  ord: number;
}

export type ChunkRow = Omit<StoredSegment, 'setId' | 'ord'>;

/**
 * v3 record (migrated to `blocks` in v4): rows `chunk·VECTORS_PER_CHUNK …` of a set with their vectors. The vectors are a
 * Blob: Chromium keeps large values as blobs anyway, and a Blob is read lazily, so
 * listing rows (done ids, CSV export) never pulls the vectors off disk.
 */
export interface StoredChunk {
  setId: string;
  chunk: number;
  rows: ChunkRow[];
  /** rows.length × dim float32 values, little-endian. */
  vectors: Blob;
}

/**
 * Rows `start … start+count` of a set with their vectors (v4). Blocks of a set are
 * contiguous and hold at most ROWS_PER_BLOCK rows each.
 */
export interface StoredBlock {
  setId: string;
  start: number;
  count: number;
  /**
   * JSON of the count rows: one string clones into and out of IndexedDB several
   * times faster than thousands of small objects, and is parsed only when rows
   * are needed (vectors reads skip it).
   */
  rows: string;
  /**
   * count × dim float32 values, little-endian (may be longer: read the first
   * count × dim). A Blob is read lazily, and a set's blocks are read with a
   * single read of one Blob composed of them all.
   */
  vectors: Blob;
}

/** v1/v2 records (migrated to `chunks` in v3). */
export interface LegacySegment extends StoredSegment {}
export interface LegacyVectorChunk {
  setId: string;
  chunk: number;
  rows: number;
  data: ArrayBuffer;
}

export interface StoredHead {
  id: string;
  name: string;
  created: string;
  source: 'trained' | 'imported' | 'pretrained';
  /** The head itself: spec, tensors (typed arrays clone into IndexedDB as they are), labels. */
  head: Head;
  /** The encoder and dtype whose embeddings the head expects (from the training set or the import). */
  encoder?: { id: string; revision?: string; dtype?: string };
  /** Training config and eval metrics, written into saturi_head.json on export. */
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  /** Extra config.json fields of an imported head, kept for re-export. */
  hfConfig?: Record<string, unknown>;
}

export interface StoredRun {
  id: string;
  name: string;
  created: string;
  status: 'running' | 'paused' | 'done' | 'cancelled' | 'failed';
  config: Record<string, unknown>;
  trainSetId: string;
  evalSetId: string;
  log: Record<string, number>[];
  metrics?: Record<string, unknown>;
  headId?: string;
  error?: string;
}

export interface JobItem {
  id: string;
  name: string;
  path: string;
  dialect: string;
  split: string;
  speaker?: string;
}

export interface StoredJob {
  /** The embedding set the job fills. */
  setId: string;
  folderName: string;
  items: JobItem[];
  /** Items skipped with their reason (unreadable, too short, unknown label). */
  rejects: { id: string; reason: string }[];
  status: 'running' | 'paused' | 'done' | 'stopped';
  message?: string;
  /** File System Access handle of the folder, when the browser has that API (lets a reload resume after one click). */
  handle?: FileSystemDirectoryHandle;
  updated: string;
}

export interface SaturiDB extends DBSchema {
  settings: { key: string; value: unknown };
  sets: { key: string; value: StoredSetRecord };
  blocks: { key: [string, number]; value: StoredBlock };
  heads: { key: string; value: StoredHead };
  runs: { key: string; value: StoredRun; indexes: { 'by-created': string } };
  jobs: { key: string; value: StoredJob };
}

export const DB_NAME = 'saturi';
export const DB_VERSION = 4;

type UpgradeTx = IDBPTransaction<SaturiDB, StoreNames<SaturiDB>[], 'versionchange'>;
type Migration = (db: IDBPDatabase<SaturiDB>, tx: UpgradeTx) => void | Promise<void>;

// Untyped views for migrations that touch stores/indexes of older versions.
type AnyDb = IDBPDatabase<unknown>;
type AnyTx = IDBPTransaction<unknown, string[], 'versionchange'>;

/** migrations[v - 1] upgrades a database from version v-1 to v. Never edit a released one: add a new one. */
export const MIGRATIONS: Migration[] = [
  // v1: embedding sets, their segments and vector chunks, settings.
  (db) => {
    const d = db as unknown as AnyDb;
    d.createObjectStore('settings');
    d.createObjectStore('sets', { keyPath: 'id' });
    d.createObjectStore('segments', { keyPath: ['setId', 'ord'] });
    d.createObjectStore('vectors', { keyPath: ['setId', 'chunk'] });
  },
  // v2: heads and training runs.
  (db) => {
    db.createObjectStore('heads', { keyPath: 'id' });
    const runs = db.createObjectStore('runs', { keyPath: 'id' });
    runs.createIndex('by-created', 'created');
  },
  // v3: rows and vectors move into one `chunks` store (rows inline, vectors as a
  // Blob: several times faster to write and read than one record per row),
  // resumable embedding jobs, and a `source` on every set (v1/v2 sets were imports).
  async (db, tx) => {
    const d = db as unknown as AnyDb;
    const t = tx as unknown as AnyTx;
    d.createObjectStore('jobs', { keyPath: 'setId' });
    const chunks = d.createObjectStore('chunks', { keyPath: ['setId', 'chunk'] });
    const rowsByChunk = new Map<string, ChunkRow[]>();
    let seg = await t.objectStore('segments').openCursor();
    while (seg) {
      const { setId, ord, ...row } = seg.value as LegacySegment;
      const key = `${setId}\u0000${Math.floor(ord / VECTORS_PER_CHUNK)}`;
      let list = rowsByChunk.get(key);
      if (!list) rowsByChunk.set(key, (list = []));
      list[ord % VECTORS_PER_CHUNK] = row;
      seg = await seg.continue();
    }
    let vec = await t.objectStore('vectors').openCursor();
    while (vec) {
      const v = vec.value as LegacyVectorChunk;
      const rows = rowsByChunk.get(`${v.setId}\u0000${v.chunk}`) ?? [];
      await chunks.put({ setId: v.setId, chunk: v.chunk, rows: rows.slice(0, v.rows), vectors: new Blob([v.data]) } satisfies StoredChunk);
      vec = await vec.continue();
    }
    d.deleteObjectStore('segments');
    d.deleteObjectStore('vectors');
    let set = await t.objectStore('sets').openCursor();
    while (set) {
      const v = set.value as StoredSetRecord;
      if (!v.source) await set.update({ ...v, source: 'import' });
      set = await set.continue();
    }
  },
  // v4: `chunks` of 256 rows become `blocks` of up to ROWS_PER_BLOCK rows keyed
  // by their first row, rows as one JSON string (bench:store: reads and writes
  // several times faster). Old chunks move over as they are (small blocks are
  // valid); their Blobs are reused, not read.
  async (db, tx) => {
    const d = db as unknown as AnyDb;
    const t = tx as unknown as AnyTx;
    const blocks = d.createObjectStore('blocks', { keyPath: ['setId', 'start'] });
    let c = await t.objectStore('chunks').openCursor();
    while (c) {
      const v = c.value as StoredChunk;
      if (v.rows.length) {
        await blocks.put({ setId: v.setId, start: v.chunk * VECTORS_PER_CHUNK, count: v.rows.length, rows: JSON.stringify(v.rows), vectors: v.vectors } satisfies StoredBlock);
      }
      c = await c.continue();
    }
    d.deleteObjectStore('chunks');
  },
];
