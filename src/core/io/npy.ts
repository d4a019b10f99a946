// NumPy .npy (format version 1.0) writer and reader for float32 / int32 / int64 arrays, so features
// and masks can be inspected with `numpy.load`. Little-endian, C order.

export type NpyArray = Float32Array | Int32Array | BigInt64Array;

export interface NpyData {
  data: NpyArray;
  shape: number[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function descrOf(data: NpyArray): string {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof BigInt64Array) return '<i8';
  throw new TypeError('npy: only Float32Array, Int32Array and BigInt64Array are supported');
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Encodes `data` with `shape` as .npy bytes (the header is padded so data starts 64-byte aligned). */
export function encodeNpy(data: NpyArray, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new RangeError(`npy: bad shape [${shape.join(', ')}]`);
  if (count !== data.length) throw new RangeError(`npy: shape [${shape.join(', ')}] holds ${count} values, data has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // magic(6) + version(2) + header length(2) + header + '\n' is a multiple of 64.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  if (header.length > 0xffff) throw new RangeError('npy: header too long for format 1.0');
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  out.set(body, 10 + header.length);
  if (!littleEndianHost) {
    const size = data.BYTES_PER_ELEMENT;
    for (let o = 10 + header.length; o < out.length; o += size) out.subarray(o, o + size).reverse();
  }
  return out;
}

/** Decodes .npy bytes written by `encodeNpy` or NumPy (v1/v2/v3; '<f4', '<i4', '<i8'; C order). */
export function decodeNpy(bytes: Uint8Array, name = 'array.npy'): NpyData {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error(`${name}: not a NumPy .npy file`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (headerStart + headerLen > bytes.length) throw new Error(`${name}: truncated .npy header`);
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`${name}: malformed .npy header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') throw new Error(`${name}: Fortran-order .npy is not supported`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLen;
  const ctor = descr === '<f4' ? Float32Array : descr === '<i4' ? Int32Array : descr === '<i8' ? BigInt64Array : null;
  if (!ctor) throw new Error(`${name}: unsupported dtype ${descr} (supported: <f4, <i4, <i8)`);
  const byteLength = count * ctor.BYTES_PER_ELEMENT;
  if (start + byteLength > bytes.length) throw new Error(`${name}: truncated .npy data (${bytes.length - start} of ${byteLength} bytes)`);
  // Copy so the result is aligned and independent of `bytes` (not `bytes.slice`: on a Node Buffer
  // that is a view into a shared pool).
  const copy = new Uint8Array(byteLength);
  copy.set(bytes.subarray(start, start + byteLength));
  if (!littleEndianHost) {
    for (let o = 0; o < copy.length; o += ctor.BYTES_PER_ELEMENT) copy.subarray(o, o + ctor.BYTES_PER_ELEMENT).reverse();
  }
  return { data: new ctor(copy.buffer), shape };
}
