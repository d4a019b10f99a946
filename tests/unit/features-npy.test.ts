import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../../src/core/io/npy.ts';

describe('NumPy .npy writer/reader', () => {
  it('writes a v1.0 header NumPy can parse, with data 64-byte aligned', () => {
    const bytes = encodeNpy(new Float32Array(6), [2, 3]);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLen = bytes[8]! | (bytes[9]! << 8);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLen));
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    expect((10 + headerLen) % 64).toBe(0);
    expect(bytes.length).toBe(10 + headerLen + 24);
  });

  it('round-trips float32, int32 and int64 with their shapes', () => {
    const f = Float32Array.from([1.5, -2.25, Math.PI, 1e-30, -0, 7]);
    const i = Int32Array.from([1, -2, 2147483647, -2147483648]);
    const l = BigInt64Array.from([1n, 0n, -5n, 9007199254740993n]);
    const rf = decodeNpy(encodeNpy(f, [3, 2]));
    expect(rf.shape).toEqual([3, 2]);
    expect(rf.data).toBeInstanceOf(Float32Array);
    expect(Array.from(rf.data as Float32Array)).toEqual(Array.from(f));
    const ri = decodeNpy(encodeNpy(i, [4]));
    expect(ri.shape).toEqual([4]);
    expect(Array.from(ri.data as Int32Array)).toEqual(Array.from(i));
    const rl = decodeNpy(encodeNpy(l, [1, 2, 2]));
    expect(rl.shape).toEqual([1, 2, 2]);
    expect(Array.from(rl.data as BigInt64Array)).toEqual(Array.from(l));
    expect(new TextDecoder().decode(encodeNpy(i, [4]).subarray(10, 80))).toContain("'shape': (4,)");
  });

  it('reads from a Node Buffer that is a view into a larger pool', () => {
    const bytes = encodeNpy(Float32Array.from([1, 2, 3]), [3]);
    const pool = new Uint8Array(bytes.length + 100).fill(0xee);
    pool.set(bytes, 37);
    const buf = Buffer.from(pool.buffer, 37, bytes.length);
    expect(Array.from(decodeNpy(buf).data as Float32Array)).toEqual([1, 2, 3]);
  });

  it('writes scalars and empty arrays', () => {
    expect(decodeNpy(encodeNpy(Float32Array.of(2), [])).shape).toEqual([]);
    expect(decodeNpy(encodeNpy(new Float32Array(0), [0, 160])).shape).toEqual([0, 160]);
  });

  it('rejects a shape that does not match the data, and bad files', () => {
    expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(/holds 6 values, data has 5/);
    expect(() => decodeNpy(new Uint8Array([1, 2, 3]), 'x.npy')).toThrow(/x\.npy: not a NumPy/);
    const good = encodeNpy(new Float32Array(4), [4]);
    expect(() => decodeNpy(good.subarray(0, good.length - 2), 'cut.npy')).toThrow(/cut\.npy: truncated/);
  });
});
