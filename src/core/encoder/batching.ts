// Length bucketing: clips sorted by length and cut into batches, so each batch pads little.
// Sorting is stable (ties keep input order), so the batches are deterministic.

export interface BatchPlanOptions {
  batchSize: number;
  /** Optional cap on batch × longest-rows (bounds peak memory on long clips). */
  maxBatchRows?: number;
  /**
   * Optional cap on padding: a batch is closed before its padded rows would exceed
   * (1 + maxPaddingFraction) × its real rows. Padding costs more than it looks (attention is
   * quadratic in frames), and on a CPU a smaller batch loses little.
   */
  maxPaddingFraction?: number;
}

/** Groups item indices into batches of similar `rows`; every index appears exactly once. */
export function planBatches(rows: readonly number[], opts: BatchPlanOptions): number[][] {
  const size = Math.max(1, Math.floor(opts.batchSize));
  const order = rows.map((_, i) => i).sort((a, b) => rows[a]! - rows[b]! || a - b);
  const batches: number[][] = [];
  let cur: number[] = [];
  let curMax = 0;
  let curSum = 0;
  for (const i of order) {
    const r = rows[i]!;
    const newMax = Math.max(curMax, r);
    const full = cur.length >= size;
    const tooBig = opts.maxBatchRows !== undefined && newMax * (cur.length + 1) > opts.maxBatchRows;
    const tooPadded = opts.maxPaddingFraction !== undefined && newMax * (cur.length + 1) > (1 + opts.maxPaddingFraction) * (curSum + r);
    if (cur.length > 0 && (full || tooBig || tooPadded)) {
      batches.push(cur);
      cur = [];
      curMax = 0;
      curSum = 0;
    }
    cur.push(i);
    curMax = Math.max(curMax, r);
    curSum += r;
  }
  if (cur.length) batches.push(cur);
  return batches;
}

/** Padded rows a plan costs (Σ batch · longest), against Σ rows for the real work. */
export function paddedRows(rows: readonly number[], batches: readonly number[][]): number {
  let total = 0;
  for (const b of batches) total += b.length * Math.max(...b.map((i) => rows[i]!));
  return total;
}
