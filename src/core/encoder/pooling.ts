// Segment embedding = masked mean of last_hidden_state over the real frames (the head's
// pooling in shared/specs/model.md; the projector is linear, so pooling first is exact).

/**
 * hidden [batch, frames, dim], mask [batch, frames] (1 = real) → out [batch, dim] written at
 * `out[outOffset…]`. Sums in float64 so long clips do not lose precision. Returns the real-frame
 * count per item. An item with no real frame is an error (the caller rejects too-short clips).
 */
export function maskedMeanPool(
  hidden: Float32Array,
  mask: ArrayLike<number | bigint>,
  batch: number,
  frames: number,
  dim: number,
  out: Float32Array = new Float32Array(batch * dim),
  outOffset = 0,
): { out: Float32Array; counts: Int32Array } {
  if (hidden.length !== batch * frames * dim) throw new RangeError(`maskedMeanPool: hidden has ${hidden.length} values, expected ${batch}×${frames}×${dim}`);
  if (mask.length !== batch * frames) throw new RangeError(`maskedMeanPool: mask has ${mask.length} values, expected ${batch}×${frames}`);
  const acc = new Float64Array(dim);
  const counts = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    acc.fill(0);
    let n = 0;
    for (let t = 0; t < frames; t++) {
      const m = mask[b * frames + t]!;
      if (m === 0 || m === 0n) continue;
      n++;
      const base = (b * frames + t) * dim;
      for (let d = 0; d < dim; d++) acc[d] += hidden[base + d]!;
    }
    if (n === 0) throw new RangeError(`maskedMeanPool: item ${b} has no real frames`);
    counts[b] = n;
    const o = outOffset + b * dim;
    for (let d = 0; d < dim; d++) out[o + d] = acc[d]! / n;
  }
  return { out, counts };
}
