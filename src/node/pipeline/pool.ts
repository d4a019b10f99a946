// A fixed-size pool of worker threads running the pipeline tasks. Workers are
// started lazily (never more than `size`), each runs one task at a time, and
// tasks wait in a FIFO queue. `peakBusy` / `started` let tests check that the
// pool never grows past its size.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../threads/ts-worker.ts';
import type { TaskRequest, TaskResponse, TaskResult } from './tasks.ts';

const WORKER_MODULE = new URL('./pipeline-worker.ts', import.meta.url);

interface Job {
  task: TaskRequest;
  resolve: (r: TaskResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

/** Worker count: an explicit positive number, or the cores this process may use. */
export function poolSize(requested: number | undefined): number {
  if (requested !== undefined && requested > 0) return Math.floor(requested);
  return Math.max(1, availableParallelism());
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private closed = false;
  private nextId = 1;
  started = 0;
  busy = 0;
  peakBusy = 0;

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new RangeError(`worker pool size must be >= 1, got ${size}`);
  }

  run<R extends TaskResult>(task: TaskRequest): Promise<R> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ task, resolve: resolve as (r: TaskResult) => void, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === undefined);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const job = this.queue.shift()!;
      slot.job = job;
      this.busy++;
      this.peakBusy = Math.max(this.peakBusy, this.busy);
      slot.worker.postMessage({ id: this.nextId++, task: job.task });
    }
  }

  private spawn(): Slot {
    const worker = startTsWorker(WORKER_MODULE);
    const slot: Slot = { worker, job: undefined };
    this.started++;
    this.slots.push(slot);
    worker.on('message', (msg: TaskResponse) => {
      const job = slot.job;
      slot.job = undefined;
      this.busy--;
      if (job) {
        if (msg.ok) job.resolve(msg.result);
        else job.reject(Object.assign(new Error(msg.error), { stack: msg.stack }));
      }
      this.pump();
    });
    const die = (err: Error) => {
      // A worker that crashed takes its task with it; the pool replaces it.
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      if (slot.job) {
        this.busy--;
        slot.job.reject(err);
        slot.job = undefined;
      }
      if (!this.closed) this.pump();
    };
    worker.on('error', die);
    worker.on('exit', (code) => {
      if (!this.closed) die(new Error(`pipeline worker exited with code ${code}`));
    });
    return slot;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('worker pool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }
}
