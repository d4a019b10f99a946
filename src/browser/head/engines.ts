// Browser engines for the head: onnxruntime-web on WebGPU (parameters and
// AdamW moments stay in GPU buffers between steps, the AdamW update runs in
// the graph) and on WASM (CPU; AdamW in the SIMD kernel), plus the TypeScript
// reference. All run the same ONNX graph (src/core/head/onnx-graph.ts).
import type { HeadEngine } from '../../core/head/engine.ts';
import { OrtEngine, type OrtModule } from '../../core/head/ort-engine.ts';
import { ReferenceEngine } from '../../core/head/reference-engine.ts';
import type { AdamWHyper } from '../../core/head/adamw.ts';
import type { HeadSpec } from '../../core/head/types.ts';
import type { EngineInfo, EngineKind } from '../../core/head/worker-api.ts';
import { configureOrtForHead } from './ort-web.ts';

let adapterInfo: Promise<string | null> | undefined;

/** Description of the WebGPU adapter, or null without WebGPU. */
export function webgpuAdapter(): Promise<string | null> {
  adapterInfo ??= (async () => {
    const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
    if (!gpu) return null;
    try {
      const adapter = await gpu.requestAdapter();
      if (!adapter) return null;
      const info = adapter.info;
      return [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'webgpu';
    } catch {
      return null;
    }
  })();
  return adapterInfo;
}

export async function browserEngineInfo(): Promise<EngineInfo> {
  const adapter = await webgpuAdapter();
  const available: EngineKind[] = adapter !== null ? ['webgpu', 'wasm', 'reference'] : ['wasm', 'reference'];
  return { available, preferred: available[0], ...(adapter !== null ? { adapter } : {}) };
}

export async function createBrowserEngine(spec: HeadSpec, kind: EngineKind | 'auto', opts: { hyper?: AdamWHyper; threads?: number } = {}): Promise<HeadEngine> {
  const info = await browserEngineInfo();
  const chosen = kind === 'auto' ? info.preferred : kind;
  if (!info.available.includes(chosen)) throw new Error(`engine "${chosen}" is not available here (available: ${info.available.join(', ')})`);
  if (chosen === 'reference') return new ReferenceEngine(spec, opts.hyper);
  const ort = configureOrtForHead(opts.threads) as unknown as OrtModule;
  if (chosen === 'webgpu') {
    return OrtEngine.create(spec, { kind: 'webgpu', ort, hyper: opts.hyper, keepOnGpu: true, adam: 'graph', sessionOptions: { executionProviders: ['webgpu'] } });
  }
  return OrtEngine.create(spec, { kind: 'wasm', ort, hyper: opts.hyper, adam: 'host', sessionOptions: { executionProviders: ['wasm'] } });
}
