// Which execution provider to use: WebGPU when an adapter exists (fp16 only with the
// adapter feature shader-f16), otherwise WASM.
import type { BackendChoice, EncoderDtype } from '../../core/encoder/worker-api.ts';

export interface BackendDecision {
  backend: 'webgpu' | 'wasm';
  notes: string[];
}

export interface GpuFacts {
  adapter: boolean;
  shaderF16: boolean;
}

export async function gpuFacts(): Promise<GpuFacts> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { adapter: false, shaderF16: false };
  try {
    const adapter = await gpu.requestAdapter();
    return { adapter: !!adapter, shaderF16: !!adapter?.features.has('shader-f16') };
  } catch {
    return { adapter: false, shaderF16: false };
  }
}

/** Pure decision (tested): requested backend × dtype × what the device offers. */
export function chooseBackend(requested: BackendChoice, dtype: EncoderDtype, gpu: GpuFacts): BackendDecision {
  if (requested === 'wasm') return { backend: 'wasm', notes: [] };
  if (!gpu.adapter) {
    if (requested === 'webgpu') throw new Error('WebGPU was requested but this browser offers no WebGPU adapter');
    return { backend: 'wasm', notes: ['no WebGPU adapter: using WASM'] };
  }
  if (dtype === 'fp16' && !gpu.shaderF16) {
    if (requested === 'webgpu') throw new Error('fp16 on WebGPU needs the adapter feature "shader-f16", which this GPU lacks: choose q8 or fp32');
    return { backend: 'wasm', notes: ['WebGPU adapter lacks shader-f16: fp16 runs on WASM'] };
  }
  return { backend: 'webgpu', notes: [] };
}
