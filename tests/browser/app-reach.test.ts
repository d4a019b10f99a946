// Issue 7 in the built app: select a region of an opened recording on its
// waveform (mouse drag, keyboard) and classify only that region; push a stored
// head to a mock Hugging Face Hub (URL set on the settings page) from the
// evaluate page, with the token remembered in the app's settings store.
// A tab left open across a deploy: the new version's service worker takes over and
// the app offers a reload. Screenshots go to /tmp/saturi-shots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { launchChromium, repoRoot, startPreviewServer } from '../helpers/browser.ts';
import { tempDir } from '../helpers/paths.ts';
import { staticHost } from '../helpers/static-host.ts';
import { makeHeadFixture, startMockHub, type MockHub } from '../helpers/mock-hf-hub.ts';
import { classClip, writeWav } from './app-data.ts';
import { buildApp, goto } from './app-driver.ts';
import { awaitResult, classifyFile } from './classify-driver.ts';
import { decodeWav, encodeWav } from '../../src/core/audio/wav.ts';
import { LABEL_NAMES } from '../../src/core/config/labels.ts';
import { ISOLATION_HEADERS } from '../../src/browser/pwa/cross-origin-isolation.ts';

const SHOTS = '/tmp/saturi-shots';
const RATE = 16000;
/** Hidden size of the generated tiny encoder (models/tiny-w2v-bert/config.json). */
const TINY_DIM = 32;

const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

/**
 * The built site as a deploy would serve it (with COOP/COEP, so the first visit needs no
 * isolation reload), whose service worker script changes when `deploy()` is called: the bytes
 * of sw.js are what makes the browser install a new version. (Vite's preview server reads the
 * file list and sizes once, so its files cannot change under it.)
 */
async function deployableHost(dir: string): Promise<{ url: string; deploy: () => void; close: () => Promise<void> }> {
  let version = 1;
  const host = await staticHost(dir, {
    headers: ISOLATION_HEADERS,
    transform: (path, body) => (path === '/sw.js' && version > 1 ? Buffer.concat([body, Buffer.from(`\n// deploy ${version}\n`)]) : body),
  });
  return { ...host, deploy: () => void version++ };
}

describe('the built app: region selection and Push to Hub', () => {
  let browser: Browser;
  let page: Page;
  let server: Awaited<ReturnType<typeof startPreviewServer>>;
  let hub: MockHub;
  let base: string;
  let data: string;
  let distDir: string;
  let toneWav: string;
  let tone: Float32Array;
  const fx = makeHeadFixture(LABEL_NAMES, { dim: TINY_DIM, proj: 8 });
  const cleanups: (() => void)[] = [];

  beforeAll(async () => {
    if (!existsSync(join(repoRoot, 'models/tiny-w2v-bert/config.json'))) throw new Error('run `npm run models:tiny` first (npm test does)');
    mkdirSync(SHOTS, { recursive: true });
    const out = tempDir('saturi-reach-dist-');
    cleanups.push(out.cleanup);
    distDir = out.dir;
    await buildApp(out.dir);
    [server, hub, browser] = await Promise.all([startPreviewServer(out.dir), startMockHub(), launchChromium()]);
    base = server.url;
    const d = tempDir('saturi-reach-data-');
    cleanups.push(d.cleanup);
    data = d.dir;
    // 4 s whose sound changes at 2 s: class 0 (low band, slow pulse), then class 4 (high band, fast pulse).
    const samples = new Float32Array(4 * RATE);
    samples.set(classClip(0, 2, 11), 0);
    samples.set(classClip(4, 2, 12), 2 * RATE);
    toneWav = writeWav(join(data, 'tone-change.wav'), samples);
    // What the app decodes: the 16-bit values of the file.
    tone = decodeWav(readFileSync(toneWav), 'tone-change.wav').samples;
    // The head the app imports: the exported-head folder, zipped.
    const enc = new TextEncoder();
    writeFileSync(join(data, 'reach-head.zip'), zipSync({
      'reach-head/model.safetensors': fx.safetensors,
      'reach-head/config.json': enc.encode(JSON.stringify(fx.config)),
      'reach-head/saturi_head.json': enc.encode(JSON.stringify(fx.saturiHead)),
    }));
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('dialog', (dl) => void dl.accept());
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await hub?.close();
    for (const c of cleanups) c();
  });

  it('imports the pretrained head once (no head stored yet) however often its button is pressed while the import runs', async () => {
    // The Hub is out of reach here: its answer is held back, then refused, so the import is
    // still running when the button is pressed again.
    let requests = 0;
    await page.route('https://huggingface.co/**', (route) => {
      requests++;
      setTimeout(() => void route.abort('connectionrefused'), 800);
    });
    try {
      for (const where of ['evaluate', 'classify'] as const) {
        requests = 0;
        await goto(page, base, where);
        const button = page.locator(`${where}-page #import-pretrained`);
        await button.evaluate((b) => {
          (b as HTMLButtonElement).click();
          (b as HTMLButtonElement).click();
        });
        await expect.poll(() => button.isDisabled()).toBe(true);
        await expect.poll(() => button.isDisabled()).toBe(false);
        expect(requests, where).toBe(1);
        expect(await page.locator(`${where}-page #error`).textContent(), where).toBeTruthy();
      }
    } finally {
      await page.unroute('https://huggingface.co/**');
    }
  });

  it('sets the tiny encoder and the hub URL in settings and imports a head', async () => {
    await goto(page, base, 'settings');
    await page.locator('settings-page input[name="source"][value="tiny"]').check();
    await expect.poll(() => page.locator('settings-page #tiny-status').textContent(), { timeout: 30_000 }).toMatch(/served by this site|이 사이트에 있음/);
    await page.locator('settings-page #hub-url').fill(hub.url);
    await page.locator('settings-page #hub-url').dispatchEvent('change');
    await expect.poll(() => page.evaluate(async () => {
      const req = indexedDB.open('saturi');
      const db: IDBDatabase = await new Promise((res) => (req.onsuccess = () => res(req.result)));
      const v = await new Promise<{ hubUrl?: string } | undefined>((res) => {
        const r = db.transaction('settings').objectStore('settings').get('app');
        r.onsuccess = () => res(r.result);
      });
      db.close();
      return v?.hubUrl;
    })).toBe(hub.url);
    await goto(page, base, 'evaluate');
    await page.locator('evaluate-page #head-input').setInputFiles(join(data, 'reach-head.zip'));
    await page.locator('evaluate-page .head-row').waitFor();
  });

  it('warns on Classify that the active head was trained on another encoder (same embedding size), as Evaluate does', async () => {
    // The imported head says Xenova/w2v-bert-2.0 q8; the tiny encoder has its size (32) and is another model:
    // only the size was checked, and the head was used without a word.
    await classifyFile(page, base, toneWav);
    const warning = page.locator('classify-page #encoder-warning');
    await expect.poll(() => warning.count()).toBe(1);
    expect(await warning.textContent()).toMatch(/"[^"]+".*\(Xenova\/w2v-bert-2\.0 vs \S*tiny-w2v-bert/);
  });

  it('classifies only the region selected on the waveform by mouse drag, like a file cut to that region', async () => {
    const whole = await classifyFile(page, base, toneWav);
    const wave = page.locator('classify-page waveform-select');
    await wave.waitFor();
    expect(await wave.evaluate((el) => (el as unknown as { region: { start: number; end: number } }).region)).toEqual({ start: 0, end: 4 });

    // Drag from 60 % to 95 % of the width: inside the second sound only.
    const box = (await page.locator('classify-page waveform-select .wrap').boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + 0.6 * box.width, y);
    await page.mouse.down();
    await page.mouse.move(box.x + 0.8 * box.width, y, { steps: 5 });
    await page.mouse.move(box.x + 0.95 * box.width, y, { steps: 5 });
    await page.mouse.up();
    // One arrow key on the end handle moves it back by the 0.1 s step.
    const dragged = await wave.evaluate((el) => (el as unknown as { region: { start: number; end: number } }).region);
    expect(dragged.start).toBeGreaterThan(2.2);
    expect(dragged.end).toBeGreaterThan(3.6);
    await page.locator('classify-page waveform-select .handle.end').focus();
    await page.keyboard.press('ArrowLeft');
    const region = await wave.evaluate((el) => (el as unknown as { region: { start: number; end: number } }).region);
    expect(region.start).toBe(dragged.start);
    expect(region.end).toBeCloseTo(dragged.end - 0.1, 6);
    await expect.poll(() => page.locator('classify-page #selection-label').textContent()).toContain(region.start.toFixed(2));

    await page.locator('classify-page #classify-selection').click();
    const selected = await awaitResult(page, { region });
    await page.screenshot({ path: join(SHOTS, 'reach-classify-selection.png'), fullPage: true });
    expect(selected.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    // The second sound alone is not the whole recording.
    expect(maxAbsDiff(selected, whole)).toBeGreaterThan(1e-3);

    // The same samples as a file of their own give the same probabilities.
    const cut = tone.slice(Math.floor(region.start * RATE), Math.floor(region.end * RATE));
    const cutWav = join(data, 'tone-cut.wav');
    writeFileSync(cutWav, encodeWav(cut, RATE));
    const alone = await classifyFile(page, base, cutWav);
    alone.forEach((p, i) => expect(p).toBeCloseTo(selected[i]!, 5));
  });

  it('pushes a stored head to the hub from the evaluate page and remembers the token when asked', async () => {
    await goto(page, base, 'evaluate');
    await page.locator('evaluate-page .push-head').first().click();
    const dialog = page.locator('evaluate-page #push-dialog');
    await expect.poll(() => dialog.evaluate((d) => (d as HTMLDialogElement).open)).toBe(true);
    // The hub URL comes from the settings page.
    expect(await page.locator('evaluate-page hub-push input[name="hubUrl"]').inputValue()).toBe(hub.url);
    await page.locator('evaluate-page hub-push input[name="repo"]').fill('dana/saturi-head');
    await page.locator('evaluate-page hub-push input[name="token"]').fill(hub.token);
    await page.locator('evaluate-page hub-push input[name="remember"]').check();
    await page.screenshot({ path: join(SHOTS, 'reach-push-dialog.png') });
    await page.locator('evaluate-page hub-push button[type="submit"]').click();
    await page.locator('evaluate-page hub-push .status .ok').waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(SHOTS, 'reach-push-done.png') });

    const repo = hub.repo('model', 'dana/saturi-head')!;
    expect([...repo.files.keys()].sort()).toEqual(['README.md', 'config.json', 'model.safetensors', 'saturi_head.json']);
    // The head went up as stored: same tensors (the store re-exports them) and labels.
    const st = repo.files.get('model.safetensors')!;
    const headerLen = Number(st.readBigUInt64LE(0));
    const header = JSON.parse(st.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, { shape: number[] }>;
    expect(header['projector.weight']?.shape).toEqual([8, TINY_DIM]);
    expect(header['classifier.weight']?.shape).toEqual([6, 8]);
    const config = JSON.parse(repo.files.get('config.json')!.toString('utf8')) as { id2label: Record<string, string> };
    expect(config.id2label).toEqual(fx.config.id2label);
    expect(repo.files.get('README.md')!.toString('utf8')).toContain('pipeline_tag: audio-classification');
    await page.locator('evaluate-page #close-push').click();
    await expect.poll(() => page.locator('evaluate-page #notice').textContent()).toContain('dana/saturi-head');

    // "Remember": the token is in the app's settings store and comes back after a reload.
    await goto(page, base, 'settings');
    await expect.poll(() => page.locator('settings-page #forget-token').count()).toBe(1);
    await page.reload();
    await goto(page, base, 'evaluate');
    await page.locator('evaluate-page .push-head').first().click();
    await expect.poll(() => page.locator('evaluate-page hub-push input[name="remember"]').isChecked()).toBe(true);
    await page.locator('evaluate-page hub-push input[name="repo"]').fill('dana/saturi-head-2');
    await page.locator('evaluate-page hub-push button[type="submit"]').click();
    await page.locator('evaluate-page hub-push .status .ok').waitFor({ timeout: 60_000 });
    expect(hub.repo('model', 'dana/saturi-head-2')?.files.has('model.safetensors')).toBe(true);
  });

  it('shows the waveform and the push dialog in Korean', async () => {
    await goto(page, base, 'classify');
    await page.locator('saturi-app button[lang="ko"]').click();
    // The waveform shows once the file is decoded (before its classification ends).
    await page.locator('classify-page #file-input').setInputFiles(toneWav);
    await expect.poll(() => page.locator('classify-page waveform-select button').textContent(), { timeout: 30_000 }).toBe('전체 선택');
    expect(await page.locator('classify-page #classify-selection').textContent()).toBe('선택 구간 판별');
    expect(await page.locator('classify-page waveform-select .handle.start').getAttribute('aria-label')).toBe('선택 구간의 시작 (초)');
    await page.screenshot({ path: join(SHOTS, 'reach-classify-ko.png'), fullPage: true });
    await goto(page, base, 'evaluate');
    await page.locator('evaluate-page .push-head').first().click();
    await expect.poll(() => page.locator('evaluate-page hub-push button[type="submit"]').textContent()).toBe('허브에 올리기');
    expect(await page.locator('evaluate-page hub-push form').innerText()).toContain('이 기기에 토큰 기억하기');
    await page.screenshot({ path: join(SHOTS, 'reach-push-dialog-ko.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('evaluate-page #push-dialog').evaluate((d) => (d as HTMLDialogElement).open)).toBe(false);
  });

  it('a worker whose script cannot load (a tab left open across an update) is an error to reload, not an endless spinner', async () => {
    const ctx = await browser.newContext({ serviceWorkers: 'block' });
    try {
      const p = await ctx.newPage();
      await ctx.route('**/audio.worker*.js', (r) => r.fulfill({ status: 404, body: 'gone' }));
      await goto(p, base, 'classify');
      await p.locator('classify-page #file-input').setInputFiles(toneWav);
      await expect.poll(() => p.locator('classify-page #error').textContent(), { timeout: 30_000 }).toMatch(/audio worker could not start.*Reload the page|audio 워커를 시작할 수 없습니다/);
    } finally {
      await ctx.close();
    }
  });

  it('a tab left open across a deploy says that a new version took over, and its button reloads the page', async () => {
    const host = await deployableHost(distDir);
    const ctx = await browser.newContext({ serviceWorkers: 'allow', viewport: { width: 1100, height: 700 } });
    try {
      const p = await ctx.newPage();
      p.on('pageerror', (e) => console.error('page error:', e.message));
      const banner = p.locator('saturi-app #update-banner');
      // First visit: the real service worker installs and claims the page. That takeover is no update.
      await goto(p, host.url, 'classify');
      await p.evaluate(() => navigator.serviceWorker.ready);
      await expect.poll(() => p.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.state), { timeout: 60_000 }).toBe('activated');
      await expect.poll(() => p.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
      await p.waitForTimeout(500);
      expect(await banner.count()).toBe(0);
      // The tab as it is between deploys: loaded under the service worker of the current version.
      await p.reload();
      await p.locator('classify-page').waitFor();
      expect(await p.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
      await p.waitForTimeout(500);
      expect(await banner.count()).toBe(0);
      await p.evaluate(() => void ((window as unknown as { __oldDocument: boolean }).__oldDocument = true));

      // A deploy changes sw.js; the browser's update check (here asked for at once) installs the
      // new version, which skips waiting and claims the open tab.
      host.deploy();
      await p.evaluate(async () => { await (await navigator.serviceWorker.getRegistration())!.update(); });
      await expect.poll(() => banner.count(), { timeout: 60_000 }).toBe(1);
      expect(await banner.getAttribute('role')).toBe('status');
      expect(await banner.textContent()).toMatch(/A new version of Saturi is active\. Reload to use it\.|새 버전의 Saturi가 적용되었습니다/);
      // Still the old document: the banner offers the reload, it does not reload by itself.
      expect(await p.evaluate(() => (window as unknown as { __oldDocument?: boolean }).__oldDocument)).toBe(true);
      await p.screenshot({ path: join(SHOTS, 'reach-update-banner.png') });

      const button = banner.locator('button');
      expect(await button.textContent()).toMatch(/^(Reload|새로 고침)$/);
      await Promise.all([p.waitForEvent('load', { timeout: 30_000 }), button.click()]);
      await p.locator('classify-page').waitFor();
      // A new document (the marker is gone), under the new version's worker, with no banner.
      expect(await p.evaluate(() => (window as unknown as { __oldDocument?: boolean }).__oldDocument)).toBeUndefined();
      expect(await p.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
      expect(await banner.count()).toBe(0);
    } finally {
      await ctx.close();
      await host.close();
    }
  });
});
