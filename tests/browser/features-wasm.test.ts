// The feature extractor's WebAssembly SIMD kernel in Chromium's main thread, against its JS path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, startDevServer } from '../helpers/browser.ts';

describe('feature extractor in Chromium', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startDevServer>>;
  beforeAll(async () => {
    server = await startDevServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('compiles the SIMD kernel on the main thread and matches the JS fbank', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/tests/browser/pages/features.html`);
    const r = (await page.evaluate(() => (window as unknown as { featuresResult: Promise<unknown> }).featuresResult)) as Record<string, unknown>;
    await page.close();
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
