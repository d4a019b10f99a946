// Reused output buffers for padded feature batches. A fresh [batch, frames, 160] array per batch
// costs the kernel's page faults on first write (~0.3 ms per 10 s of audio, a quarter of the
// features' time); a worker that embeds batch after batch writes into the same memory instead.
import { grownCapacity as grown } from '../io/capacity.ts';

/**
 * Buffers for one padded batch at a time: what `take` returns stays valid until the next `take`.
 * A caller that keeps a batch while making the next (the browser worker runs one while it makes
 * the next) needs two.
 */
export class BatchBuffers {
  private features = new Float32Array(0);
  private mask = new Int32Array(0);
  private mask64 = new BigInt64Array(0);

  /** Views of `values` features and `rows` mask entries (contents undefined: the caller writes every one). */
  take(values: number, rows: number): { features: Float32Array; mask: Int32Array } {
    if (values > this.features.length) this.features = new Float32Array(grown(this.features.length, values));
    if (rows > this.mask.length) this.mask = new Int32Array(grown(this.mask.length, rows));
    return { features: this.features.subarray(0, values), mask: this.mask.subarray(0, rows) };
  }

  /** A view of `rows` int64 mask entries, the model's mask type (contents undefined). */
  takeMask64(rows: number): BigInt64Array {
    if (rows > this.mask64.length) this.mask64 = new BigInt64Array(grown(this.mask64.length, rows));
    return this.mask64.subarray(0, rows);
  }
}
