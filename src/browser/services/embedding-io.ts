// Embedding sets in and out of the store, in the shared format
// (manifest.json, vectors.f32, index.jsonl; a folder or a zip of the three).
import { unzip, zip, type Unzipped } from 'fflate';
import {
  EmbeddingSetError,
  INDEX_FILE,
  MANIFEST_FILE,
  VECTORS_FILE,
  decodeEmbeddingSetFiles,
  encodeEmbeddingSetFiles,
  type EmbeddingIndexRow,
  type EmbeddingManifest,
  type EmbeddingSet,
} from '../../core/encoder/embedding-set.ts';
import { newId, type SaturiStore, type StoredSetRecord } from '../store/store.ts';
import type { FolderSource } from './folder.ts';
import { notifyChanged } from './app-state.ts';
import { lockManager } from './web-locks.ts';

const IMPORT_BATCH = 1024;

/** A set folder's three files, checked, with the name it gets (not stored yet). */
export async function readSetFromFolder(folder: FolderSource, dir: string, name?: string): Promise<NamedSet> {
  const prefix = dir ? `${dir}/` : '';
  const files: Record<string, Uint8Array> = {};
  for (const f of [MANIFEST_FILE, VECTORS_FILE, INDEX_FILE]) {
    const file = await folder.file(prefix + f);
    if (file) files[f] = new Uint8Array(await file.arrayBuffer());
  }
  const set = decodeEmbeddingSetFiles(files, `${folder.name}/${dir}`.replace(/\/$/, ''));
  return { set, name: name ?? (dir.split('/').pop() || folder.name) };
}

/**
 * The sets of a zip: its files grouped by folder, one set per folder holding a manifest.json (a
 * zip of embeddings/ with train/ and test/ is two sets; files of different folders never mix).
 * All are checked before any is stored.
 */
export async function importSetFromZip(store: SaturiStore, file: File): Promise<StoredSetRecord[]> {
  return storeAll(store, await readSetsFromZip(file));
}

/** The sets of a zip, checked and named (not stored yet): see importSetFromZip. */
export async function readSetsFromZip(file: File): Promise<NamedSet[]> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const entries = await new Promise<Unzipped>((res, rej) => unzip(bytes, (e, d) => (e ? rej(new Error(`${file.name}: ${e.message}`)) : res(d))));
  const byFolder = new Map<string, Record<string, Uint8Array>>();
  for (const [path, data] of Object.entries(entries)) {
    const at = path.lastIndexOf('/');
    const [folder, base] = at < 0 ? ['', path] : [path.slice(0, at), path.slice(at + 1)];
    if (![MANIFEST_FILE, VECTORS_FILE, INDEX_FILE].includes(base)) continue;
    if (!byFolder.has(folder)) byFolder.set(folder, {});
    byFolder.get(folder)![base] = data;
  }
  const stem = file.name.replace(/\.zip$/i, '');
  const folders = [...byFolder.keys()].filter((f) => byFolder.get(f)![MANIFEST_FILE]).sort();
  if (!folders.length) throw new EmbeddingSetError(file.name, `holds no ${MANIFEST_FILE}: not an embedding set`);
  // Several sets are named by their folder in the zip (a/train and b/train stay apart).
  return folders.map((f) => ({ set: decodeEmbeddingSetFiles(byFolder.get(f)!, f ? `${file.name}/${f}` : file.name), name: folders.length > 1 ? f || stem : stem }));
}

/** A checked set and the name it is stored under. */
export interface NamedSet {
  set: EmbeddingSet;
  name: string;
}

/** Stores several checked sets: all or none (a failure removes the ones this import stored before it). */
export async function storeAll(store: SaturiStore, sets: readonly NamedSet[]): Promise<StoredSetRecord[]> {
  const out: StoredSetRecord[] = [];
  try {
    for (const { set, name } of sets) out.push(await storeSet(store, set, name));
  } catch (e) {
    for (const rec of out) await store.deleteSet(rec.id).catch(() => undefined);
    throw e;
  }
  return out;
}

const IMPORT_LOCK_PREFIX = 'saturi-import:';

/**
 * Removes the sets an import left half-stored (the tab was closed or reloaded while it stored
 * rows): marked `importing`, and no tab holds their import lock. They would look whole.
 */
export async function pruneInterruptedImports(store: SaturiStore): Promise<string[]> {
  const marked = (await store.listSets()).filter((s) => s.importing);
  if (!marked.length) return [];
  const locks = lockManager();
  const held = new Set(((locks && (await locks.query()).held) || []).map((l) => l.name));
  const gone = marked.filter((s) => !held.has(IMPORT_LOCK_PREFIX + s.id));
  for (const s of gone) await store.deleteSet(s.id);
  return gone.map((s) => s.id);
}

async function storeSet(store: SaturiStore, set: EmbeddingSet, name: string): Promise<StoredSetRecord> {
  const id = newId('set');
  const locks = lockManager();
  // Held while the rows go in, so another tab's pruneInterruptedImports leaves this set alone.
  return locks ? (locks.request(IMPORT_LOCK_PREFIX + id, () => storeSetRows(store, set, name, id)) as Promise<StoredSetRecord>) : storeSetRows(store, set, name, id);
}

async function storeSetRows(store: SaturiStore, set: EmbeddingSet, name: string, id: string): Promise<StoredSetRecord> {
  const dim = set.manifest.dim;
  const rec = await store.createSet({
    id,
    name,
    manifest: set.manifest as unknown as Record<string, unknown>,
    dim,
    created: new Date().toISOString(),
    source: 'import',
    importing: true,
  });
  try {
    for (let i = 0; i < set.rows.length; i += IMPORT_BATCH) {
      const end = Math.min(set.rows.length, i + IMPORT_BATCH);
      const rows = set.rows.slice(i, end).map((r) => ({ ...r, duration: r.duration ?? 0 }));
      await store.appendRows(rec.id, rows, set.vectors.subarray(i * dim, end * dim));
    }
  } catch (e) {
    // A set stored in part (storage full) would look whole and export truncated: it goes.
    await store.deleteSet(rec.id).catch(() => undefined);
    throw new Error(`${name}: not imported, ${(e as Error).message}`);
  }
  const stored = (await store.getSet(rec.id))!;
  const { importing: _, ...whole } = stored;
  await store.db.put('sets', whole);
  notifyChanged('sets');
  return whole;
}

/** A stored set in the shared format (the three files), optionally only some splits. */
export async function storedSetAsEmbeddingSet(store: SaturiStore, setId: string): Promise<EmbeddingSet> {
  const rec = await store.getSet(setId);
  if (!rec) throw new Error(`embedding set ${setId} does not exist`);
  const read = await store.readSet(setId);
  const { vectors } = read;
  const rows: EmbeddingIndexRow[] = read.rows.map(({ setId: _s, ord: _o, ...r }) => r);
  const manifest = { ...(rec.manifest as unknown as EmbeddingManifest), count: rows.length };
  return { manifest, vectors, rows };
}

export async function exportSetZip(store: SaturiStore, setId: string): Promise<{ blob: Blob; fileName: string }> {
  const rec = await store.getSet(setId);
  const set = await storedSetAsEmbeddingSet(store, setId);
  const files = encodeEmbeddingSetFiles(set);
  const folder = safeName(rec?.name ?? 'embeddings');
  const tree: Record<string, Uint8Array> = {};
  for (const [n, b] of Object.entries(files)) tree[`${folder}/${n}`] = b;
  // Level 0: vectors do not compress; async zip keeps the page responsive.
  const bytes = await new Promise<Uint8Array>((res, rej) => zip(tree, { level: 0 }, (e, d) => (e ? rej(e) : res(d))));
  return { blob: new Blob([bytes as BlobPart], { type: 'application/zip' }), fileName: `${folder}.zip` };
}

export function safeName(name: string): string {
  return name.replace(/[^\p{L}\p{N}._-]+/gu, '_').replace(/^_+|_+$/g, '') || 'export';
}
