// Entry of a pipeline worker thread. Loader hooks registered in the main thread
// (tsx, which runs the TypeScript sources) do not reach worker threads, so the
// worker registers tsx itself unless it inherited it through --import.
import { register } from 'tsx/esm/api';

if (!process.execArgv.some((a) => a.includes('tsx'))) register();
await import('./pipeline-worker.ts');
