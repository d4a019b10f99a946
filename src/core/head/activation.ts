// Activations of the MLP head and their derivatives, matching PyTorch:
// relu, tanh and the exact (erf-based) GELU that nn.GELU() uses by default.
import type { Activation } from './types.ts';

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const INV_SQRT2 = 0.7071067811865476;
const INV_SQRT_2PI = 0.3989422804014327;

/**
 * erf to ~1e-15 (JavaScript has no Math.erf). Taylor series near 0, a
 * continued fraction for erfc in the tails; accurate enough that the float64
 * gradient check of the GELU head sees no approximation error.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  if (ax > 6) return Math.sign(x);
  // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated bottom-up.
  let f = ax;
  for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

export function activate(act: Activation, z: number): number {
  switch (act) {
    case 'none':
      return z;
    case 'relu':
      return z > 0 ? z : 0;
    case 'tanh':
      return Math.tanh(z);
    case 'gelu':
      return 0.5 * z * (1 + erf(z * INV_SQRT2));
  }
}

/** d act(z) / dz. ReLU's derivative at exactly 0 is 0, as in PyTorch. */
export function activateGrad(act: Activation, z: number): number {
  switch (act) {
    case 'none':
      return 1;
    case 'relu':
      return z > 0 ? 1 : 0;
    case 'tanh': {
      const t = Math.tanh(z);
      return 1 - t * t;
    }
    case 'gelu':
      return 0.5 * (1 + erf(z * INV_SQRT2)) + z * Math.exp(-0.5 * z * z) * INV_SQRT_2PI;
  }
}
