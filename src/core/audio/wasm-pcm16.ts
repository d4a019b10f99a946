// 16-bit PCM → float32 samples as a WebAssembly SIMD kernel, eight samples per iteration.
//
// Why: the embedding job's feature worker decodes every segment file (16-bit mono is AIHub's
// format), and V8 does not vectorise the JS loop: ~2 ns per sample, ~30 ms for each 1000 s of
// audio, a sixth of the worker's time beside a small encoder. The kernel converts in place in
// its own memory, where the caller reads the file bytes and keeps the decoded samples, so the
// samples cross no extra copy. Values equal the JS decoder's bit for bit: int16 → float32 is
// exact, and so is the scaling by 2^-15.
import { Code, I32, V128, buildModule, compileOnce } from '../wasm/emit.ts';

const SCALE = 1 / 32768;
/** Samples converted per iteration: the kernel writes up to this many − 1 floats past the count. */
export const PCM16_BLOCK = 8;

/** `pcm16(src, dst, n)`: n little-endian int16 at byte `src` → float32 × 2^-15 at byte `dst` (n ≥ 0). */
function pcm16Body(): Code {
  const [SRC, DST, N, END, SCALE4, V] = [0, 1, 2, 3, 4, 5];
  const c = new Code();
  c.v128ConstBytes(new Uint8Array(Float32Array.of(SCALE, SCALE, SCALE, SCALE).buffer)).set(SCALE4);
  c.get(DST).get(N).i32(4).i32Mul().i32Add().set(END);
  c.block();
  c.get(N).i32Eqz().brIf(0);
  c.loop();
  c.get(SRC).v128Load(0).set(V);
  c.get(DST).get(V).i32x4ExtendLowI16x8S().f32x4ConvertI32x4S().get(SCALE4).f32x4Mul().v128Store(0);
  c.get(DST).get(V).i32x4ExtendHighI16x8S().f32x4ConvertI32x4S().get(SCALE4).f32x4Mul().v128Store(16);
  c.get(SRC).i32(16).i32Add().set(SRC);
  c.get(DST).i32(32).i32Add().tee(DST).get(END).i32LtU().brIf(0);
  c.end();
  c.end();
  return c;
}

const modules = new Map<string, WebAssembly.Module | null>();

/**
 * A WebAssembly memory with the PCM kernel: the caller lays out its regions (file bytes, samples)
 * and grows it between uses; growing detaches every view of the old memory.
 */
export class WasmPcm16 {
  readonly memory: WebAssembly.Memory;
  private readonly run: (src: number, dst: number, n: number) => void;

  private constructor(instance: WebAssembly.Instance) {
    this.memory = instance.exports.memory as WebAssembly.Memory;
    this.run = instance.exports.pcm16 as (src: number, dst: number, n: number) => void;
  }

  /** The kernel, or null where this engine has no WebAssembly SIMD. */
  static create(): WasmPcm16 | null {
    if (typeof WebAssembly !== 'object') return null;
    const mod = compileOnce(modules, { kernel: 'pcm16' }, () =>
      new WebAssembly.Module(buildModule([{ name: 'pcm16', params: 3, locals: [[1, I32], [2, V128]], body: pcm16Body() }], 1)),
    );
    return mod ? new WasmPcm16(new WebAssembly.Instance(mod)) : null;
  }

  /** Grows the memory to at least `bytes` (detaching the views of the old one when it grows). */
  reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / 65536));
  }

  /**
   * Converts `count` int16 samples at byte `src` to float32 at byte `dst` (4-byte aligned). Reads
   * up to 14 bytes past the samples and writes up to PCM16_BLOCK − 1 floats past them: the caller
   * leaves that room.
   */
  convert(src: number, dst: number, count: number): void {
    const end = dst + 4 * (Math.ceil(count / PCM16_BLOCK) * PCM16_BLOCK);
    if (dst % 4 !== 0 || src < 0 || count < 0 || end > this.memory.buffer.byteLength || src + 2 * count + 14 > this.memory.buffer.byteLength) {
      throw new RangeError(`pcm16: bad region (src ${src}, dst ${dst}, ${count} samples, memory ${this.memory.buffer.byteLength} bytes)`);
    }
    this.run(src, dst, count);
  }
}
