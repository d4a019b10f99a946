// Starts a worker thread on a TypeScript module (see ts-worker-entry.mjs for why an entry is needed).
import { Worker, type WorkerOptions } from 'node:worker_threads';

const ENTRY = new URL('./ts-worker-entry.mjs', import.meta.url);

/** A worker thread running `module` (e.g. `new URL('./x-worker.ts', import.meta.url)`). */
export function startTsWorker(module: URL, options: Omit<WorkerOptions, 'workerData'> = {}): Worker {
  return new Worker(ENTRY, { ...options, workerData: { module: module.href } });
}
