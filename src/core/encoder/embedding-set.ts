// Embedding set: one format shared by the Node batch job and the browser (export/import).
// A folder (or a zip of the same three files) holding
//   manifest.json  — what produced the vectors (encoder, dtype, pooling, feature config, labels, count)
//   vectors.f32    — N × dim float32, little-endian, row i belongs to index row i
//   index.jsonl    — one JSON object per row: id, name, path, dialect, split, duration, speaker?
// Pure code: no fs, no DOM. Node read/write/append lives in src/node/embeddings/.

import { strictUtf8 } from '../io/utf8.ts';

export const EMBEDDING_FORMAT = 'saturi-embeddings';
export const EMBEDDING_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const VECTORS_FILE = 'vectors.f32';
export const INDEX_FILE = 'index.jsonl';

export type EncoderDtype = 'fp32' | 'fp16' | 'q8';
export const ENCODER_DTYPES: readonly EncoderDtype[] = ['fp32', 'fp16', 'q8'];

/** The feature-extractor settings the vectors were computed with (preprocessor_config.json values). */
export interface EmbeddingFeatureConfig {
  feature_extractor_type?: string;
  feature_size: number;
  num_mel_bins: number;
  sampling_rate: number;
  stride: number;
  padding_value: number;
  [key: string]: unknown;
}

export interface EmbeddingManifest {
  format: typeof EMBEDDING_FORMAT;
  version: number;
  /** Encoder model: Hugging Face repo id, local folder or URL, and its revision (e.g. 'main', a commit, or 'local'). */
  encoder: { id: string; revision: string };
  /** Encoder weights used (model file), not the storage type: vectors are always float32. */
  dtype: EncoderDtype;
  dim: number;
  pooling: 'masked-mean';
  feature_config: EmbeddingFeatureConfig;
  max_length_seconds: number;
  /** Label names in id order (configs/labels.json); every row's dialect is one of them. */
  labels: string[];
  count: number;
  /** ISO 8601 time the set was first created. */
  created: string;
  /** How clips longer than max_length_seconds were cut: 'random' (seeded, training) or 'first' (eval / inference). */
  crop?: { mode: 'random' | 'first'; seed?: number };
  /**
   * The parts of one CSV's rows this set holds (saturi embed --shard k/N; several when shards ran
   * into one folder in turn): merge checks that the sets it joins hold every part once.
   */
  shard?: { count: number; indexes: number[] };
}

export interface EmbeddingIndexRow {
  id: string;
  name: string;
  path: string;
  dialect: string;
  split: string;
  /** Duration of the whole segment in seconds (before any crop). */
  duration: number;
  speaker?: string;
}

export interface EmbeddingSet {
  manifest: EmbeddingManifest;
  vectors: Float32Array;
  rows: EmbeddingIndexRow[];
}

export class EmbeddingSetError extends Error {
  constructor(
    readonly source: string,
    reason: string,
  ) {
    super(`${source}: ${reason}`);
    this.name = 'EmbeddingSetError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

const MANIFEST_KEYS = new Set(['format', 'version', 'encoder', 'dtype', 'dim', 'pooling', 'feature_config', 'max_length_seconds', 'labels', 'count', 'created', 'crop', 'shard']);
const FEATURE_NUMBER_KEYS = ['feature_size', 'num_mel_bins', 'sampling_rate', 'stride', 'padding_value'] as const;

/** Validates a parsed manifest.json; every error names the source and the bad key. */
export function validateManifest(value: unknown, source = MANIFEST_FILE): EmbeddingManifest {
  const bad = (key: string, reason: string): never => {
    throw new EmbeddingSetError(source, `key "${key}" ${reason}`);
  };
  if (!isObject(value)) throw new EmbeddingSetError(source, 'manifest must be a JSON object');
  for (const k of Object.keys(value)) if (!MANIFEST_KEYS.has(k)) bad(k, `is not a known key (known: ${[...MANIFEST_KEYS].join(', ')})`);
  const m = value;
  if (m.format !== EMBEDDING_FORMAT) bad('format', `must be "${EMBEDDING_FORMAT}", got ${JSON.stringify(m.format)} (not an embedding set?)`);
  if (!isPositiveInt(m.version)) bad('version', `must be a positive integer, got ${JSON.stringify(m.version)}`);
  if ((m.version as number) > EMBEDDING_FORMAT_VERSION) {
    bad('version', `is ${m.version}, newer than this program understands (${EMBEDDING_FORMAT_VERSION}); update saturi`);
  }
  if (!isObject(m.encoder)) bad('encoder', 'must be an object {id, revision}');
  const enc = m.encoder as Record<string, unknown>;
  if (!isNonEmptyString(enc.id)) bad('encoder.id', `must be a non-empty string, got ${JSON.stringify(enc.id)}`);
  if (!isNonEmptyString(enc.revision)) bad('encoder.revision', `must be a non-empty string, got ${JSON.stringify(enc.revision)}`);
  if (!ENCODER_DTYPES.includes(m.dtype as EncoderDtype)) bad('dtype', `must be one of ${ENCODER_DTYPES.join(', ')}, got ${JSON.stringify(m.dtype)}`);
  if (!isPositiveInt(m.dim)) bad('dim', `must be a positive integer, got ${JSON.stringify(m.dim)}`);
  if (m.pooling !== 'masked-mean') bad('pooling', `must be "masked-mean", got ${JSON.stringify(m.pooling)}`);
  if (!isObject(m.feature_config)) bad('feature_config', 'must be an object (preprocessor_config.json values)');
  const fc = m.feature_config as Record<string, unknown>;
  for (const k of FEATURE_NUMBER_KEYS) {
    if (typeof fc[k] !== 'number' || !Number.isFinite(fc[k])) bad(`feature_config.${k}`, `must be a number, got ${JSON.stringify(fc[k])}`);
  }
  if (typeof m.max_length_seconds !== 'number' || !(m.max_length_seconds > 0)) {
    bad('max_length_seconds', `must be a positive number, got ${JSON.stringify(m.max_length_seconds)}`);
  }
  if (!Array.isArray(m.labels) || m.labels.length === 0 || !m.labels.every(isNonEmptyString)) bad('labels', 'must be a non-empty array of label names');
  if (new Set(m.labels as string[]).size !== (m.labels as string[]).length) bad('labels', 'has a duplicate name');
  if (typeof m.count !== 'number' || !Number.isInteger(m.count) || m.count < 0) bad('count', `must be an integer >= 0, got ${JSON.stringify(m.count)}`);
  if (typeof m.created !== 'string' || Number.isNaN(Date.parse(m.created))) bad('created', `must be an ISO date string, got ${JSON.stringify(m.created)}`);
  if (m.shard !== undefined) {
    const sh = m.shard as Record<string, unknown>;
    const n = sh?.count as number;
    const ok =
      isObject(m.shard) && isPositiveInt(n) && Array.isArray(sh.indexes) && sh.indexes.length > 0 &&
      sh.indexes.every((k, i, all) => Number.isInteger(k) && k >= 0 && k < n && (i === 0 || k > all[i - 1]));
    if (!ok) bad('shard', `must be {count, indexes} with indexes increasing from 0 … count−1, got ${JSON.stringify(m.shard)}`);
  }
  if (m.crop !== undefined) {
    if (!isObject(m.crop) || (m.crop.mode !== 'random' && m.crop.mode !== 'first')) bad('crop', 'must be {mode: "random"|"first", seed?}');
    const seed = (m.crop as Record<string, unknown>).seed;
    if (seed !== undefined && !(typeof seed === 'number' && Number.isInteger(seed))) bad('crop.seed', 'must be an integer');
  }
  return m as unknown as EmbeddingManifest;
}

export function parseManifest(text: string, source = MANIFEST_FILE): EmbeddingManifest {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new EmbeddingSetError(source, `is not valid JSON: ${(e as Error).message}`);
  }
  return validateManifest(value, source);
}

export function serializeManifest(m: EmbeddingManifest): string {
  return JSON.stringify(m, null, 2) + '\n';
}

const ROW_KEYS = new Set(['id', 'name', 'path', 'dialect', 'split', 'duration', 'speaker']);

/** Validates one index row; `where` names the file and line for errors. */
export function validateIndexRow(value: unknown, where: string): EmbeddingIndexRow {
  if (!isObject(value)) throw new EmbeddingSetError(where, 'index row must be a JSON object');
  for (const k of Object.keys(value)) if (!ROW_KEYS.has(k)) throw new EmbeddingSetError(where, `unknown key "${k}" (known: ${[...ROW_KEYS].join(', ')})`);
  for (const k of ['id', 'dialect'] as const) {
    if (!isNonEmptyString(value[k])) throw new EmbeddingSetError(where, `"${k}" must be a non-empty string, got ${JSON.stringify(value[k])}`);
  }
  for (const k of ['name', 'path', 'split'] as const) {
    if (typeof value[k] !== 'string') throw new EmbeddingSetError(where, `"${k}" must be a string, got ${JSON.stringify(value[k])}`);
  }
  if (typeof value.duration !== 'number' || !Number.isFinite(value.duration) || value.duration < 0) {
    throw new EmbeddingSetError(where, `"duration" must be a number >= 0, got ${JSON.stringify(value.duration)}`);
  }
  if (value.speaker !== undefined && typeof value.speaker !== 'string') {
    throw new EmbeddingSetError(where, `"speaker" must be a string when present, got ${JSON.stringify(value.speaker)}`);
  }
  return value as unknown as EmbeddingIndexRow;
}

/** One index line (no newline), keys in a fixed order; `speaker` only when known. */
export function serializeIndexRow(row: EmbeddingIndexRow): string {
  const o: EmbeddingIndexRow = { id: row.id, name: row.name, path: row.path, dialect: row.dialect, split: row.split, duration: row.duration };
  if (row.speaker !== undefined && row.speaker !== '') o.speaker = row.speaker;
  return JSON.stringify(o);
}

export function serializeIndex(rows: readonly EmbeddingIndexRow[]): string {
  let s = '';
  for (const r of rows) s += serializeIndexRow(r) + '\n';
  return s;
}

export interface ParsedIndex {
  rows: EmbeddingIndexRow[];
  /** Characters of text covered by complete, valid lines (an interrupted append may leave a torn last line). */
  validLength: number;
  /** True when the text ended in an incomplete (no newline) or unparsable last line that was ignored. */
  tornTail: boolean;
  /** The last row had no newline after it (allowTornTail only): a writer appending must add one. */
  unterminated?: boolean;
}

/**
 * Parses index.jsonl. Strict by default (every line must parse). With `allowTornTail`, a
 * last line without its newline — what a crash mid-append leaves — is ignored and reported.
 */
export function parseIndex(text: string, source = INDEX_FILE, opts: { allowTornTail?: boolean } = {}): ParsedIndex {
  const rows: EmbeddingIndexRow[] = [];
  let pos = 0;
  let line = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    line++;
    if (nl < 0 && opts.allowTornTail) {
      // A final line without its newline: kept when it is a whole row (hand-edited, or cut just
      // before the newline), ignored as torn when not.
      try {
        const raw = text.slice(pos).trim();
        if (raw !== '') rows.push(validateIndexRow(JSON.parse(raw), `${source}:${line}`));
        return { rows, validLength: text.length, tornTail: false, unterminated: raw !== '' };
      } catch {
        return { rows, validLength: pos, tornTail: true };
      }
    }
    // Strict: a final line without newline is still fine when it parses (hand-edited files).
    const end = nl < 0 ? text.length : nl;
    const raw = text.slice(pos, end).trim();
    if (raw !== '') {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (e) {
        throw new EmbeddingSetError(`${source}:${line}`, `is not valid JSON: ${(e as Error).message}`);
      }
      rows.push(validateIndexRow(value, `${source}:${line}`));
    }
    pos = nl < 0 ? text.length : nl + 1;
  }
  return { rows, validLength: text.length, tornTail: false };
}

export const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Float32 rows → little-endian bytes (a view, no copy, on little-endian machines). */
export function vectorsToBytes(vectors: Float32Array): Uint8Array {
  if (littleEndian) return new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
  const out = new Uint8Array(vectors.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < vectors.length; i++) dv.setFloat32(i * 4, vectors[i]!, true);
  return out;
}

/** Throws unless `byteLength` is a whole number of dim-vectors of float32. */
export function checkVectorBytes(byteLength: number, dim: number, source = VECTORS_FILE): void {
  const rowBytes = dim * 4;
  if (byteLength % rowBytes !== 0) {
    throw new EmbeddingSetError(source, `has ${byteLength} bytes, not a whole number of ${dim}-dim float32 vectors (${rowBytes} bytes each): truncated?`);
  }
}

/** Little-endian bytes → Float32 rows; the byte count must be a whole number of dim-vectors. */
export function vectorsFromBytes(bytes: Uint8Array, dim: number, source = VECTORS_FILE): Float32Array {
  checkVectorBytes(bytes.byteLength, dim, source);
  const n = bytes.byteLength / 4;
  if (littleEndian) {
    // Copy into a fresh, aligned buffer: the input may sit at an odd offset in a larger buffer.
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const out = new Float32Array(n);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

/** Checks that manifest, vectors and rows agree: counts, dim, unique ids, known dialects, finite values. */
export function validateEmbeddingSet(set: EmbeddingSet, source = 'embedding set'): void {
  const { manifest, vectors, rows } = set;
  if (vectors.length % manifest.dim !== 0) throw new EmbeddingSetError(source, `vectors hold ${vectors.length} values, not a multiple of dim ${manifest.dim}`);
  const n = vectors.length / manifest.dim;
  if (n !== rows.length) throw new EmbeddingSetError(source, `${VECTORS_FILE} holds ${n} vectors but ${INDEX_FILE} has ${rows.length} rows`);
  if (manifest.count !== rows.length) {
    throw new EmbeddingSetError(source, `${MANIFEST_FILE} says count ${manifest.count} but there are ${rows.length} rows (an interrupted append? rerun the job to repair)`);
  }
  const labels = new Set(manifest.labels);
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    if (seen.has(r.id)) throw new EmbeddingSetError(source, `${INDEX_FILE} row ${i + 1}: duplicate id "${r.id}"`);
    seen.add(r.id);
    if (!labels.has(r.dialect)) throw new EmbeddingSetError(source, `${INDEX_FILE} row ${i + 1} (id "${r.id}"): dialect "${r.dialect}" is not one of the manifest labels (${manifest.labels.join(', ')})`);
  });
  for (let i = 0; i < vectors.length; i++) {
    if (!Number.isFinite(vectors[i]!)) {
      const row = Math.floor(i / manifest.dim);
      throw new EmbeddingSetError(source, `vector ${row} (id "${rows[row]?.id}") has a non-finite value at position ${i % manifest.dim}`);
    }
  }
}

/**
 * Why the vectors of two sets are not the same kind of embedding (encoder, dtype, dim, pooling,
 * features); null when they are. A head trained on one and evaluated on the other is measured on
 * inputs it never saw.
 */
export function embeddingsIncompatibility(a: EmbeddingManifest, b: EmbeddingManifest): string | null {
  // dtype first: a local folder's revision covers the dtype's own weights, so it differs too.
  if (a.dtype !== b.dtype) return `dtype differs (${a.dtype} vs ${b.dtype})`;
  if (a.encoder.id !== b.encoder.id || a.encoder.revision !== b.encoder.revision) {
    return `encoder differs (${a.encoder.id}@${a.encoder.revision} vs ${b.encoder.id}@${b.encoder.revision})`;
  }
  if (a.dim !== b.dim) return `dim differs (${a.dim} vs ${b.dim})`;
  if (a.pooling !== b.pooling) return `pooling differs (${a.pooling} vs ${b.pooling})`;
  for (const k of FEATURE_NUMBER_KEYS) {
    if (a.feature_config[k] !== b.feature_config[k]) return `feature_config.${k} differs (${a.feature_config[k]} vs ${b.feature_config[k]})`;
  }
  return null;
}

/** What decides the embeddings an encoder makes: the model at its revision, the dtype, the dimension. */
export interface EncoderIdentity {
  modelId: string;
  revision: string;
  dtype: string;
  dim: number;
}

/**
 * Why `loaded` cannot add rows to a set embedded with `expected`; null when they are the same
 * encoder. Shared by the app (before resuming a set) and the encoder worker (before each batch).
 */
export function encoderDifference(expected: EncoderIdentity, loaded: EncoderIdentity): string | null {
  if (loaded.modelId !== expected.modelId || loaded.revision !== expected.revision) return `the set was embedded with ${expected.modelId}@${expected.revision}, the encoder loaded now is ${loaded.modelId}@${loaded.revision}`;
  if (loaded.dtype !== expected.dtype) return `the set was embedded with dtype ${expected.dtype}, the encoder loaded now is ${loaded.dtype}`;
  if (loaded.dim !== expected.dim) return `the set holds ${expected.dim}-dimensional embeddings, the encoder loaded now makes ${loaded.dim}`;
  return null;
}

/**
 * Why an encoder, as loaded, cannot add rows to a set embedded with `m` (the settings changed
 * since the set was started); null when it is the set's own encoder.
 */
export function encoderMismatch(m: EmbeddingManifest, loaded: EncoderIdentity): string | null {
  return encoderDifference({ modelId: m.encoder.id, revision: m.encoder.revision, dtype: m.dtype, dim: m.dim }, loaded);
}

/** Why two sets cannot be merged or appended to each other; null when compatible. */
export function manifestIncompatibility(a: EmbeddingManifest, b: EmbeddingManifest): string | null {
  const kind = embeddingsIncompatibility(a, b);
  if (kind) return kind;
  if (a.max_length_seconds !== b.max_length_seconds) return `max_length_seconds differs (${a.max_length_seconds} vs ${b.max_length_seconds})`;
  // Sets written before the crop was recorded say nothing: only two known crops are compared.
  if (a.crop && b.crop && (a.crop.mode !== b.crop.mode || (a.crop.mode === 'random' && a.crop.seed !== b.crop.seed))) {
    const crop = (m: EmbeddingManifest) => `${m.crop!.mode}${m.crop!.mode === 'random' ? ` seed ${m.crop!.seed}` : ''}`;
    return `crop differs (${crop(a)} vs ${crop(b)})`;
  }
  if (a.labels.join('\u0000') !== b.labels.join('\u0000')) return `labels differ (${a.labels.join(',')} vs ${b.labels.join(',')})`;
  return null;
}

/**
 * Joins sets (e.g. shards of one job) in the given order. Manifests must be compatible.
 * An id present in several sets is kept once (first occurrence) when its vectors are equal,
 * otherwise it is an error: the same segment must not carry two embeddings.
 */
export function mergeEmbeddingSets(sets: readonly EmbeddingSet[], names: readonly string[] = sets.map((_, i) => `set ${i + 1}`), opts: { allowPartial?: boolean } = {}): EmbeddingSet {
  if (sets.length === 0) throw new EmbeddingSetError('merge', 'needs at least one embedding set');
  const first = sets[0]!.manifest;
  const dim = first.dim;
  sets.forEach((s, i) => {
    const why = manifestIncompatibility(first, s.manifest);
    if (why) throw new EmbeddingSetError(names[i]!, `cannot be merged with ${names[0]}: ${why}`);
  });
  checkShards(sets.map((s) => s.manifest), names, opts.allowPartial ?? false);
  const where = new Map<string, [number, number]>();
  const keep: [number, number][] = [];
  sets.forEach((s, si) => {
    s.rows.forEach((r, ri) => {
      const prev = where.get(r.id);
      if (prev) {
        const a = sets[prev[0]]!.vectors.subarray(prev[1] * dim, (prev[1] + 1) * dim);
        const b = s.vectors.subarray(ri * dim, (ri + 1) * dim);
        for (let k = 0; k < dim; k++) {
          if (a[k] !== b[k]) throw new EmbeddingSetError(names[si]!, `id "${r.id}" is also in ${names[prev[0]]} with a different embedding`);
        }
        // The same vector under another label (a shard embedded before a CSV fix) would keep whichever came first.
        const first = sets[prev[0]]!.rows[prev[1]]!;
        for (const key of ['dialect', 'split', 'speaker'] as const) {
          if ((first[key] ?? '') !== (r[key] ?? '')) throw new EmbeddingSetError(names[si]!, `id "${r.id}" is also in ${names[prev[0]]} with ${key} "${first[key] ?? ''}", here "${r[key] ?? ''}"`);
        }
        return;
      }
      where.set(r.id, [si, ri]);
      keep.push([si, ri]);
    });
  });
  const vectors = new Float32Array(keep.length * dim);
  const rows: EmbeddingIndexRow[] = new Array(keep.length);
  keep.forEach(([si, ri], i) => {
    const s = sets[si]!;
    vectors.set(s.vectors.subarray(ri * dim, (ri + 1) * dim), i * dim);
    rows[i] = s.rows[ri]!;
  });
  const created = sets.map((s) => s.manifest.created).sort()[0]!;
  const { shard: _, ...whole } = first;
  return { manifest: { ...whole, count: rows.length, created }, vectors, rows };
}

/**
 * Shards of one job merge whole: all of one --shard k/N split, each part once. A part left out
 * (a machine whose job failed) or one of another split made a set that looked complete.
 */
function checkShards(manifests: readonly EmbeddingManifest[], names: readonly string[], allowPartial: boolean): void {
  const sharded = manifests.map((m, i) => ({ shard: m.shard, name: names[i]! })).filter((x) => x.shard);
  if (sharded.length === 0) return;
  const part = (sh: NonNullable<EmbeddingManifest['shard']>) => `shard${sh.indexes.length > 1 ? 's' : ''} ${sh.indexes.map((k) => `${k}/${sh.count}`).join(', ')}`;
  const whole = manifests.findIndex((m) => !m.shard);
  if (whole >= 0) throw new EmbeddingSetError(names[whole]!, `is a whole set, ${sharded[0]!.name} holds ${part(sharded[0]!.shard!)}: merge the shards of one job on their own`);
  const count = sharded[0]!.shard!.count;
  const seen = new Map<number, string>();
  for (const { shard, name } of sharded) {
    if (shard!.count !== count) throw new EmbeddingSetError(name, `holds ${part(shard!)}, ${sharded[0]!.name} ${part(sharded[0]!.shard!)}: shards of different splits do not make one set`);
    for (const k of shard!.indexes) {
      const twice = seen.get(k);
      if (twice !== undefined) throw new EmbeddingSetError(name, `holds shard ${k}/${count}, as ${twice} does: each shard once`);
      seen.set(k, name);
    }
  }
  const missing = Array.from({ length: count }, (_, k) => k).filter((k) => !seen.has(k));
  if (missing.length && !allowPartial) {
    throw new EmbeddingSetError('merge', `shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${count}`).join(', ')} missing: the merged set would lack their rows (pass --allow-partial to merge what is there)`);
  }
}

/** The three files of a set as bytes (for a zip download in the browser or a folder in Node). */
export function encodeEmbeddingSetFiles(set: EmbeddingSet): Record<string, Uint8Array> {
  validateEmbeddingSet(set);
  const enc = new TextEncoder();
  return {
    [MANIFEST_FILE]: enc.encode(serializeManifest(set.manifest)),
    [VECTORS_FILE]: vectorsToBytes(set.vectors),
    [INDEX_FILE]: enc.encode(serializeIndex(set.rows)),
  };
}

/**
 * A set's text file as UTF-8, refusing invalid bytes (naming the file and where) instead of
 * replacing them: an id with U+FFFD in it would match no segment of the CSV it came from.
 */
export function decodeUtf8Text(bytes: Uint8Array, file: string): string {
  return strictUtf8(bytes, (line, byte) => new EmbeddingSetError(file, `is not valid UTF-8 (line ${line}, byte ${byte})`));
}

/** Reads the three files (by name) back into a validated set; a missing file is named in the error. */
export function decodeEmbeddingSetFiles(files: Record<string, Uint8Array>, source = 'embedding set'): EmbeddingSet {
  for (const f of [MANIFEST_FILE, VECTORS_FILE, INDEX_FILE]) {
    if (!files[f]) throw new EmbeddingSetError(source, `is missing ${f}`);
  }
  const manifest = parseManifest(decodeUtf8Text(files[MANIFEST_FILE]!, `${source}/${MANIFEST_FILE}`), `${source}/${MANIFEST_FILE}`);
  const vectors = vectorsFromBytes(files[VECTORS_FILE]!, manifest.dim, `${source}/${VECTORS_FILE}`);
  const { rows } = parseIndex(decodeUtf8Text(files[INDEX_FILE]!, `${source}/${INDEX_FILE}`), `${source}/${INDEX_FILE}`);
  const set = { manifest, vectors, rows };
  validateEmbeddingSet(set, source);
  return set;
}

/** A manifest for a new, empty set; count and created are filled in. */
export function createManifest(init: Omit<EmbeddingManifest, 'format' | 'version' | 'count' | 'created' | 'pooling'> & { created?: string }): EmbeddingManifest {
  const m: EmbeddingManifest = {
    format: EMBEDDING_FORMAT,
    version: EMBEDDING_FORMAT_VERSION,
    encoder: { id: init.encoder.id, revision: init.encoder.revision },
    dtype: init.dtype,
    dim: init.dim,
    pooling: 'masked-mean',
    feature_config: init.feature_config,
    max_length_seconds: init.max_length_seconds,
    labels: [...init.labels],
    count: 0,
    created: init.created ?? new Date().toISOString(),
  };
  if (init.crop) m.crop = init.crop;
  if (init.shard) m.shard = { count: init.shard.count, indexes: [...init.shard.indexes] };
  return validateManifest(m);
}
