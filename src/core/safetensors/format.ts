// safetensors: [u64 LE header length N][N bytes JSON header][data]. The header
// maps tensor names to {dtype, shape, data_offsets: [begin, end]} relative to
// the start of the data (byte 8 + N), plus optional "__metadata__" strings.
// Reading goes through a ByteSource so a 2.33 GB hub file can be read a header
// and a few tensors at a time with HTTP range requests.
import type { ByteSource } from '../io/byte-source.ts';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL' | 'U16' | 'U32' | 'U64' | 'F8_E4M3' | 'F8_E5M2';

export const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, U16: 2, U32: 4, U64: 8, F8_E4M3: 1, F8_E5M2: 1,
};

export interface TensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  /** [begin, end) relative to the data start. */
  data_offsets: [number, number];
}

export interface SafetensorsHeader {
  tensors: Record<string, TensorInfo>;
  metadata?: Record<string, string>;
  /** Absolute offset of the data section (8 + N). */
  dataStart: number;
  /** Header length N. */
  headerLength: number;
}

export class SafetensorsError extends Error {
  constructor(
    readonly source: string,
    reason: string,
  ) {
    super(`${source}: ${reason}`);
    this.name = 'SafetensorsError';
  }
}

/** Header sizes above this are not real safetensors files (the format caps it at 100 MB). */
const MAX_HEADER = 100_000_000;

/** Parses header JSON text; checks dtypes, shapes and offsets against `dataLength` when known. */
export function parseHeaderJson(text: string, headerLength: number, source: string, dataLength?: number): SafetensorsHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(source, `header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SafetensorsError(source, 'header must be a JSON object');
  const tensors: Record<string, TensorInfo> = {};
  let metadata: Record<string, string> | undefined;
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      // null is "no metadata" to the reference reader (an Option), so it is here too.
      if (v === null) continue;
      if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) {
        throw new SafetensorsError(source, '__metadata__ must map names to strings');
      }
      metadata = v as Record<string, string>;
      continue;
    }
    const t = v as TensorInfo;
    if (!t || typeof t !== 'object' || !(t.dtype in DTYPE_BYTES)) throw new SafetensorsError(source, `tensor "${name}" has an unknown dtype ${JSON.stringify(t?.dtype)}`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new SafetensorsError(source, `tensor "${name}" has a bad shape`);
    const [b, e] = t.data_offsets ?? [];
    if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < b) throw new SafetensorsError(source, `tensor "${name}" has bad data_offsets`);
    const expected = t.shape.reduce((a, d) => a * d, 1) * DTYPE_BYTES[t.dtype];
    if (e - b !== expected) throw new SafetensorsError(source, `tensor "${name}": ${e - b} bytes for shape [${t.shape}] ${t.dtype} (${expected} expected)`);
    if (dataLength !== undefined && e > dataLength) throw new SafetensorsError(source, `tensor "${name}" ends at ${e}, past the end of the data (${dataLength} bytes; truncated file?)`);
    tensors[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [b, e] };
  }
  // As the reference reader: the tensors tile the data from 0 with no gap or overlap (a header
  // whose offsets do not is corrupt, and reading it would return some other tensor's bytes).
  let end = 0;
  for (const [name, t] of Object.entries(tensors).sort((x, y) => x[1].data_offsets[0] - y[1].data_offsets[0] || x[1].data_offsets[1] - y[1].data_offsets[1])) {
    const [b, e] = t.data_offsets;
    if (b !== end) throw new SafetensorsError(source, `tensor "${name}" starts at ${b}, but the data before it ends at ${end} (${b < end ? 'overlapping' : 'a gap between'} tensors)`);
    end = e;
  }
  if (dataLength !== undefined && end !== dataLength) throw new SafetensorsError(source, `the tensors end at byte ${end} of the data, but the file holds ${dataLength} bytes after the header`);
  return { tensors, metadata, dataStart: 8 + headerLength, headerLength };
}

/** Reads and checks the header: two small reads (length, then JSON). */
export async function readHeader(src: ByteSource): Promise<SafetensorsHeader> {
  const size = await src.size();
  if (size < 8) throw new SafetensorsError(src.name, `is ${size} bytes, too short for a safetensors file`);
  const lenBytes = await src.read(0, 8);
  const n = Number(new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true));
  if (!(n > 1 && n <= MAX_HEADER && n <= size - 8)) throw new SafetensorsError(src.name, `header length ${n} is impossible for a ${size}-byte file (not safetensors?)`);
  const text = new TextDecoder().decode(await src.read(8, n));
  return parseHeaderJson(text, n, src.name, size - 8 - n);
}

/** IEEE half → float. */
export function f16ToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    out[i] = e === 0 ? s * f * 2 ** -24 : e === 31 ? (f ? NaN : s * Infinity) : s * (1 + f / 1024) * 2 ** (e - 15);
  }
  return out;
}

/** bfloat16 → float (the upper half of a float32). */
export function bf16ToF32(bits: Uint16Array): Float32Array {
  const u = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) u[i] = bits[i] << 16;
  return new Float32Array(u.buffer);
}

/** Decodes little-endian tensor bytes of a float dtype to float32. */
export function toFloat32(bytes: Uint8Array, dtype: SafetensorsDtype, name: string, source: string): Float32Array {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  switch (dtype) {
    case 'F32':
      return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4).slice();
    case 'F16':
      return f16ToF32(new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2));
    case 'BF16':
      return bf16ToF32(new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2));
    case 'F64':
      return Float32Array.from(new Float64Array(aligned.byteOffset % 8 === 0 ? aligned.buffer : aligned.slice().buffer, aligned.byteOffset % 8 === 0 ? aligned.byteOffset : 0, aligned.byteLength / 8));
    default:
      throw new SafetensorsError(source, `tensor "${name}" has dtype ${dtype}; expected a float dtype (F32, F16, BF16)`);
  }
}

export interface LoadedTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

/**
 * Reads only the named tensors (as float32). Tensors lying next to each other
 * in the file are fetched in one read; nothing else is read.
 */
export async function readTensors(src: ByteSource, header: SafetensorsHeader, names: readonly string[]): Promise<Map<string, LoadedTensor>> {
  const infos = names.map((name) => {
    const info = header.tensors[name];
    if (!info) throw new SafetensorsError(src.name, `has no tensor "${name}"`);
    return { name, info };
  });
  infos.sort((a, b) => a.info.data_offsets[0] - b.info.data_offsets[0]);
  const out = new Map<string, LoadedTensor>();
  let i = 0;
  while (i < infos.length) {
    let j = i;
    let end = infos[i].info.data_offsets[1];
    while (j + 1 < infos.length && infos[j + 1].info.data_offsets[0] === end) end = infos[++j].info.data_offsets[1];
    const begin = infos[i].info.data_offsets[0];
    const bytes = await src.read(header.dataStart + begin, end - begin);
    if (bytes.byteLength !== end - begin) throw new SafetensorsError(src.name, `short read at ${header.dataStart + begin} (${bytes.byteLength} of ${end - begin} bytes; truncated file?)`);
    for (let k = i; k <= j; k++) {
      const { name, info } = infos[k];
      const slice = bytes.subarray(info.data_offsets[0] - begin, info.data_offsets[1] - begin);
      out.set(name, { dtype: info.dtype, shape: info.shape, data: toFloat32(slice, info.dtype, name, src.name) });
    }
    i = j + 1;
  }
  return out;
}

export interface TensorToWrite {
  name: string;
  shape: number[];
  /** Stored as F32. */
  data: Float32Array;
}

/** Serialises F32 tensors in the given order; the header is space-padded to a multiple of 8 (as the Python library does). */
export function serializeSafetensors(tensors: readonly TensorToWrite[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, d) => a * d, 1);
    if (n !== t.data.length) throw new Error(`serializeSafetensors: "${t.name}" has ${t.data.length} values for shape [${t.shape}]`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + n * 4] };
    offset += n * 4;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.byteLength % 8)) % 8;
  if (pad) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let at = 8 + json.byteLength;
  for (const t of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
