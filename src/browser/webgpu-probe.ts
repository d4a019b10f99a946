// What the device offers the encoder and the trainer: used by the settings page and the backend choice.
export interface WebGpuProbe {
  available: boolean;
  architecture?: string;
  vendor?: string;
  shaderF16: boolean;
  maxStorageBufferBindingSize?: number;
  /** A tiny compute pass actually ran and gave the right answer. */
  computeWorks: boolean;
  error?: string;
}

export async function probeWebGpu(): Promise<WebGpuProbe> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { available: false, shaderF16: false, computeWorks: false, error: 'navigator.gpu is missing' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { available: false, shaderF16: false, computeWorks: false, error: 'no WebGPU adapter' };
    const info = adapter.info;
    const device = await adapter.requestDevice();
    const computeWorks = await doublesOnGpu(device);
    device.destroy();
    return {
      available: true,
      architecture: info?.architecture,
      vendor: info?.vendor,
      shaderF16: adapter.features.has('shader-f16'),
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      computeWorks,
    };
  } catch (e) {
    return { available: false, shaderF16: false, computeWorks: false, error: String(e) };
  }
}

/** Doubles 64 floats in a compute shader and reads them back. */
async function doublesOnGpu(device: GPUDevice): Promise<boolean> {
  const n = 64;
  const input = new Float32Array(n).map((_, i) => i + 0.5);
  const buf = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buf, 0, input);
  const read = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const module = device.createShaderModule({
    code: `@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) { x[id.x] = x[id.x] * 2.0; }`,
  });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: buf } }] });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bind);
  pass.dispatchWorkgroups(1);
  pass.end();
  enc.copyBufferToBuffer(buf, 0, read, 0, n * 4);
  device.queue.submit([enc.finish()]);
  await read.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(read.getMappedRange().slice(0));
  read.unmap();
  buf.destroy();
  read.destroy();
  return out.every((v, i) => v === input[i] * 2);
}
