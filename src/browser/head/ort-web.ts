// onnxruntime-web for the trainer worker: the app's one onnxruntime-web, set up by
// src/browser/encoder/ort-web.ts (the WebGPU build, which also runs the WASM CPU
// EP; .wasm served by Vite from node_modules; threads when cross-origin isolated).
import { configureOrt, ort } from '../encoder/ort-web.ts';

/** The configured runtime; `threads` overrides its WASM thread count. */
export function configureOrtForHead(threads?: number): typeof ort {
  configureOrt();
  if (threads !== undefined) ort.env.wasm.numThreads = threads;
  return ort;
}
