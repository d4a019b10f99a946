import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useTestPage } from '../helpers/test-page.ts';
import { makeHeadFixture, startMockHub, type MockHub } from '../helpers/mock-hf-hub.ts';
import { LABEL_NAMES } from '../../src/core/config/labels.ts';

interface ReachWindow {
  reach: {
    events: Record<string, unknown>[];
    storeCalls: unknown[][];
    setHead(bytes: number[], config: unknown, saturiHead: unknown): void;
    ready: Promise<unknown>;
  };
}

describe('reach components: waveform-select and hub-push', () => {
  const t = useTestPage('reach-components.html', { viewport: { width: 1000, height: 900 } });
  let hub: MockHub;
  let page: Page;

  beforeAll(async () => {
    hub = await startMockHub();
    page = t.page;
    await page.evaluate(() => (window as unknown as ReachWindow).reach.ready);
  });
  afterAll(async () => {
    await hub?.close();
  });

  const events = () => page.evaluate(() => (window as unknown as ReachWindow).reach.events.splice(0));

  it('draws the waveform and selects a region by mouse drag (either direction)', async () => {
    const wrap = page.locator('waveform-select .wrap');
    const box = (await wrap.boundingBox())!;
    expect(box.width).toBe(800);
    // The canvas holds the drawing: the middle row is painted, louder (taller) to the right.
    const heights = await page.evaluate(() => {
      const c = document.querySelector('waveform-select')!.shadowRoot!.querySelector('canvas')!;
      const ctx = c.getContext('2d')!;
      const col = (x: number) => {
        const d = ctx.getImageData(x, 0, 1, c.height).data;
        let n = 0;
        for (let y = 0; y < c.height; y++) if (d[4 * y + 3] === 255 && d[4 * y + 2]! < 150) n++; // opaque wave pixels, not the translucent blue selection
        return n;
      };
      return [col(Math.floor(c.width * 0.05)), col(Math.floor(c.width * 0.95))];
    });
    expect(heights[0]).toBeGreaterThan(0);
    expect(heights[1]).toBeGreaterThan(heights[0]! * 3);

    await events();
    const at = (f: number) => box.x + f * box.width;
    const y = box.y + box.height / 2;
    await page.mouse.move(at(0.25), y);
    await page.mouse.down();
    await page.mouse.move(at(0.4), y, { steps: 4 });
    await page.mouse.move(at(0.6), y, { steps: 4 });
    await page.mouse.up();
    let ev = await events();
    expect(ev.some((e) => e.type === 'region-input')).toBe(true);
    const change = ev.filter((e) => e.type === 'region-change');
    expect(change).toHaveLength(1);
    // 10 s over 800 px: one pixel is 12.5 ms.
    expect(change[0]!.start as number).toBeCloseTo(2.5, 1);
    expect(Math.abs((change[0]!.start as number) - 2.5)).toBeLessThanOrEqual(0.0125);
    expect(Math.abs((change[0]!.end as number) - 6.0)).toBeLessThanOrEqual(0.0125);

    // Right to left gives the same ordered region.
    await page.mouse.move(at(0.9), y);
    await page.mouse.down();
    await page.mouse.move(at(0.7), y, { steps: 5 });
    await page.mouse.up();
    ev = (await events()).filter((e) => e.type === 'region-change');
    expect(Math.abs((ev[0]!.start as number) - 7.0)).toBeLessThanOrEqual(0.0125);
    expect(Math.abs((ev[0]!.end as number) - 9.0)).toBeLessThanOrEqual(0.0125);

    // A click without movement does not change the selection.
    await page.mouse.click(at(0.1), y);
    expect((await events()).filter((e) => e.type === 'region-change')).toHaveLength(0);
    const region = await page.evaluate(() => document.querySelector('waveform-select')!.region);
    expect(region.start).toBeCloseTo(ev[0]!.start as number, 6);
  });

  it('adjusts start and end from the keyboard and by typing, never crossing', async () => {
    await page.evaluate(() => document.querySelector('waveform-select')!.setRegion(2, 5));
    await page.evaluate(() => document.querySelector('waveform-select')!.updateComplete);
    await events();
    const end = page.locator('waveform-select .handle.end');
    await end.focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Shift+ArrowRight');
    let ev = await events();
    expect(ev.map((e) => [e.start, e.end])).toEqual([[2, 4.9], [2, 4.8], [2, 5.8]]);
    expect(await end.getAttribute('aria-valuenow')).toBe('5.800');
    const start = page.locator('waveform-select .handle.start');
    await start.focus();
    await page.keyboard.press('End'); // start moves up to just before the end
    await page.keyboard.press('Home');
    ev = await events();
    expect(ev.map((e) => [e.start, e.end])).toEqual([[5.7, 5.8], [0, 5.8]]);
    await page.locator('waveform-select .start-input').fill('1.25');
    await page.locator('waveform-select .start-input').press('Enter');
    ev = await events();
    expect(ev.at(-1)).toMatchObject({ type: 'region-change', start: 1.25, end: 5.8 });
    expect(await page.evaluate(() => document.querySelector('waveform-select')!.selectedSamples().length)).toBe(Math.floor(5.8 * 16000) - 1.25 * 16000);
  });

  it('pushes a head to the (mock) Hub with a typed token kept in memory, retrying a failed upload', async () => {
    const fx = makeHeadFixture(LABEL_NAMES);
    await page.evaluate(({ bytes, config, saturiHead }) => (window as unknown as ReachWindow).reach.setHead(bytes, config, saturiHead), {
      bytes: Array.from(fx.safetensors),
      config: fx.config,
      saturiHead: fx.saturiHead,
    });
    hub.fail({ method: 'PUT', path: /^\/lfs-upload\//, status: 500, times: 1 });
    await page.locator('hub-push input[name="repo"]').fill('carol/browser-head');
    await page.locator('hub-push input[name="token"]').fill(hub.token);
    await page.locator('hub-push summary').click();
    await page.locator('hub-push input[name="hubUrl"]').fill(hub.url);
    await events();
    await page.locator('hub-push button[type="submit"]').click();
    await page.locator('hub-push .status .ok').waitFor({ timeout: 60_000 });
    const ev = await events();
    expect(ev).toEqual([{ type: 'hub-pushed', repoUrl: `${hub.url}/carol/browser-head` }]);

    const repo = hub.repo('model', 'carol/browser-head')!;
    expect(Buffer.compare(repo.files.get('model.safetensors')!, Buffer.from(fx.safetensors))).toBe(0);
    expect(JSON.parse(repo.files.get('config.json')!.toString('utf8'))).toEqual(fx.config);
    expect(repo.files.get('README.md')!.toString('utf8')).toContain('pipeline_tag: audio-classification');
    const puts = hub.requests.filter((q) => q.method === 'PUT' && q.path.startsWith('/lfs-upload/'));
    expect(puts.map((q) => q.status)).toEqual([500, 200]);
    expect(hub.requests.filter((q) => q.method !== 'OPTIONS' && !q.path.startsWith('/lfs-upload/')).every((q) => q.authorization === `Bearer ${hub.token}`)).toBe(true);

    // Not remembered: the store was only asked to load (on mount) and to clear; nothing in web storage either.
    const calls = await page.evaluate(() => (window as unknown as ReachWindow).reach.storeCalls);
    expect(calls).toEqual([['load'], ['clear']]);
    const webStorage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    expect(webStorage).not.toContain(hub.token);
    expect(await page.locator('hub-push input[name="token"]').getAttribute('value')).toBeNull();
  });

  it('stores the token through the app store only when "remember" is ticked, and reports hub errors', async () => {
    await page.locator('hub-push input[name="remember"]').check();
    await page.locator('hub-push input[name="repo"]').fill('carol/browser-head');
    await page.locator('hub-push button[type="submit"]').click();
    await page.locator('hub-push .status .ok').waitFor({ timeout: 60_000 });
    let calls = await page.evaluate(() => (window as unknown as ReachWindow).reach.storeCalls);
    expect(calls.at(-1)).toEqual(['save', hub.token]);

    // A rejected token: the message comes from the hub and does not show the token.
    const wrong = 'hf_browserWrongToken42';
    await page.locator('hub-push input[name="remember"]').uncheck();
    await page.locator('hub-push input[name="token"]').fill(wrong);
    await events();
    await page.locator('hub-push button[type="submit"]').click();
    await page.locator('hub-push .status .error').waitFor({ timeout: 60_000 });
    const text = await page.locator('hub-push .status .error').innerText();
    expect(text).toMatch(/Invalid credentials/);
    expect(text).not.toContain(wrong);
    calls = await page.evaluate(() => (window as unknown as ReachWindow).reach.storeCalls);
    expect(calls.at(-1)).toEqual(['clear']);
    expect((await events())[0]).toMatchObject({ type: 'hub-push-error' });
  });
});
