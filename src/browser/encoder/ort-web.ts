// The one onnxruntime-web of the app: transformers.js imports the same 'onnxruntime-web/webgpu'
// module (Vite resolves both to one file; onnxruntime-web is excluded from dependency
// pre-bundling), so configuring it here configures transformers.js's runtime too. The .wasm
// is served by Vite from node_modules, never from a CDN. Configure before importing
// '@huggingface/transformers' (it would otherwise point wasmPaths at a CDN).
import * as ort from 'onnxruntime-web/webgpu';
// The WebGPU bundle runs the asyncify build of the WASM binary.
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import mjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';

let configured = false;

/** Sets WASM paths and threads once; threads only when the page is cross-origin isolated (SharedArrayBuffer). */
export function configureOrt(): typeof ort {
  if (configured) return ort;
  configured = true;
  const abs = (u: string): string => new URL(u, globalThis.location?.href).href;
  ort.env.wasm.wasmPaths = { wasm: abs(wasmUrl), mjs: abs(mjsUrl) };
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = (globalThis.navigator as Navigator | undefined)?.hardwareConcurrency ?? 1;
  ort.env.wasm.numThreads = isolated ? Math.max(1, Math.min(4, cores)) : 1;
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  return ort;
}

// At module evaluation: modules that import this one before '@huggingface/transformers'
// get a configured runtime before transformers.js initialises.
configureOrt();

export function wasmThreads(): number {
  return configureOrt().env.wasm.numThreads ?? 1;
}

export { ort };
