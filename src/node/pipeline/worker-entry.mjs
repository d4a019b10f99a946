// Entry of a pipeline worker thread. Loader hooks registered in the main thread
// (tsx, which runs the TypeScript sources) do not reach worker threads in
// Node 20, even when the main thread got them through `tsx`'s --import, so the
// worker registers tsx itself before loading the TypeScript worker module.
import { register } from 'tsx/esm/api';

register();
await import('./pipeline-worker.ts');
