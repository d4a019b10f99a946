// Builds ONNX models in code: the tiny test encoder and the head's training
// graph are generated, never committed. Field numbers follow onnx.proto
// (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto, AttributeProto).
import { ProtoWriter } from './protobuf-writer.ts';

export type ElemType = 'float32' | 'float16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool' | 'float64';

const DATA_TYPE: Record<ElemType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

/** Tensor data by element type; float16 is raw IEEE half bits in a Uint16Array. */
export type TensorData = Float32Array | Float64Array | Uint16Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

export interface TensorValue {
  type: ElemType;
  dims: readonly number[];
  data: TensorData;
}

/** Wraps typed data as an attribute/initializer tensor value. */
export function tensor(type: ElemType, dims: readonly number[], data: TensorData): TensorValue {
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`tensor: ${data.length} values for dims [${dims.join(',')}] (${count} expected)`);
  return { type, dims, data };
}

export type AttrValue = number | number[] | string | TensorValue | { float: number } | { floats: number[] } | { ints: number[] };

interface NodeDef {
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  domain: string;
  name: string;
}

interface ValueInfo {
  name: string;
  type: ElemType;
  dims: readonly (number | string)[];
}

interface Initializer extends TensorValue {
  name: string;
}

export interface ToModelOptions {
  /** Default opset of the ai.onnx domain (17 has LayerNormalization). */
  opset?: number;
  /** Extra opsets, e.g. { 'com.microsoft': 1 }. */
  extraOpsets?: Record<string, number>;
  producer?: string;
  graphName?: string;
  /**
   * Store initializers of at least `threshold` bytes in a separate file
   * (`location`, relative to the model file), as large exports do.
   */
  externalData?: { location: string; threshold?: number };
}

export interface BuiltModel {
  model: Uint8Array;
  /** Bytes of the external data file, when `externalData` was asked for. */
  externalData?: Uint8Array;
}

function bytesOf(data: TensorData): Uint8Array {
  if (data instanceof Uint8Array) return data;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function writeTensor(w: ProtoWriter, name: string | undefined, t: TensorValue, external?: { location: string; offset: number }): void {
  if (t.dims.length) w.packedInts(1, t.dims);
  w.int(2, DATA_TYPE[t.type]);
  if (name !== undefined) w.string(8, name);
  const raw = bytesOf(t.data);
  if (external) {
    w.message(13, (e) => e.string(1, 'location').string(2, external.location));
    w.message(13, (e) => e.string(1, 'offset').string(2, String(external.offset)));
    w.message(13, (e) => e.string(1, 'length').string(2, String(raw.byteLength)));
    w.int(14, 1);
  } else {
    // raw_data is little-endian; typed arrays are little-endian on every platform we run on.
    w.bytes(9, raw);
  }
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tt) => {
      tt.int(1, DATA_TYPE[v.type]);
      tt.message(2, (shape) => {
        for (const d of v.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

function writeAttr(w: ProtoWriter, name: string, value: AttrValue): void {
  w.string(1, name);
  if (typeof value === 'number') {
    if (Number.isInteger(value)) w.int(3, value).int(20, 2);
    else w.float(2, value).int(20, 1);
  } else if (typeof value === 'string') {
    w.string(4, value).int(20, 3);
  } else if (Array.isArray(value)) {
    if (value.every((v) => Number.isInteger(v))) w.packedInts(8, value).int(20, 7);
    else w.packedFloats(7, value).int(20, 6);
  } else if ('float' in value) {
    w.float(2, value.float).int(20, 1);
  } else if ('floats' in value) {
    w.packedFloats(7, value.floats).int(20, 6);
  } else if ('ints' in value) {
    w.packedInts(8, value.ints).int(20, 7);
  } else {
    w.message(5, (t) => writeTensor(t, undefined, value)).int(20, 4);
  }
}

export class GraphBuilder {
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly inits: Initializer[] = [];
  private readonly nodes: NodeDef[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  input(name: string, type: ElemType, dims: readonly (number | string)[]): string {
    this.claim(name);
    this.inputs.push({ name, type, dims });
    return name;
  }

  output(name: string, type: ElemType, dims: readonly (number | string)[]): string {
    this.outputs.push({ name, type, dims });
    return name;
  }

  initializer(name: string, data: TensorData, dims: readonly number[], type?: ElemType): string {
    this.claim(name);
    this.inits.push({ name, ...tensor(type ?? inferType(data), dims, data) });
    return name;
  }

  /** A scalar or 1-D constant as an initializer with a generated name. */
  constant(data: TensorData, dims: readonly number[], type?: ElemType, hint = 'const'): string {
    const name = this.fresh(hint); // fresh() already reserves the name
    this.inits.push({ name, ...tensor(type ?? inferType(data), dims, data) });
    return name;
  }

  /** Adds a node; returns its outputs. Pass output names, or a count to get fresh names. */
  node(opType: string, inputs: string[], outputs: string[] | number = 1, attrs: Record<string, AttrValue> = {}, domain = ''): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(opType)) : outputs;
    this.nodes.push({ opType, inputs, outputs: outs, attrs, domain, name: this.fresh(`${opType}_node`) });
    return outs;
  }

  /** Single-output shorthand. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    return this.node(opType, inputs, output ? [output] : 1, attrs)[0];
  }

  fresh(hint: string): string {
    let name: string;
    do name = `${hint}_${this.counter++}`;
    while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`GraphBuilder: duplicate name "${name}"`);
    this.names.add(name);
  }

  toModel(opts: ToModelOptions = {}): BuiltModel {
    const opset = opts.opset ?? 17;
    const threshold = opts.externalData?.threshold ?? 1024;
    const externalParts: Uint8Array[] = [];
    let externalSize = 0;
    const graph = new ProtoWriter();
    for (const n of this.nodes) {
      graph.message(1, (w) => {
        for (const i of n.inputs) w.string(1, i);
        for (const o of n.outputs) w.string(2, o);
        w.string(3, n.name);
        w.string(4, n.opType);
        for (const [k, v] of Object.entries(n.attrs)) w.message(5, (a) => writeAttr(a, k, v));
        if (n.domain) w.string(7, n.domain);
      });
    }
    graph.string(2, opts.graphName ?? 'main');
    for (const init of this.inits) {
      const raw = bytesOf(init.data);
      if (opts.externalData && raw.byteLength >= threshold) {
        // Align each tensor to 64 bytes, as onnx's external-data writer allows and mmap likes.
        const pad = (64 - (externalSize % 64)) % 64;
        if (pad) externalParts.push(new Uint8Array(pad));
        externalSize += pad;
        const offset = externalSize;
        externalParts.push(raw);
        externalSize += raw.byteLength;
        graph.message(5, (w) => writeTensor(w, init.name, init, { location: opts.externalData!.location, offset }));
      } else {
        graph.message(5, (w) => writeTensor(w, init.name, init));
      }
    }
    for (const v of this.inputs) graph.message(11, (w) => writeValueInfo(w, v));
    for (const v of this.outputs) graph.message(12, (w) => writeValueInfo(w, v));
    const graphBytes = graph.finish();

    const model = new ProtoWriter();
    model.int(1, 8); // IR version 8: supported by every onnxruntime we ship.
    model.string(2, opts.producer ?? 'saturi');
    model.bytes(7, graphBytes);
    model.message(8, (w) => w.string(1, '').int(2, opset));
    for (const [domain, version] of Object.entries(opts.extraOpsets ?? {})) model.message(8, (w) => w.string(1, domain).int(2, version));
    const result: BuiltModel = { model: model.finish() };
    if (opts.externalData) {
      const out = new Uint8Array(externalSize);
      let at = 0;
      for (const p of externalParts) {
        out.set(p, at);
        at += p.byteLength;
      }
      result.externalData = out;
    }
    return result;
  }
}

function inferType(data: TensorData): ElemType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  throw new Error('GraphBuilder: give the element type of Uint16Array data (float16)');
}

/** Float32 → IEEE half bits (round to nearest even), for fp16 initializers. */
export function toFloat16Bits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let half = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const halfway = 1 << (shift - 1);
      if (rem > halfway || (rem === halfway && half & 1)) half++;
      out[i] = sign | half;
      continue;
    }
    let half = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
    out[i] = sign | half;
  }
  return out;
}
