// Entry of a worker thread that runs a TypeScript module (workerData.module, a file URL).
// Loader hooks registered in the main thread (tsx, which runs the TypeScript sources) do
// not reach worker threads in Node 20, even when the main thread got them through tsx's
// --import, so the worker registers tsx itself before loading the module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
