// The feature extractor's WebAssembly SIMD kernel in Chromium's main thread, against its JS path.
import { describe, expect, it } from 'vitest';
import { useTestPage } from '../helpers/test-page.ts';

describe('feature extractor in Chromium', () => {
  const t = useTestPage('features.html');

  it('compiles the SIMD kernel on the main thread and matches the JS fbank', async () => {
    const r = (await t.page.evaluate(() => (window as unknown as { featuresResult: Promise<unknown> }).featuresResult)) as Record<string, unknown>;
    expect(r.error).toBeUndefined();
    expect(r.simd).toBe(true);
    expect(r.defaultBackend).toBe('wasm');
    // 32240 samples → 200 frames → 100 rows, all real.
    expect(r.frames).toBe(100);
    expect(r.framesJs).toBe(100);
    expect(r.mask).toEqual([1, 1]);
    expect(r.maxDiff as number).toBeLessThan(1e-3);
  });
});
