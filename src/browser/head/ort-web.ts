// onnxruntime-web for the trainer worker: the WebGPU build (it also runs the
// WASM CPU EP), with its .wasm served by Vite from node_modules. Same module
// specifier and paths as src/browser/encoder/ort-web.ts, so the app loads one
// onnxruntime-web.
import * as ort from 'onnxruntime-web/webgpu';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import mjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';

export function configureOrtForHead(threads?: number): typeof ort {
  if (!ort.env.wasm.wasmPaths) {
    const abs = (u: string): string => new URL(u, globalThis.location?.href).href;
    ort.env.wasm.wasmPaths = { wasm: abs(wasmUrl), mjs: abs(mjsUrl) };
    ort.env.wasm.proxy = false;
  }
  if (threads !== undefined) ort.env.wasm.numThreads = threads;
  else if (ort.env.wasm.numThreads === undefined) {
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    ort.env.wasm.numThreads = isolated ? Math.max(1, Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1)) : 1;
  }
  return ort;
}

export { ort };
