import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random/rng.ts';
import { initHeadParams } from '../../src/core/head/init.ts';
import { headLossAndGrads, weightedCrossEntropy } from '../../src/core/head/reference.ts';
import { adamwScalars, adamwStep, adamwUpdateTensor, ADAMW_DEFAULTS, clipCoefficient, gradSumOfSquares } from '../../src/core/head/adamw.ts';
import { SimdAdamW } from '../../src/core/head/adamw-simd.ts';
import { linearScheduleFactor, learningRateAt } from '../../src/core/head/schedule.ts';
import { classesMissingFromTraining, classWeights, weightedTargets } from '../../src/core/head/loss-weights.ts';
import { erf } from '../../src/core/head/activation.ts';
import { PARAM_NAMES, type Activation, type HeadSpec, type HeadTensors } from '../../src/core/head/types.ts';
import { dropoutMask, epochPermutation } from '../../src/core/head/trainer.ts';

const to64 = (p: HeadTensors): HeadTensors<Float64Array> => ({ w1: Float64Array.from(p.w1), b1: Float64Array.from(p.b1), w2: Float64Array.from(p.w2), b2: Float64Array.from(p.b2) });

describe('seeded PRNG', () => {
  it('repeats for the same seed and stream, differs across seeds and streams, and is uniform', () => {
    const a = new Rng(42, 'x');
    const b = new Rng(42, 'x');
    const seqA = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(seqA);
    expect(new Rng(43, 'x').nextUint32()).not.toBe(seqA[0]);
    expect(new Rng(42, 'y').nextUint32()).not.toBe(seqA[0]);
    expect(new Rng(42, 'shuffle', 1).nextUint32()).not.toBe(new Rng(42, 'shuffle', 2).nextUint32());
    const r = new Rng(7);
    let sum = 0;
    const N = 20000;
    for (let i = 0; i < N; i++) {
      const u = r.nextFloat();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
    }
    expect(Math.abs(sum / N - 0.5)).toBeLessThan(0.01);
    const p = epochPermutation(42, 0, 100);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(epochPermutation(42, 0, 100)).toEqual(p);
    expect(epochPermutation(42, 1, 100)).not.toEqual(p);
  });
});

describe('head initialisation (nn.Linear)', () => {
  it('draws weight and bias from U(−1/√in, 1/√in), seeded', () => {
    const spec: HeadSpec = { type: 'hf', inputDim: 400, hiddenSize: 100, numLabels: 6, activation: 'none', dropout: 0 };
    const p = initHeadParams(spec, 42);
    expect(p.w1.length).toBe(100 * 400);
    expect(p.w2.length).toBe(6 * 100);
    const check = (arr: Float32Array, bound: number): void => {
      let max = 0;
      let sum = 0;
      for (const v of arr) {
        max = Math.max(max, Math.abs(v));
        sum += v;
      }
      expect(max).toBeLessThanOrEqual(bound);
      expect(max).toBeGreaterThan(bound * (arr.length > 50 ? 0.9 : 0.5));
      expect(Math.abs(sum / arr.length)).toBeLessThan((4 * bound) / Math.sqrt(3 * arr.length)); // 4 standard errors
    };
    check(p.w1, 1 / 20);
    check(p.b1, 1 / 20);
    check(p.w2, 1 / 10);
    check(p.b2, 1 / 10);
    expect(initHeadParams(spec, 42).w1).toEqual(p.w1);
    expect(initHeadParams(spec, 43).w1).not.toEqual(p.w1);
  });

  it("with initializer_range, as transformers' _init_weights: weights N(0, r²), biases 0, seeded", () => {
    const spec: HeadSpec = { type: 'hf', inputDim: 400, hiddenSize: 100, numLabels: 6, activation: 'none', dropout: 0 };
    const p = initHeadParams(spec, 42, 0.02);
    const moments = (a: Float32Array) => {
      let s = 0;
      let s2 = 0;
      let within = 0; // share within one standard deviation: 68.3 % for a normal, 57.7 % for a uniform
      for (const v of a) {
        s += v;
        s2 += v * v;
        if (Math.abs(v) < 0.02) within++;
      }
      return { mean: s / a.length, std: Math.sqrt(s2 / a.length - (s / a.length) ** 2), within: within / a.length };
    };
    const w1 = moments(p.w1);
    expect(Math.abs(w1.mean)).toBeLessThan(4 * (0.02 / Math.sqrt(p.w1.length)));
    expect(w1.std).toBeCloseTo(0.02, 3);
    expect(w1.within).toBeCloseTo(0.683, 2);
    expect(moments(p.w2).std).toBeGreaterThan(0.017);
    expect(moments(p.w2).std).toBeLessThan(0.023);
    expect([...p.b1, ...p.b2].every((v) => v === 0)).toBe(true);
    expect(initHeadParams(spec, 42, 0.02).w1).toEqual(p.w1);
    expect(initHeadParams(spec, 43, 0.02).w1).not.toEqual(p.w1);
  });
});

describe('weighted cross entropy', () => {
  it('computes max_count/count_c and PyTorch weighted-mean reduction (hand-computed)', () => {
    // labels: class 0 ×3, class 1 ×1, class 2 ×0
    const labels = Int32Array.from([0, 0, 1, 0]);
    const w = classWeights(labels, 3);
    expect([...w]).toEqual([1, 3, 0]);
    expect([...classWeights(labels, 3, false)]).toEqual([1, 1, 1]);
    // Two samples, logits [0, ln 3, 0] label 0 and [0, 0, 0] label 1.
    const logits = Float32Array.from([0, Math.log(3), 0, 0, 0, 0]);
    const yw = weightedTargets(labels, [0, 2], w); // labels 0 and 1
    expect([...yw]).toEqual([1, 0, 0, 0, 3, 0]);
    // loss_0 = −log(1/5) = ln 5, loss_1 = ln 3; weighted mean = (1·ln5 + 3·ln3)/(1+3)
    expect(weightedCrossEntropy(logits, yw, 2, 3)).toBeCloseTo((Math.log(5) + 3 * Math.log(3)) / 4, 6);
  });

  it('names the classes the eval rows hold and the training rows lack (weight 0 in eval_loss), with their eval counts', () => {
    const train = Int32Array.from([0, 0, 1, 0]);
    expect(classesMissingFromTraining(train, Int32Array.from([2, 0, 2, 1, 3]), 4)).toEqual([
      { label: 2, evalRows: 2 },
      { label: 3, evalRows: 1 },
    ]);
    // A class absent from both sets, or present in training only, is nothing to say.
    expect(classesMissingFromTraining(train, Int32Array.from([1, 1]), 4)).toEqual([]);
    expect(classesMissingFromTraining(train, new Int32Array(0), 4)).toEqual([]);
  });
});

describe('gradient check against finite differences (float64)', () => {
  const cases: { act: Activation; dropout: number; type: 'hf' | 'mlp' }[] = [
    { type: 'hf', act: 'none', dropout: 0 },
    { type: 'mlp', act: 'relu', dropout: 0.3 },
    { type: 'mlp', act: 'gelu', dropout: 0.2 },
    { type: 'mlp', act: 'tanh', dropout: 0 },
  ];
  for (const c of cases) {
    it(`matches central differences for every parameter tensor (${c.type}, ${c.act}, dropout ${c.dropout})`, () => {
      const spec: HeadSpec = { type: c.type, inputDim: 7, hiddenSize: 5, numLabels: 4, activation: c.act, dropout: c.dropout };
      const p = to64(initHeadParams(spec, 3));
      const B = 6;
      const rng = new Rng(9);
      const x = new Float64Array(B * 7).map(() => rng.uniform(-2, 2));
      const labels = Int32Array.from([0, 1, 2, 3, 1, 1]);
      const yw = weightedTargets(labels, [0, 1, 2, 3, 4, 5], Float32Array.from([1, 0.5, 2, 1.5]));
      const mask = c.dropout > 0 ? dropoutMask(5, 0, B, 5, c.dropout) : undefined;
      const { grads } = headLossAndGrads(spec, p, x, yw, B, mask);
      const h = 1e-6;
      for (const name of PARAM_NAMES) {
        const t = p[name];
        let maxErr = 0;
        let maxG = 0;
        for (let i = 0; i < t.length; i++) {
          const orig = t[i];
          t[i] = orig + h;
          const lp = headLossAndGrads(spec, p, x, yw, B, mask).loss;
          t[i] = orig - h;
          const lm = headLossAndGrads(spec, p, x, yw, B, mask).loss;
          t[i] = orig;
          const num = (lp - lm) / (2 * h);
          maxErr = Math.max(maxErr, Math.abs(num - grads[name][i]));
          maxG = Math.max(maxG, Math.abs(num));
        }
        expect(maxG, name).toBeGreaterThan(1e-4);
        expect(maxErr / maxG, name).toBeLessThan(1e-6);
      }
    });
  }

  it('erf is accurate (GELU relies on it)', () => {
    expect(erf(0)).toBe(0);
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 14);
    expect(erf(-2)).toBeCloseTo(-0.9953222650189527, 14);
    expect(erf(3.5)).toBeCloseTo(0.9999992569016276, 14);
  });
});

describe('AdamW (PyTorch semantics)', () => {
  it('applies bias correction, ε after the square root, decoupled decay on weights only', () => {
    const one = (v: number): Float64Array => Float64Array.from([v]);
    const params = { w1: one(1), b1: one(1), w2: one(-2), b2: one(0.5) };
    const state = { step: 0, m: { w1: one(0), b1: one(0), w2: one(0), b2: one(0) }, v: { w1: one(0), b1: one(0), w2: one(0), b2: one(0) } };
    const hyper = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    const lr = 0.1;
    // Step 1, g = 0.5 for w1 and b1: m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25 → update = lr·0.5/(0.5 + 1e-8)
    adamwStep(params, { w1: one(0.5), b1: one(0.5), w2: one(-1), b2: one(0) }, state, hyper, lr);
    expect(params.w1[0]).toBeCloseTo(1 * (1 - 0.1 * 0.01) - 0.1 * (0.5 / (0.5 + 1e-8)), 12);
    expect(params.b1[0]).toBeCloseTo(1 - 0.1 * (0.5 / (0.5 + 1e-8)), 12); // no decay on biases
    expect(params.w2[0]).toBeCloseTo(-2 * (1 - 0.001) + 0.1 * (1 / (1 + 1e-8)), 12);
    expect(params.b2[0]).toBe(0.5); // zero gradient, no decay: unchanged
    // Step 2, g = −0.25 for w1: m = 0.9·0.05 + 0.1·(−0.25) = 0.02, v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225
    const w1Before = params.w1[0];
    adamwStep(params, { w1: one(-0.25), b1: one(0), w2: one(0), b2: one(0) }, state, hyper, lr);
    const mHat = 0.02 / (1 - 0.9 ** 2);
    const denom = Math.sqrt(0.00031225) / Math.sqrt(1 - 0.999 ** 2) + 1e-8;
    expect(state.step).toBe(2);
    expect(state.m.w1[0]).toBeCloseTo(0.02, 14);
    expect(state.v.w1[0]).toBeCloseTo(0.00031225, 14);
    expect(params.w1[0]).toBeCloseTo(w1Before * (1 - 0.001) - 0.1 * mHat / denom * 1, 12);
    expect(ADAMW_DEFAULTS).toEqual({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  });
});

describe('gradient clipping', () => {
  it("clip coefficient is torch's clip_grad_norm_: min(1, max_norm / (‖g‖ + 1e-6)); 0 is off", () => {
    expect(clipCoefficient(25, 1)).toBeCloseTo(1 / (5 + 1e-6), 15);
    expect(clipCoefficient(25, 10)).toBe(1);
    expect(clipCoefficient(25, 0)).toBe(1);
    expect(clipCoefficient(0, 1)).toBe(1);
    expect(gradSumOfSquares([Float32Array.of(3, 4), Float32Array.of(12)])).toBe(169);
  });

  it('the SIMD kernel scales the gradient as adamw.ts does, on tensors of any length', () => {
    const sizes = [7, 1001, 4, 1];
    const kernel = new SimdAdamW(sizes, ADAMW_DEFAULTS);
    const rng = new Rng(3, 'simd-adamw');
    const js = sizes.map((n, t) => {
      for (const a of [kernel.param[t], kernel.grad[t], kernel.m[t]]) rng.fillUniform(a, -1, 1);
      rng.fillUniform(kernel.v[t], 0, 1);
      return { p: kernel.param[t].slice(), g: kernel.grad[t].slice(), m: kernel.m[t].slice(), v: kernel.v[t].slice() };
    });
    const [g0, m0] = [js[1].g[0], js[1].m[0]];
    const s = adamwScalars(ADAMW_DEFAULTS, 1e-3, 3);
    sizes.forEach((_, t) => {
      kernel.update(t, s, t % 2 === 0, 0.3);
      adamwUpdateTensor(js[t].p, js[t].g, js[t].m, js[t].v, ADAMW_DEFAULTS, s, t % 2 === 0, 0.3);
      for (const [k, mine, ref] of [['p', kernel.param[t], js[t].p], ['m', kernel.m[t], js[t].m], ['v', kernel.v[t], js[t].v]] as const) {
        for (let i = 0; i < ref.length; i++) expect(Math.abs(mine[i] - ref[i]), `${k}[${t}][${i}]`).toBeLessThan(2e-6 * (1 + Math.abs(ref[i])));
      }
    });
    // The moments saw 0.3·g: m ← m + (1 − β1)(0.3·g − m).
    expect(kernel.m[1][0]).toBeCloseTo(m0 + 0.1 * (0.3 * g0 - m0), 6);
  });
});

describe('learning-rate schedule', () => {
  it('warms up linearly over warmup_steps and decays linearly to 0 at the last step', () => {
    expect(linearScheduleFactor(0, 4, 10)).toBe(0);
    expect(linearScheduleFactor(2, 4, 10)).toBe(0.5);
    expect(linearScheduleFactor(4, 4, 10)).toBe(1);
    expect(linearScheduleFactor(7, 4, 10)).toBe(0.5);
    expect(linearScheduleFactor(10, 4, 10)).toBe(0);
    expect(learningRateAt(5e-5, 0, 0, 10)).toBe(5e-5);
    expect(learningRateAt(5e-5, 9, 0, 10)).toBeCloseTo(5e-6, 15);
  });
});

describe('dropout masks', () => {
  it('are seeded per step, 0 or 1/(1−p), with about p zeros', () => {
    const m = dropoutMask(1, 5, 50, 40, 0.25);
    expect(dropoutMask(1, 5, 50, 40, 0.25)).toEqual(m);
    expect(dropoutMask(1, 6, 50, 40, 0.25)).not.toEqual(m);
    const zeros = m.filter((v) => v === 0).length;
    expect(new Set(m)).toEqual(new Set([0, Math.fround(1 / 0.75)]));
    expect(Math.abs(zeros / m.length - 0.25)).toBeLessThan(0.03);
  });
});
