// Seeded PRNG shared by head initialisation, epoch shuffling, dropout masks
// and random crops. One small, well-studied generator (sfc32, seeded through
// splitmix32) so the same seed gives the same numbers in Node, the browser and
// any worker. Streams are derived from (seed, purpose, index) rather than
// carried as mutable state, so a resumed run recomputes e.g. epoch 3's shuffle
// or step 120's dropout mask without replaying everything before it.

function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [s, z >>> 0];
}

/** FNV-1a over a string: turns a stream name into 32 seed bits. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` is any integer (e.g. the config's `seed`); `stream` separates independent uses of one seed. */
  constructor(seed: number, ...stream: (string | number)[]) {
    let s = (seed | 0) ^ Math.imul(Math.floor(seed / 2 ** 32) | 0, 0x27d4eb2d);
    for (const part of stream) {
      const [ns, z] = splitmix32(s ^ (typeof part === 'number' ? Math.imul(part | 0, 0x9e3779b1) ^ hashString(`#${part}`) : hashString(part)));
      s = ns ^ z;
    }
    let z: number;
    [s, z] = splitmix32(s);
    this.a = z;
    [s, z] = splitmix32(s);
    this.b = z;
    [s, z] = splitmix32(s);
    this.c = z;
    [s, z] = splitmix32(s);
    this.d = z;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Next 32 random bits as an unsigned integer (sfc32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.nextFloat();
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling). */
  nextInt(n: number): number {
    if (!(n >= 1 && n <= 2 ** 32)) throw new RangeError(`nextInt: n must be in [1, 2^32], got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Fills `out` with U(lo, hi) values. */
  fillUniform(out: Float32Array | Float64Array, lo: number, hi: number): void {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform(lo, hi);
  }

  /** Fills `out` with N(mean, std²) values (Box–Muller, two values per pair of uniforms). */
  fillNormal(out: Float32Array | Float64Array, mean: number, std: number): void {
    for (let i = 0; i < out.length; i += 2) {
      // 1 − u ∈ (0, 1]: the log is finite.
      const r = Math.sqrt(-2 * Math.log(1 - this.nextFloat()));
      const a = 2 * Math.PI * this.nextFloat();
      out[i] = mean + std * r * Math.cos(a);
      if (i + 1 < out.length) out[i + 1] = mean + std * r * Math.sin(a);
    }
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}
