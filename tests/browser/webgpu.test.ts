import { describe, expect, it } from 'vitest';
import { useTestPage } from '../helpers/test-page.ts';

describe('WebGPU in headless Chromium', () => {
  const t = useTestPage('webgpu.html');

  it('is available to a page and to a dedicated worker, and runs a compute shader in both', async () => {
    const { page } = t;
    const result = await page.evaluate(() => (window as unknown as { probeResult: Promise<unknown> }).probeResult);
    const { page: inPage, worker: inWorker } = result as { page: Record<string, unknown>; worker: Record<string, unknown> };
    for (const probe of [inPage, inWorker]) {
      expect(probe.error).toBeUndefined();
      expect(probe.available).toBe(true);
      expect(probe.computeWorks).toBe(true);
    }
    expect(inPage.architecture).toBe('swiftshader');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  });
});
