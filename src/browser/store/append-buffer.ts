// Buffers rows and vectors appended to a set a few at a time (the embedding job
// gets them in batches of 4) and commits them in larger transactions: each
// IndexedDB transaction costs a fixed overhead, so committing every small batch
// writes ~12 MB/s where 500-row appends write 50+ (bench:store). Rows count as
// stored only once committed; what is still buffered when the page goes away is
// lost and redone by the resumed job.
import type { SaturiStore, SegmentRow } from './store.ts';

export interface AppendBufferOptions {
  /** Commit once this many rows are buffered. */
  maxRows: number;
  /** Commit once this long has passed since the last commit (and something is buffered). */
  maxMs: number;
}

export class AppendBuffer {
  private rows: SegmentRow[] = [];
  /** Buffered vectors, rows.length × dim at the start (grown when a commit is late). */
  private vectors: Float32Array;
  private lastCommit: number;
  /** Rows committed through this buffer. */
  committed = 0;

  constructor(
    private readonly store: SaturiStore,
    readonly setId: string,
    readonly dim: number,
    readonly options: AppendBufferOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.vectors = new Float32Array(options.maxRows * dim);
    this.lastCommit = now();
  }

  /** Rows buffered, not yet committed. */
  get pending(): number {
    return this.rows.length;
  }

  /** Buffers one row and its dim values (copied: the caller may reuse its array). */
  add(row: SegmentRow, vector: Float32Array): void {
    if (vector.length !== this.dim) throw new Error(`AppendBuffer: a vector of ${this.dim} values expected, got ${vector.length}`);
    const at = this.rows.length * this.dim;
    if (at + this.dim > this.vectors.length) {
      const grown = new Float32Array(Math.max(this.vectors.length * 2, at + this.dim));
      grown.set(this.vectors.subarray(0, at));
      this.vectors = grown;
    }
    this.vectors.set(vector, at);
    this.rows.push(row);
  }

  /** Whether a commit is due (enough rows, or the time limit passed with rows buffered). */
  get due(): boolean {
    return this.rows.length >= this.options.maxRows || (this.rows.length > 0 && this.now() - this.lastCommit >= this.options.maxMs);
  }

  /** Commits everything buffered in one transaction; returns the set's row count after it. Do not add while a commit runs. */
  async commit(): Promise<number | undefined> {
    this.lastCommit = this.now();
    if (!this.rows.length) return undefined;
    const rows = this.rows;
    const count = await this.store.appendRows(this.setId, rows, this.vectors.subarray(0, rows.length * this.dim));
    this.rows = [];
    this.committed += rows.length;
    return count;
  }
}
