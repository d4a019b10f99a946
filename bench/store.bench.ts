// Store throughput in headless Chromium: write and read back 10 000 embeddings
// of 1024 floats through the app's IndexedDB store (src/browser/store): in one
// append, in appends of 500 and 32 rows, and as the embedding job writes them
// (batches of JOB_BATCH rows into an AppendBuffer that commits every FLUSH_ROWS
// rows or FLUSH_MS).
import { cpus, loadavg } from 'node:os';
import { launchChromium, startDevServer } from '../tests/helpers/browser.ts';
import { FLUSH_MS, FLUSH_ROWS, JOB_BATCH } from '../src/browser/services/embed-job.ts';

const N = 10_000;
const DIM = 1024;
const TARGET_WRITE = 50; // MB/s
const TARGET_READ = 100; // MB/s

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

const server = await startDevServer();
const browser = await launchChromium();
try {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Chromium ${browser.version()}, load average before: ${load()}`);
  const page = await browser.newPage();
  await page.goto(`${server.url}/tests/browser/pages/app-store.html`);
  await page.waitForFunction(() => (window as unknown as { storeReady?: boolean }).storeReady === true);
  const patterns: { label: string; batch: number; job?: boolean }[] = [
    { label: 'in one call', batch: N },
    { label: 'in batches of 500', batch: 500 },
    { label: 'in batches of 32, a transaction each', batch: 32 },
    { label: `as the embedding job: batches of ${JOB_BATCH} into an AppendBuffer committing every ${FLUSH_ROWS} rows or ${FLUSH_MS} ms`, batch: JOB_BATCH, job: true },
  ];
  for (const { label, batch, job } of patterns) {
    const r = await page.evaluate(
      async ({ n, dim, batch, job, commit }) => {
        type Api = { openStore: (name: string) => Promise<any>; newId: (p: string) => string; AppendBuffer: any };
        const api = (window as unknown as { storeApi: Api }).storeApi;
        const store = await api.openStore(`bench-${batch}`);
        await store.clearAll();
        const setId = api.newId('set');
        await store.createSet({ id: setId, name: 'bench', manifest: {}, dim, created: new Date().toISOString(), source: 'import' });
        const vectors = new Float32Array(n * dim);
        for (let i = 0; i < vectors.length; i++) vectors[i] = Math.sin(i * 0.001);
        const rows = Array.from({ length: n }, (_, i) => ({ id: `seg-${i}`, name: `seg-${i}.wav`, path: `wav/seg-${i}.wav`, dialect: 'Jeju-do', split: 'train', duration: 3.2 }));
        let transactions = 0;
        const t0 = performance.now();
        if (job) {
          // The job's loop: rows arrive a batch at a time (one vector per row), commit when due, commit the rest at the end.
          const buffer = new api.AppendBuffer(store, setId, dim, commit);
          for (let i = 0; i < n; i += batch) {
            for (let j = i; j < Math.min(n, i + batch); j++) buffer.add(rows[j], vectors.subarray(j * dim, (j + 1) * dim));
            if (buffer.due) {
              await buffer.commit();
              transactions++;
            }
          }
          if (buffer.pending) transactions++;
          await buffer.commit();
        } else {
          for (let i = 0; i < n; i += batch) {
            const end = Math.min(n, i + batch);
            await store.appendRows(setId, rows.slice(i, end), vectors.subarray(i * dim, end * dim));
            transactions++;
          }
        }
        const t1 = performance.now();
        const back = await store.readVectors(setId);
        const t2 = performance.now();
        const rowsBack = await store.readRows(setId);
        const t3 = performance.now();
        let same = back.vectors.length === vectors.length && rowsBack.length === n;
        for (let i = 0; same && i < vectors.length; i += 997) same = back.vectors[i] === vectors[i];
        await store.clearAll();
        store.close();
        return { writeMs: t1 - t0, readMs: t2 - t1, rowsMs: t3 - t2, same, transactions };
      },
      { n: N, dim: DIM, batch, job: !!job, commit: { maxRows: FLUSH_ROWS, maxMs: FLUSH_MS } },
    );
    const mb = (N * DIM * 4) / 1e6;
    if (!r.same) throw new Error('vectors read back differ from those written');
    console.log(
      `store: ${N} × ${DIM} float32 (${mb.toFixed(1)} MB) appended ${label} (${r.transactions} transactions): ` +
        `write ${(mb / (r.writeMs / 1000)).toFixed(1)} MB/s (${r.writeMs.toFixed(0)} ms, with ${N} segment rows), ` +
        `read ${(mb / (r.readMs / 1000)).toFixed(1)} MB/s (${r.readMs.toFixed(0)} ms); rows read back in ${r.rowsMs.toFixed(0)} ms; ` +
        `vs targets: write ×${(mb / (r.writeMs / 1000) / TARGET_WRITE).toFixed(2)}, read ×${(mb / (r.readMs / 1000) / TARGET_READ).toFixed(2)}`,
    );
  }
  console.log(`targets: write ≥ ${TARGET_WRITE} MB/s, read ≥ ${TARGET_READ} MB/s (×1.00 = on target); load average after: ${load()}`);
} finally {
  await browser.close();
  await server.close();
}
