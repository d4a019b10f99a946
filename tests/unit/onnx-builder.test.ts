import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder, tensor, toFloat16Bits } from '../../src/core/onnx/builder.ts';
import { tempDir } from '../helpers/paths.ts';

function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

describe('ONNX graph builder', () => {
  it('writes a model onnxruntime runs: MatMul, Add, LayerNormalization, attributes, symbolic dims', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['batch', 4]);
    const w = g.initializer('w', rand(12, 1), [4, 3]);
    const b = g.initializer('b', new Float32Array([0.5, -1, 2]), [3]);
    const scale = g.initializer('scale', new Float32Array([1, 2, 3]), [3]);
    const shift = g.initializer('shift', new Float32Array([0, 0.1, 0.2]), [3]);
    const y = g.op('Add', [g.op('MatMul', [x, w]), b]);
    g.op('LayerNormalization', [y, scale, shift], { axis: -1, epsilon: 1e-5 }, 'y');
    g.output('y', 'float32', ['batch', 3]);
    const session = await ort.InferenceSession.create(g.toModel().model);
    const xs = rand(8, 2);
    const { y: out } = await session.run({ x: new ort.Tensor('float32', xs, [2, 4]) });
    expect(out.dims).toEqual([2, 3]);
    const wv = rand(12, 1);
    const bias = [0.5, -1, 2];
    for (let r = 0; r < 2; r++) {
      const row = [0, 1, 2].map((j) => bias[j] + [0, 1, 2, 3].reduce((s, k) => s + xs[r * 4 + k] * wv[k * 3 + j], 0));
      const mean = row.reduce((a, c) => a + c, 0) / 3;
      const variance = row.reduce((a, c) => a + (c - mean) ** 2, 0) / 3;
      row.forEach((v, j) => {
        const expected = ((v - mean) / Math.sqrt(variance + 1e-5)) * [1, 2, 3][j] + [0, 0.1, 0.2][j];
        expect((out.data as Float32Array)[r * 3 + j]).toBeCloseTo(expected, 4);
      });
    }
  });

  it('stores large initializers as external data that onnxruntime loads from the model folder', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const g = new GraphBuilder();
      const x = g.input('x', 'float32', [1, 64]);
      const w = g.initializer('w', rand(64 * 64, 3), [64, 64]);
      g.op('MatMul', [x, w], {}, 'y');
      g.output('y', 'float32', [1, 64]);
      const built = g.toModel({ externalData: { location: 'model.onnx_data', threshold: 1024 } });
      expect(built.externalData?.byteLength).toBe(64 * 64 * 4);
      expect(built.model.byteLength).toBeLessThan(2000);
      mkdirSync(join(dir, 'onnx'));
      writeFileSync(join(dir, 'onnx', 'model.onnx'), built.model);
      writeFileSync(join(dir, 'onnx', 'model.onnx_data'), built.externalData!);
      const session = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'));
      const xs = new Float32Array(64).fill(0);
      xs[5] = 1;
      const { y } = await session.run({ x: new ort.Tensor('float32', xs, [1, 64]) });
      expect(Array.from(y.data as Float32Array)).toEqual(Array.from(rand(64 * 64, 3).subarray(5 * 64, 6 * 64)));
    } finally {
      cleanup();
    }
  });

  it('writes int64 inputs, tensor attributes and float16 initializers', async () => {
    const g = new GraphBuilder();
    const m = g.input('mask', 'int64', [2]);
    const f = g.op('Cast', [m], { to: 1 });
    const c = g.op('Constant', [], { value: tensor('float32', [2], new Float32Array([10, 20])) });
    const two = g.constant(new Float32Array([2]), [1]);
    const alsoTwo = g.constant(new Float32Array([2]), [1]);
    expect(two).not.toBe(alsoTwo);
    const half = g.initializer('h', toFloat16Bits(new Float32Array([1.5, -0.25])), [2], 'float16');
    const hf = g.op('Cast', [half], { to: 1 });
    g.op('Add', [g.op('Mul', [g.op('Mul', [f, c]), g.op('Div', [two, alsoTwo])]), hf], {}, 'out');
    g.output('out', 'float32', [2]);
    const session = await ort.InferenceSession.create(g.toModel().model);
    const { out } = await session.run({ mask: new ort.Tensor('int64', BigInt64Array.from([1n, 0n]), [2]) });
    expect(Array.from(out.data as Float32Array)).toEqual([11.5, -0.25]);
  });

  it('converts float32 to float16 bits with round-to-nearest-even, subnormals and infinities', () => {
    const bits = toFloat16Bits(new Float32Array([0, -0, 1, -2, 65504, 70000, 2 ** -24, 2 ** -25, 1 + 2 ** -11, 1 + 3 * 2 ** -11, NaN]));
    expect(Array.from(bits.subarray(0, 10))).toEqual([0x0000, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x7c00, 0x0001, 0x0000, 0x3c00, 0x3c02]);
    expect(bits[10] & 0x7c00).toBe(0x7c00);
    expect(bits[10] & 0x3ff).not.toBe(0);
  });
});
