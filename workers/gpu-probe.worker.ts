// WebGPU probe worker: requests the adapter and device and runs the tiny compute
// check off the main thread (on the page it was a 50+ ms main-thread task when a
// job starts), in a worker like the encoder and trainer that will use WebGPU.
import { expose } from 'comlink';
import { probeWebGpu } from '../src/browser/webgpu-probe.ts';

export interface GpuProbeWorkerApi {
  probe: typeof probeWebGpu;
}

expose({ probe: probeWebGpu } satisfies GpuProbeWorkerApi);
