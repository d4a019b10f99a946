// A minimal WebAssembly binary writer: just what the SIMD kernels need (fbank, PCM decoding; one
// exported memory, i32/f32/f64/v128 instructions). Hand-written because no WebAssembly toolchain is
// part of the build, and the kernel's tables (filterbank, twiddles) are baked in at run time.

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

function uleb(n: number, out: number[]): void {
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

function sleb(n: number, out: number[]): void {
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

/** Instruction stream of one function body. Methods push one instruction each. */
export class Code {
  readonly bytes: number[] = [];
  private simd(op: number): this {
    this.bytes.push(0xfd);
    uleb(op, this.bytes);
    return this;
  }
  private memarg(align: number, offset: number): this {
    uleb(align, this.bytes);
    uleb(offset, this.bytes);
    return this;
  }
  /** Appends the `size` bytes that `write` puts in a little-endian DataView (an immediate). */
  private immediate(size: number, write: (d: DataView) => void): this {
    const d = new DataView(new ArrayBuffer(size));
    write(d);
    for (let i = 0; i < size; i++) this.bytes.push(d.getUint8(i));
    return this;
  }
  /** Emits what `emit` emits (an instruction chosen by the caller, e.g. a lane type's add). */
  op(emit: (c: Code) => void): this {
    emit(this);
    return this;
  }
  get(l: number): this { this.bytes.push(0x20); uleb(l, this.bytes); return this; }
  set(l: number): this { this.bytes.push(0x21); uleb(l, this.bytes); return this; }
  tee(l: number): this { this.bytes.push(0x22); uleb(l, this.bytes); return this; }
  i32(v: number): this { this.bytes.push(0x41); sleb(v | 0, this.bytes); return this; }
  i32Add(): this { this.bytes.push(0x6a); return this; }
  i32Sub(): this { this.bytes.push(0x6b); return this; }
  i32Ne(): this { this.bytes.push(0x47); return this; }
  i32LtU(): this { this.bytes.push(0x49); return this; }
  i32Load(offset = 0): this { this.bytes.push(0x28); return this.memarg(2, offset); }
  f32Load(offset = 0): this { this.bytes.push(0x2a); return this.memarg(2, offset); }
  f64PromoteF32(): this { this.bytes.push(0xbb); return this; }
  i32And(): this { this.bytes.push(0x71); return this; }
  i32Mul(): this { this.bytes.push(0x6c); return this; }
  i32ShrU(): this { this.bytes.push(0x76); return this; }
  i32Eqz(): this { this.bytes.push(0x45); return this; }
  f64(v: number): this {
    this.bytes.push(0x44);
    return this.immediate(8, (d) => d.setFloat64(0, v, true));
  }
  f64ConvertI32S(): this { this.bytes.push(0xb7); return this; }
  f64Add(): this { this.bytes.push(0xa0); return this; }
  f64Sub(): this { this.bytes.push(0xa1); return this; }
  f64Mul(): this { this.bytes.push(0xa2); return this; }
  f64Div(): this { this.bytes.push(0xa3); return this; }
  f64Sqrt(): this { this.bytes.push(0x9f); return this; }
  loop(): this { this.bytes.push(0x03, 0x40); return this; }
  block(): this { this.bytes.push(0x02, 0x40); return this; }
  end(): this { this.bytes.push(0x0b); return this; }
  brIf(depth: number): this { this.bytes.push(0x0d); uleb(depth, this.bytes); return this; }
  v128Load(offset = 0): this { return this.simd(0).memarg(4, offset); }
  v128Store(offset = 0): this { return this.simd(11).memarg(4, offset); }
  f64x2Const(a: number, b = a): this {
    return this.simd(12).immediate(16, (d) => {
      d.setFloat64(0, a, true);
      d.setFloat64(8, b, true);
    });
  }
  f64x2Splat(): this { return this.simd(20); }
  f64x2ReplaceLane(lane: number): this { this.simd(34); this.bytes.push(lane); return this; }
  /** 16 raw bytes (for bit masks). */
  v128ConstBytes(bytes: Uint8Array): this {
    this.simd(12);
    for (const b of bytes) this.bytes.push(b);
    return this;
  }
  v128And(): this { return this.simd(78); }
  v128Or(): this { return this.simd(80); }
  /** (a, b, mask) → a where mask bits are 1, else b */
  v128Bitselect(): this { return this.simd(82); }
  i64x2ShrU(): this { return this.simd(205); }
  f64x2ExtractLane(lane: number): this { this.simd(33); this.bytes.push(lane); return this; }
  f64x2Gt(): this { return this.simd(74); }
  f64x2Max(): this { return this.simd(245); }
  f64x2Div(): this { return this.simd(243); }
  f32x4DemoteF64x2Zero(): this { return this.simd(94); }
  v128Store32Lane(offset: number, lane: number): this { this.simd(90).memarg(2, offset); this.bytes.push(lane); return this; }
  f64x2Add(): this { return this.simd(240); }
  f32DemoteF64(): this { this.bytes.push(0xb6); return this; }
  /** Loads one f32 into all four lanes. */
  v128Load32Splat(offset = 0): this { return this.simd(9).memarg(2, offset); }
  /** (a, b) → the 32-bit lanes `lanes` of a‖b (0–3 from a, 4–7 from b). */
  shuffle32(lanes: [number, number, number, number]): this {
    this.simd(13);
    for (const l of lanes) for (let k = 0; k < 4; k++) this.bytes.push(4 * l + k);
    return this;
  }
  f32x4Splat(): this { return this.simd(19); }
  f32x4Gt(): this { return this.simd(68); }
  f32x4Lt(): this { return this.simd(67); }
  /** 1 if any bit is set, else 0 (i32). */
  v128AnyTrue(): this { return this.simd(83); }
  i32Store(offset = 0): this { this.bytes.push(0x36); return this.memarg(2, offset); }
  f32x4Add(): this { return this.simd(228); }
  f32x4Sub(): this { return this.simd(229); }
  f32x4Mul(): this { return this.simd(230); }
  f32x4Div(): this { return this.simd(231); }
  f32x4Max(): this { return this.simd(233); }
  f32x4Min(): this { return this.simd(232); }
  f32x4ConvertI32x4S(): this { return this.simd(250); }
  f64x2PromoteLowF32x4(): this { return this.simd(95); }
  i32x4ShrU(): this { return this.simd(173); }
  /** Sign-extends lanes 0–3 (low) or 4–7 (high) of an i16x8 to i32x4. */
  i32x4ExtendLowI16x8S(): this { return this.simd(167); }
  i32x4ExtendHighI16x8S(): this { return this.simd(168); }
  i32x4Sub(): this { return this.simd(177); }
  f64x2Sub(): this { return this.simd(241); }
  f64x2Mul(): this { return this.simd(242); }
}

export interface WasmFunction {
  name: string;
  /** Number of i32 parameters (no results). */
  params: number;
  locals: [count: number, type: number][];
  body: Code;
}

/** A module exporting `functions` (i32 params, no results) and a memory `memory` of `pages` 64 KiB pages. */
export function buildModule(functions: WasmFunction[], pages: number): Uint8Array<ArrayBuffer> {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const section = (id: number, content: number[]) => {
    out.push(id);
    uleb(content.length, out);
    for (const b of content) out.push(b);
  };
  const str = (s: string, to: number[]) => {
    uleb(s.length, to);
    for (let i = 0; i < s.length; i++) to.push(s.charCodeAt(i));
  };
  const types: number[] = [];
  uleb(functions.length, types);
  for (const f of functions) {
    types.push(0x60);
    uleb(f.params, types);
    for (let i = 0; i < f.params; i++) types.push(I32);
    types.push(0);
  }
  section(1, types);
  const funcs: number[] = [];
  uleb(functions.length, funcs);
  functions.forEach((_, i) => uleb(i, funcs));
  section(3, funcs);
  const mem = [1, 0x00];
  uleb(pages, mem);
  section(5, mem);
  const exp: number[] = [];
  uleb(functions.length + 1, exp);
  functions.forEach((f, i) => {
    str(f.name, exp);
    exp.push(0x00);
    uleb(i, exp);
  });
  str('memory', exp);
  exp.push(0x02, 0);
  section(7, exp);
  const code: number[] = [];
  uleb(functions.length, code);
  for (const f of functions) {
    const fn: number[] = [];
    uleb(f.locals.length, fn);
    for (const [count, t] of f.locals) {
      uleb(count, fn);
      fn.push(t);
    }
    for (const b of f.body.bytes) fn.push(b);
    fn.push(0x0b);
    uleb(fn.length, code);
    for (const b of fn) code.push(b);
  }
  section(10, code);
  return new Uint8Array(out);
}

/**
 * `compile()`'s result for a kernel memory layout, compiled once and cached in `cache`; null (cached
 * too) where this engine rejects the module (no WebAssembly SIMD). Keyed by the whole layout: its
 * addresses are baked into the code, and they depend on the sample rate, not only the mel count.
 */
export function compileOnce<T>(cache: Map<string, T | null>, layout: object, compile: () => T): T | null {
  const key = Object.values(layout).join(',');
  let mod = cache.get(key);
  if (mod === undefined) {
    try {
      mod = compile();
    } catch {
      mod = null;
    }
    cache.set(key, mod);
  }
  return mod;
}
