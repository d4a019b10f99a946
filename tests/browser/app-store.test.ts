// The app's IndexedDB store in headless Chromium: versioned upgrades keep data,
// appends across chunk boundaries read back exactly, done ids, deletes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, startDevServer } from '../helpers/browser.ts';

describe('app store (IndexedDB)', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startDevServer>>;
  let page: Page;
  beforeAll(async () => {
    server = await startDevServer();
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${server.url}/tests/browser/pages/app-store.html`);
    await page.waitForFunction(() => (window as unknown as { storeReady?: boolean }).storeReady === true);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('upgrades a version-1 database (and a version-2 one) to the latest without losing data', async () => {
    const r = await page.evaluate(async () => {
      type Api = { openStore: (name: string, v?: number) => Promise<any>; DB_VERSION: number; VECTORS_PER_CHUNK: number };
      const api = (window as unknown as { storeApi: Api }).storeApi;
      const dim = 8;
      const n = api.VECTORS_PER_CHUNK + 5; // two chunks in the v1 layout
      const vectors = Float32Array.from({ length: n * dim }, (_, i) => i * 0.5 - 3);
      // Version 1: one record per segment, vectors in ArrayBuffer chunks.
      const v1 = await api.openStore('upgrade-test', 1);
      const db = v1.db;
      await db.put('settings', { encoderSource: 'tiny' }, 'app');
      await db.put('sets', { id: 'old', name: 'old set', manifest: { dim, encoder: { id: 'x', revision: 'main' } }, dim, count: n, created: '2026-01-01T00:00:00Z' });
      for (let i = 0; i < n; i++) await db.put('segments', { setId: 'old', ord: i, id: `seg-${i}`, name: `s${i}.wav`, path: `wav/s${i}.wav`, dialect: 'Jeju-do', split: i % 2 ? 'dev' : 'train', duration: 1 + i });
      for (let c = 0; c * api.VECTORS_PER_CHUNK < n; c++) {
        const rows = Math.min(api.VECTORS_PER_CHUNK, n - c * api.VECTORS_PER_CHUNK);
        const data = vectors.slice(c * api.VECTORS_PER_CHUNK * dim, (c * api.VECTORS_PER_CHUNK + rows) * dim).buffer;
        await db.put('vectors', { setId: 'old', chunk: c, rows, data });
      }
      const v1Stores = [...db.objectStoreNames];
      v1.close();
      // Version 2 adds heads and runs.
      const v2 = await api.openStore('upgrade-test', 2);
      await v2.db.put('runs', { id: 'r1', name: 'run', created: '2026-01-02T00:00:00Z', status: 'done', config: { learning_rate: 0.1 }, trainSetId: 'old', evalSetId: 'old', log: [{ step: 1, loss: 2 }] });
      const v2Stores = [...v2.db.objectStoreNames];
      v2.close();
      // Latest.
      const s = await api.openStore('upgrade-test');
      const set = await s.getSet('old');
      const back = await s.readVectors('old');
      const rows = await s.readRows('old');
      const done = await s.doneIds('old');
      const settings = await s.getSetting('app', null);
      const runs = await s.listRuns();
      const stores = [...s.db.objectStoreNames];
      const version = s.db.version;
      // The upgraded set keeps taking appends.
      await s.appendRows('old', [{ id: 'new', name: 'n.wav', path: 'wav/n.wav', dialect: 'Seoul_Gyeonggi-do', split: 'train', duration: 2 }], new Float32Array(dim).fill(7));
      const after = await s.readVectors('old');
      s.close();
      return {
        v1Stores, v2Stores, stores, version, set, settings, runs,
        sameVectors: back.vectors.length === vectors.length && back.vectors.every((v: number, i: number) => v === vectors[i]),
        rows: rows.map((r: { id: string; ord: number; split: string; duration: number }) => [r.id, r.ord, r.split, r.duration]),
        done: done.size,
        afterCount: after.count,
        lastRow: Array.from(after.vectors.subarray(n * dim)),
        n, dim,
      };
    });
    expect(r.v1Stores.sort()).toEqual(['segments', 'sets', 'settings', 'vectors']);
    expect(r.v2Stores).toContain('runs');
    expect(r.version).toBe(3);
    expect(r.stores.sort()).toEqual(['chunks', 'heads', 'jobs', 'runs', 'sets', 'settings']);
    expect(r.set).toMatchObject({ id: 'old', name: 'old set', count: r.n, source: 'import' });
    expect(r.settings).toEqual({ encoderSource: 'tiny' });
    expect(r.runs.map((x: { id: string }) => x.id)).toEqual(['r1']);
    expect(r.sameVectors).toBe(true);
    expect(r.rows).toHaveLength(r.n);
    r.rows.forEach((row: [string, number, string, number], i: number) => expect(row).toEqual([`seg-${i}`, i, i % 2 ? 'dev' : 'train', 1 + i]));
    expect(r.done).toBe(r.n);
    expect(r.afterCount).toBe(r.n + 1);
    expect(r.lastRow).toEqual(new Array(r.dim).fill(7));
  });

  it('appends in uneven batches across chunk boundaries and reads back the same rows and vectors', async () => {
    const r = await page.evaluate(async () => {
      type Api = { openStore: (name: string) => Promise<any>; newId: (p: string) => string; VECTORS_PER_CHUNK: number };
      const api = (window as unknown as { storeApi: Api }).storeApi;
      const s = await api.openStore('append-test');
      const dim = 16;
      const id = api.newId('set');
      await s.createSet({ id, name: 'a', manifest: {}, dim, created: new Date().toISOString(), source: 'dataset' });
      const batches = [3, api.VECTORS_PER_CHUNK - 1, 1, api.VECTORS_PER_CHUNK + 7, 40];
      const total = batches.reduce((a, b) => a + b, 0);
      const all = Float32Array.from({ length: total * dim }, (_, i) => Math.sin(i));
      let at = 0;
      for (const b of batches) {
        const rows = Array.from({ length: b }, (_, i) => ({ id: `r${at + i}`, name: `r${at + i}`, path: `p/${at + i}`, dialect: 'Jeolla-do', split: 'train', duration: 1 }));
        await s.appendRows(id, rows, all.subarray(at * dim, (at + b) * dim));
        at += b;
      }
      let bad: string | null = null;
      try {
        await s.appendRows(id, [{ id: 'x', name: 'x', path: 'x', dialect: 'Jeolla-do', split: 'train', duration: 1 }], new Float32Array(dim - 1));
      } catch (e) {
        bad = (e as Error).message;
      }
      const back = await s.readVectors(id);
      const rows = await s.readRows(id);
      const done = await s.doneIds(id);
      await s.deleteSet(id);
      const gone = await s.getSet(id);
      const chunksLeft = await s.db.count('chunks');
      s.close();
      return {
        total,
        count: back.count,
        same: back.vectors.every((v: number, i: number) => v === all[i]),
        ids: rows.map((x: { id: string }) => x.id),
        ords: rows.map((x: { ord: number }) => x.ord),
        done: done.size,
        bad,
        gone: gone === undefined,
        chunksLeft,
      };
    });
    expect(r.count).toBe(r.total);
    expect(r.same).toBe(true);
    expect(r.ids).toEqual(Array.from({ length: r.total }, (_, i) => `r${i}`));
    expect(r.ords).toEqual(Array.from({ length: r.total }, (_, i) => i));
    expect(r.done).toBe(r.total);
    expect(r.bad).toMatch(/1 rows need 16 values, got 15/);
    expect(r.gone).toBe(true);
    expect(r.chunksLeft).toBe(0);
  });
});
