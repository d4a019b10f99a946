// The app's IndexedDB store in headless Chromium: versioned upgrades keep data,
// appends across chunk boundaries read back exactly, done ids, deletes.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useTestPage } from '../helpers/test-page.ts';

/** `[start, count]` of a set's blocks: contiguous from row 0, each at most `limit` rows, `total` rows in all. */
function expectContiguousBlocks(blocks: [number, number][], limit: number, total: number): void {
  let at = 0;
  for (const [start, count] of blocks) {
    expect(start).toBe(at);
    expect(count).toBeLessThanOrEqual(limit);
    at += count;
  }
  expect(at).toBe(total);
}

describe('app store (IndexedDB)', () => {
  const t = useTestPage('app-store.html');
  let page: Page;
  beforeAll(async () => {
    page = t.page;
    await page.waitForFunction(() => (window as unknown as { storeReady?: boolean }).storeReady === true);
  });

  it('upgrades a version-1 database (through versions 2 and 3) to the latest without losing data', async () => {
    const r = await page.evaluate(async () => {
      type Api = { openStore: (name: string, v?: number) => Promise<any>; DB_VERSION: number; VECTORS_PER_CHUNK: number; ROWS_PER_BLOCK: number };
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
      // Version 3: rows and vectors in 256-row chunks (vectors as Blobs).
      const v3 = await api.openStore('upgrade-test', 3);
      const v3Stores = [...v3.db.objectStoreNames];
      const v3Chunks = (await v3.db.getAll('chunks')).map((c: { chunk: number; rows: unknown[]; vectors: Blob }) => [c.chunk, c.rows.length, c.vectors.size]);
      v3.close();
      // Latest.
      const s = await api.openStore('upgrade-test');
      const set = await s.getSet('old');
      const back = await s.readSet('old');
      const rows = await s.readRows('old');
      const done = await s.doneIds('old');
      const settings = await s.getSetting('app', null);
      const runs = await s.listRuns();
      const stores = [...s.db.objectStoreNames];
      const version = s.db.version;
      // The upgraded set keeps taking appends.
      await s.appendRows('old', [{ id: 'new', name: 'n.wav', path: 'wav/n.wav', dialect: 'Seoul_Gyeonggi-do', split: 'train', duration: 2 }], new Float32Array(dim).fill(7));
      const after = await s.readSet('old');
      // ... also appends that merge the migrated chunks into a full block.
      const more = api.ROWS_PER_BLOCK;
      const moreVectors = Float32Array.from({ length: more * dim }, (_, i) => i);
      await s.appendRows('old', Array.from({ length: more }, (_, i) => ({ id: `more-${i}`, name: 'm.wav', path: 'wav/m.wav', dialect: 'Jeju-do', split: 'train', duration: 1 })), moreVectors);
      const final = await s.readSet('old');
      const finalRows = await s.readRows('old');
      const blocks = (await s.db.getAll('blocks')).map((b: { start: number; count: number }) => [b.start, b.count]);
      s.close();
      return {
        v1Stores, v2Stores, stores, version, set, settings, runs,
        sameVectors: back.vectors.length === vectors.length && back.vectors.every((v: number, i: number) => v === vectors[i]),
        rows: rows.map((r: { id: string; ord: number; split: string; duration: number }) => [r.id, r.ord, r.split, r.duration]),
        done: done.size,
        afterCount: after.count,
        lastRow: Array.from(after.vectors.subarray(n * dim)),
        v3Stores, v3Chunks,
        finalSame:
          final.count === n + 1 + more &&
          final.vectors.subarray(0, n * dim).every((v: number, i: number) => v === vectors[i]) &&
          final.vectors.subarray((n + 1) * dim).every((v: number, i: number) => v === moreVectors[i]),
        finalIds: finalRows.map((x: { id: string; ord: number }) => `${x.ord}:${x.id}`),
        blocks, rowsPerBlock: api.ROWS_PER_BLOCK, vpc: api.VECTORS_PER_CHUNK,
        n, dim,
      };
    });
    expect(r.v1Stores.sort()).toEqual(['segments', 'sets', 'settings', 'vectors']);
    expect(r.v2Stores).toContain('runs');
    expect(r.v3Stores.sort()).toEqual(['chunks', 'heads', 'jobs', 'runs', 'sets', 'settings']);
    expect(r.v3Chunks).toEqual([
      [0, r.vpc, r.vpc * r.dim * 4],
      [1, r.n - r.vpc, (r.n - r.vpc) * r.dim * 4],
    ]);
    expect(r.version).toBe(4);
    expect(r.stores.sort()).toEqual(['blocks', 'heads', 'jobs', 'runs', 'sets', 'settings']);
    expect(r.set).toMatchObject({ id: 'old', name: 'old set', count: r.n, source: 'import' });
    expect(r.settings).toEqual({ encoderSource: 'tiny' });
    expect(r.runs.map((x: { id: string }) => x.id)).toEqual(['r1']);
    expect(r.sameVectors).toBe(true);
    expect(r.rows).toHaveLength(r.n);
    r.rows.forEach((row: [string, number, string, number], i: number) => expect(row).toEqual([`seg-${i}`, i, i % 2 ? 'dev' : 'train', 1 + i]));
    expect(r.done).toBe(r.n);
    expect(r.afterCount).toBe(r.n + 1);
    expect(r.lastRow).toEqual(new Array(r.dim).fill(7));
    const total = r.n + 1 + r.rowsPerBlock;
    expect(r.finalSame).toBe(true);
    expect(r.finalIds).toEqual([
      ...Array.from({ length: r.n }, (_, i) => `${i}:seg-${i}`),
      `${r.n}:new`,
      ...Array.from({ length: r.rowsPerBlock }, (_, i) => `${r.n + 1 + i}:more-${i}`),
    ]);
    // Blocks stay contiguous and within the size limit.
    expectContiguousBlocks(r.blocks, r.rowsPerBlock, total);
  });

  it('appends in uneven batches across chunk boundaries and reads back the same rows and vectors', async () => {
    const r = await page.evaluate(async () => {
      type Api = { openStore: (name: string) => Promise<any>; newId: (p: string) => string; ROWS_PER_BLOCK: number; MERGE_ROWS: number };
      const api = (window as unknown as { storeApi: Api }).storeApi;
      const s = await api.openStore('append-test');
      const dim = 16;
      const id = api.newId('set');
      await s.createSet({ id, name: 'a', manifest: {}, dim, created: new Date().toISOString(), source: 'dataset' });
      const C = api.ROWS_PER_BLOCK;
      const M = api.MERGE_ROWS;
      // Uneven batches around the merge size, many small appends (the embedding job's pattern), one over the block size.
      const batches = [3, M - 1, 1, M + 7, 40, ...new Array(60).fill(5), 0, C + 1, 9];
      const total = batches.reduce((a, b) => a + b, 0) + 2;
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
      // Two appends at once are serialised, not lost.
      const pair = [0, 1].map((k) => s.appendRows(id, [{ id: `r${at + k}`, name: 'x', path: 'x', dialect: 'Jeolla-do', split: 'train', duration: 1 }], all.subarray((at + k) * dim, (at + k + 1) * dim)));
      await Promise.all(pair);
      const back = await s.readSet(id);
      const rows = await s.readRows(id);
      const done = await s.doneIds(id);
      const blocks = (await s.db.getAll('blocks')).map((b: { start: number; count: number }) => [b.start, b.count]);
      await s.deleteSet(id);
      const gone = await s.getSet(id);
      const chunksLeft = await s.db.count('blocks');
      s.close();
      return {
        total, C, M, blocks,
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
    // Contiguous blocks within the size limit; small appends were merged (few small blocks).
    expectContiguousBlocks(r.blocks, r.C, r.total);
    expect(r.blocks.filter(([, count]: number[]) => count < r.M).length).toBeLessThanOrEqual(Math.log2(r.M) + 1);
    expect(r.blocks.length).toBeLessThan(20);
    expect(r.bad).toMatch(/1 rows need 16 values, got 15/);
    expect(r.gone).toBe(true);
    expect(r.chunksLeft).toBe(0);
  });

  it("imports every set of a zip, each from its own folder's files, and keeps nothing of an import that fails part-way", async () => {
    const r = await page.evaluate(async () => {
      type Api = { openStore: (name: string) => Promise<any>; importSetFromZip: (s: unknown, f: File) => Promise<{ name: string; count: number }[]>; encodeEmbeddingSetFiles: (set: unknown) => Record<string, Uint8Array>; createManifest: (m: unknown) => Record<string, unknown>; zipSync: (files: Record<string, Uint8Array>) => Uint8Array; featureConfig: unknown };
      const api = (window as unknown as { storeApi: Api }).storeApi;
      const s = await api.openStore('zip-import-test');
      const labels = ['Gyeongsang-do', 'Jeolla-do', 'Chungcheong-do', 'Jeju-do', 'Gangwon-do', 'Seoul_Gyeonggi-do'];
      const setFiles = (n: number, max: number, seed: number) => {
        const manifest = { ...api.createManifest({ encoder: { id: 'enc', revision: 'main' }, dtype: 'fp32', dim: 4, feature_config: api.featureConfig, max_length_seconds: max, labels }), count: n };
        const rows = Array.from({ length: n }, (_, i) => ({ id: `r${seed}-${i}`, name: `r${i}`, path: `p/${i}.wav`, dialect: labels[i % 6], split: 'train', duration: 1 }));
        return api.encodeEmbeddingSetFiles({ manifest, vectors: Float32Array.from({ length: n * 4 }, (_, i) => seed + i), rows });
      };
      const train = setFiles(5, 20, 1);
      const test = setFiles(3, 1, 2);
      const zipOf = (sets: Record<string, Record<string, Uint8Array>>) =>
        new File([api.zipSync(Object.fromEntries(Object.entries(sets).flatMap(([dir, files]) => Object.entries(files).map(([f, b]) => [`${dir}/${f}`, b])))) as BlobPart], 'embeddings.zip');
      const both = await api.importSetFromZip(s, zipOf({ 'embeddings/train': train, 'embeddings/test': test }));
      // Files of two folders never make one set: test's vectors with train's manifest are refused, not mixed.
      const mixed = await api.importSetFromZip(s, zipOf({ a: { 'manifest.json': train['manifest.json']! }, b: { 'vectors.f32': test['vectors.f32']!, 'index.jsonl': test['index.jsonl']! } })).then(
        () => 'imported',
        (e: Error) => e.message,
      );
      // Storage fails on a big set's first batch, after a small set of the same zip went in: nothing of either stays.
      const big = setFiles(3000, 20, 3);
      const append = s.appendRows.bind(s);
      let calls = 0;
      s.appendRows = (...a: unknown[]) => (++calls === 2 ? Promise.reject(new DOMException('quota exceeded (simulated)', 'QuotaExceededError')) : append(...a));
      const failed = await api.importSetFromZip(s, zipOf({ 'a-small': setFiles(2, 20, 4), big })).then(
        () => 'imported',
        (e: Error) => e.message,
      );
      const left = (await s.listSets()).map((x: { name: string; count: number }) => [x.name, x.count]).sort();
      const flagged = (await s.listSets()).filter((x: { importing?: boolean }) => x.importing).length;
      return { both: both.map((x) => [x.name, x.count]), mixed, failed, left, flagged };
    });
    expect(r.flagged).toBe(0); // finished imports are whole
    expect(r.both).toEqual([['embeddings/test', 3], ['embeddings/train', 5]]);
    expect(r.mixed).toMatch(/^embeddings\.zip\/a: is missing vectors\.f32/);
    expect(r.failed).toMatch(/^big: not imported, quota exceeded \(simulated\)/);
    expect(r.left).toEqual([['embeddings/test', 3], ['embeddings/train', 5]]);
  });

  it('exports a set while an embedding job appends to it: every export has as many vectors as rows, each the vector of its row', async () => {
    const r = await page.evaluate(async () => {
      type Api = { openStore: (name: string) => Promise<any>; newId: (p: string) => string; storedSetAsEmbeddingSet: (s: unknown, id: string) => Promise<{ manifest: { count: number }; rows: { id: string }[]; vectors: Float32Array }> };
      const api = (window as unknown as { storeApi: Api }).storeApi;
      const s = await api.openStore('export-race');
      const id = api.newId('set');
      const dim = 4;
      await s.createSet({ id, name: 'growing', manifest: {}, dim, created: new Date().toISOString(), source: 'dataset' });
      const row = (k: number) => ({ id: `r${k}`, name: `r${k}`, path: `p/${k}`, dialect: 'Jeolla-do', split: 'train', duration: 1 });
      // The job: one row at a time, each row's vector filled with its number.
      let stop = false;
      let appended = 0;
      const job = (async () => {
        while (!stop) {
          await s.appendRows(id, [row(appended)], new Float32Array(dim).fill(appended));
          appended++;
        }
      })();
      const problems: string[] = [];
      let exports = 0;
      while (exports < 40) {
        const set = await api.storedSetAsEmbeddingSet(s, id);
        exports++;
        const n = set.rows.length;
        if (set.vectors.length !== n * dim || set.manifest.count !== n) problems.push(`${n} rows, ${set.vectors.length / dim} vectors, count ${set.manifest.count}`);
        else set.rows.forEach((rw, i) => rw.id !== `r${set.vectors[i * dim]}` && problems.push(`row ${rw.id} has the vector of r${set.vectors[i * dim]}`));
      }
      stop = true;
      await job;
      await s.deleteSet(id);
      s.close();
      return { problems: problems.slice(0, 5), appended };
    });
    expect(r.appended).toBeGreaterThan(40);
    expect(r.problems).toEqual([]);
  });

  it('a set left half-imported by a closed tab is removed when the store opens; one another tab is importing is kept', async () => {
    const r = await page.evaluate(async () => {
      type Api = { openStore: (name: string) => Promise<any>; pruneInterruptedImports: (s: unknown) => Promise<string[]> };
      const api = (window as unknown as { storeApi: Api }).storeApi;
      const s = await api.openStore('prune-test');
      const make = (id: string, importing?: boolean) => s.createSet({ id, name: id, manifest: {}, dim: 2, created: new Date().toISOString(), source: 'import', ...(importing ? { importing } : {}) });
      await make('left-behind', true);
      await make('whole');
      await make('in-progress', true);
      // Another tab importing 'in-progress' holds its lock.
      let release!: () => void;
      const holding = new Promise<void>((r) => navigator.locks.request('saturi-import:in-progress', () => new Promise<void>((done) => (release = () => (done(), r())))));
      await new Promise((r) => setTimeout(r, 50));
      const removed = await api.pruneInterruptedImports(s);
      const left = (await s.listSets()).map((x: { id: string }) => x.id).sort();
      release();
      await holding;
      return { removed, left };
    });
    expect(r.removed).toEqual(['left-behind']);
    expect(r.left).toEqual(['in-progress', 'whole']);
  });

  it('AppendBuffer commits buffered rows by row count and by time, and stores nothing before a commit', async () => {
    const r = await page.evaluate(async () => {
      type Api = { openStore: (name: string) => Promise<any>; newId: (p: string) => string; AppendBuffer: any };
      const api = (window as unknown as { storeApi: Api }).storeApi;
      const s = await api.openStore('append-buffer-test');
      const dim = 8;
      const id = api.newId('set');
      await s.createSet({ id, name: 'b', manifest: {}, dim, created: new Date().toISOString(), source: 'dataset' });
      let clock = 0;
      const buf = new api.AppendBuffer(s, id, dim, { maxRows: 10, maxMs: 1000 }, () => clock);
      const row = (i: number) => ({ id: `r${i}`, name: `r${i}`, path: `p/${i}`, dialect: 'Jeju-do', split: 'train', duration: 1 });
      const vec = (i: number) => Float32Array.from({ length: dim }, (_, k) => i * 100 + k);
      const trace: { added: number; due: boolean; stored: number; committed: number }[] = [];
      let n = 0;
      // Batches of 4 (the job's pattern): due at 12 buffered rows (≥ 10), then by time with 4 rows.
      const step = async (rows: number, advance: number) => {
        for (let k = 0; k < rows; k++, n++) buf.add(row(n), vec(n));
        clock += advance;
        const due = buf.due;
        if (due) await buf.commit();
        trace.push({ added: n, due, stored: (await s.getSet(id)).count, committed: buf.committed });
      };
      await step(4, 100);
      await step(4, 100);
      await step(4, 100); // 12 ≥ 10 rows: commit
      await step(4, 100); // 4 rows, 100 ms since the commit: wait
      await step(0, 1000); // 1100 ms: commit by time
      await step(0, 5000); // nothing buffered: nothing due
      // The caller's array may be reused after add (the buffer copies).
      const reused = new Float32Array(dim);
      for (let k = 0; k < 3; k++, n++) {
        reused.set(vec(n));
        buf.add(row(n), reused);
      }
      const pendingBefore = buf.pending;
      await buf.commit();
      let wrongDim = '';
      try {
        buf.add(row(99), new Float32Array(dim + 1));
      } catch (e) {
        wrongDim = (e as Error).message;
      }
      const back = await s.readSet(id);
      const rows = await s.readRows(id);
      await s.deleteSet(id);
      s.close();
      const want = Array.from({ length: n }, (_, i) => Array.from(vec(i))).flat();
      return { trace, n, pendingBefore, count: back.count, same: Array.from(back.vectors).every((v, i) => v === want[i]), ids: rows.map((x: { id: string }) => x.id), wrongDim };
    });
    expect(r.trace).toEqual([
      { added: 4, due: false, stored: 0, committed: 0 },
      { added: 8, due: false, stored: 0, committed: 0 },
      { added: 12, due: true, stored: 12, committed: 12 },
      { added: 16, due: false, stored: 12, committed: 12 },
      { added: 16, due: true, stored: 16, committed: 16 },
      { added: 16, due: false, stored: 16, committed: 16 },
    ]);
    expect(r.pendingBefore).toBe(3);
    expect(r.count).toBe(19);
    expect(r.same).toBe(true);
    expect(r.ids).toEqual(Array.from({ length: 19 }, (_, i) => `r${i}`));
    expect(r.wrongDim).toMatch(/8 values expected, got 9/);
  });
});
