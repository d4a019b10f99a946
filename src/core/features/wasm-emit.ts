// A minimal WebAssembly binary writer: just what the SIMD fbank kernel needs (one function, one
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
  loop(): this { this.bytes.push(0x03, 0x40); return this; }
  block(): this { this.bytes.push(0x02, 0x40); return this; }
  end(): this { this.bytes.push(0x0b); return this; }
  brIf(depth: number): this { this.bytes.push(0x0d); uleb(depth, this.bytes); return this; }
  v128Load(offset = 0): this { return this.simd(0).memarg(4, offset); }
  v128Store(offset = 0): this { return this.simd(11).memarg(4, offset); }
  f64x2Const(a: number, b = a): this {
    this.simd(12);
    const buf = new DataView(new ArrayBuffer(16));
    buf.setFloat64(0, a, true);
    buf.setFloat64(8, b, true);
    for (let i = 0; i < 16; i++) this.bytes.push(buf.getUint8(i));
    return this;
  }
  f64x2Splat(): this { return this.simd(20); }
  f64x2ReplaceLane(lane: number): this { this.simd(34); this.bytes.push(lane); return this; }
  f64x2Add(): this { return this.simd(240); }
  f64x2Sub(): this { return this.simd(241); }
  f64x2Mul(): this { return this.simd(242); }
}

/**
 * A module with one exported function `name` (i32 params, no results) and one exported memory
 * `memory` of `pages` initial 64 KiB pages.
 */
export function buildModule(name: string, params: number, locals: [count: number, type: number][], body: Code, pages: number): Uint8Array<ArrayBuffer> {
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
  // type: (i32 × params) → ()
  const type = [1, 0x60];
  uleb(params, type);
  for (let i = 0; i < params; i++) type.push(I32);
  type.push(0);
  section(1, type);
  section(3, [1, 0]);
  const mem = [1, 0x00];
  uleb(pages, mem);
  section(5, mem);
  const exp: number[] = [2];
  str(name, exp);
  exp.push(0x00, 0);
  str('memory', exp);
  exp.push(0x02, 0);
  section(7, exp);
  const fn: number[] = [];
  uleb(locals.length, fn);
  for (const [count, t] of locals) {
    uleb(count, fn);
    fn.push(t);
  }
  for (const b of body.bytes) fn.push(b);
  fn.push(0x0b);
  const code: number[] = [1];
  uleb(fn.length, code);
  for (const b of fn) code.push(b);
  section(10, code);
  return new Uint8Array(out);
}
