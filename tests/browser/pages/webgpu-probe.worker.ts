import { probeWebGpu } from '../../../src/browser/webgpu-probe.ts';

self.onmessage = async () => {
  self.postMessage(await probeWebGpu());
};
