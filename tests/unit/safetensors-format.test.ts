import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/core/io/byte-source.ts';
import { bf16ToF32, f16ToF32, readHeader, readTensors, serializeSafetensors, SafetensorsError } from '../../src/core/safetensors/format.ts';
import { buildSafetensors, values } from './head-hub-fixtures.ts';

const counting = (bytes: Uint8Array) => {
  const reads: [number, number][] = [];
  const src = bytesSource(bytes, 'mem.safetensors');
  return { reads, src: { ...src, read: (o: number, l: number) => (reads.push([o, l]), src.read(o, l)) } };
};

describe('safetensors', () => {
  it('writes a header padded to 8 bytes and reads back every tensor exactly', async () => {
    const a = Float32Array.from([1.5, -2, 3.25]);
    const b = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    const bytes = serializeSafetensors([{ name: 'a', shape: [3], data: a }, { name: 'b.w', shape: [2, 3], data: b }], { format: 'pt' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    expect(bytes.byteLength).toBe(8 + n + 9 * 4);
    const h = await readHeader(bytesSource(bytes, 'x'));
    expect(h.metadata).toEqual({ format: 'pt' });
    expect(h.tensors['b.w']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [12, 36] });
    const t = await readTensors(bytesSource(bytes, 'x'), h, ['b.w', 'a']);
    expect(t.get('a')!.data).toEqual(a);
    expect(t.get('b.w')!.data).toEqual(b);
  });

  it('reads only the requested tensors, adjacent ones in one read', async () => {
    const big = new Float32Array(100_000);
    const { bytes, ranges, headerBytes } = buildSafetensors([
      { name: 'enc.a', dtype: 'F32', shape: [100_000], values: big },
      { name: 'head.x', dtype: 'F32', shape: [4], values: values(4, 1) },
      { name: 'head.y', dtype: 'F32', shape: [2], values: values(2, 2) },
      { name: 'enc.b', dtype: 'F32', shape: [100_000], values: big },
    ]);
    const { src, reads } = counting(bytes);
    const h = await readHeader(src);
    const t = await readTensors(src, h, ['head.y', 'head.x']);
    expect(t.get('head.x')!.data).toEqual(values(4, 1));
    expect(reads).toEqual([
      [0, 8],
      [8, headerBytes - 8],
      [ranges.get('head.x')![0], 24],
    ]);
  });

  it('converts F16 and BF16 to float32', async () => {
    // 1.0 = 0x3c00 (half), −2.5 = 0xc100, 65504 = 0x7bff, 2^-24 = 0x0001 (subnormal)
    expect([...f16ToF32(Uint16Array.from([0x3c00, 0xc100, 0x7bff, 0x0001, 0x0000]))]).toEqual([1, -2.5, 65504, 2 ** -24, 0]);
    // bf16: 1.0 = 0x3f80, −0.15625 = 0xbe20
    expect([...bf16ToF32(Uint16Array.from([0x3f80, 0xbe20]))]).toEqual([1, -0.15625]);
    const v = values(10, 3);
    for (const dtype of ['F16', 'BF16'] as const) {
      const { bytes } = buildSafetensors([{ name: 't', dtype, shape: [10], values: v }]);
      const src = bytesSource(bytes, 'x');
      const t = await readTensors(src, await readHeader(src), ['t']);
      expect(t.get('t')!.data).toEqual(v);
      expect(t.get('t')!.dtype).toBe(dtype);
    }
  });

  it('rejects truncated files, impossible headers and inconsistent shapes, naming the file', async () => {
    const bytes = serializeSafetensors([{ name: 'a', shape: [1000], data: new Float32Array(1000) }]);
    await expect(readHeader(bytesSource(bytes.subarray(0, 2000), 'cut.safetensors'))).rejects.toThrow(/cut\.safetensors: tensor "a" ends at 4000, past the end/);
    const junk = new Uint8Array(64).fill(0xff);
    await expect(readHeader(bytesSource(junk, 'junk.bin'))).rejects.toThrow(SafetensorsError);
    await expect(readHeader(bytesSource(junk, 'junk.bin'))).rejects.toThrow(/junk\.bin: header length/);
    const bad = new TextEncoder().encode(JSON.stringify({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }));
    const file = new Uint8Array(8 + bad.byteLength + 8);
    new DataView(file.buffer).setBigUint64(0, BigInt(bad.byteLength), true);
    file.set(bad, 8);
    await expect(readHeader(bytesSource(file, 'bad.safetensors'))).rejects.toThrow(/8 bytes for shape \[3\] F32 \(12 expected\)/);
    // Offsets must tile the data from 0, and __metadata__ map names to strings, as the reference reader checks.
    const header = (h: object, dataBytes: number) => {
      const json = new TextEncoder().encode(JSON.stringify(h));
      const f = new Uint8Array(8 + json.byteLength + dataBytes);
      new DataView(f.buffer).setBigUint64(0, BigInt(json.byteLength), true);
      f.set(json, 8);
      return bytesSource(f, 'offsets.safetensors');
    };
    const t = (b: number) => ({ dtype: 'F32', shape: [2], data_offsets: [b, b + 8] });
    await expect(readHeader(header({ a: t(0), b: t(4) }, 12))).rejects.toThrow(/offsets\.safetensors: tensor "b" starts at 4, but the data before it ends at 8 \(overlapping tensors\)/);
    await expect(readHeader(header({ a: t(0), b: t(12) }, 20))).rejects.toThrow(/tensor "b" starts at 12, .* ends at 8 \(a gap between tensors\)/);
    await expect(readHeader(header({ a: t(0) }, 12))).rejects.toThrow(/the tensors end at byte 8 of the data, but the file holds 12 bytes after the header/);
    await expect(readHeader(header({ __metadata__: { format: 1 }, a: t(0) }, 8))).rejects.toThrow(/__metadata__ must map names to strings/);
    expect(Object.keys((await readHeader(header({ b: t(8), a: t(0) }, 16))).tensors)).toEqual(['b', 'a']);
    // null metadata is "none" to the reference reader (an optional map), not an error.
    const noMeta = await readHeader(header({ __metadata__: null, a: t(0) }, 8));
    expect(Object.keys(noMeta.tensors)).toEqual(['a']);
    expect(noMeta.metadata).toBeUndefined();
    const src = bytesSource(bytes, 'ok');
    await expect(readTensors(src, await readHeader(src), ['missing'])).rejects.toThrow(/has no tensor "missing"/);
  });
});
