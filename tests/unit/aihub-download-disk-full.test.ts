// A local write error during `saturi aihub download` (a full disk) ends the download at once with
// a message naming the file and the reason, and keeps what was written: the same command resumes
// once there is space. It used to surface as the pipeline's "Premature close", be retried as a
// network error and, since every retry received bytes, be retried forever.
// The full disk is simulated: writes to download files fail with ENOSPC past a byte budget.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pseudoRandomBytes } from '../helpers/archives.ts';
import { startMockAihub, type MockAihub } from '../helpers/mock-aihub.ts';
import { tempDir } from '../helpers/paths.ts';
import { AihubClient } from '../../src/node/aihub/client.ts';
import { downloadFiles } from '../../src/node/aihub/download.ts';
import { downloadFilekey, LocalWriteError } from '../../src/node/aihub/download-filekey.ts';
import { loadState } from '../../src/node/aihub/state.ts';

/** Bytes that still fit on the simulated disk (writes to `*.saturi-partial` files only). */
const disk = vi.hoisted(() => ({ free: Infinity }));
vi.mock('node:fs/promises', async (importOriginal) =>
  (await import('../helpers/full-disk.ts')).fsWithFullDisk(await importOriginal(), disk, (p) => p.endsWith('.saturi-partial')),
);

const KEY = 'TEST-KEY-disk-full';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const PATH = '013.한국어_방언/원천데이터/[원천]강원도_1.zip';
const DATA = pseudoRandomBytes(3 << 20, 21);

let mock: MockAihub;
let out: string;
let cleanup: () => void;
beforeEach(async () => {
  disk.free = Infinity;
  // One 3 MiB entry (no pieces): the disk fills in the middle of it, while its bytes still arrive
  // (entries are written in 1 MiB batches).
  mock = await startMockAihub({ apiKey: KEY, datasets: [{ key: '118', name: 'x', files: [{ filekey: '1', path: PATH, data: DATA }] }], pieceSize: 4 << 20, chunkSize: 64 * 1024 });
  ({ dir: out, cleanup } = tempDir('saturi-disk-full-'));
});
afterEach(async () => {
  await mock.close();
  cleanup();
});

const client = () => new AihubClient({ baseUrl: mock.url, apiKey: KEY });
const fast = { retryDelayMs: 1, maxRetryDelayMs: 2 };

describe('AIHub download on a full disk', () => {
  it('stops at once naming the file and "disk full"; the partial file and state are kept and a rerun with space resumes', async () => {
    disk.free = 1_500_000;
    const retries: string[] = [];
    // The old code retried forever: stop it after a few retries so the test fails instead of hanging.
    const events = {
      onRetry: (_d: string, _f: string, e: Error) => {
        retries.push(e.message);
        if (retries.length >= 10) throw new Error(`retried ${retries.length} times: ${retries[0]}`);
      },
    };
    const err = await downloadFilekey(client(), { dataset: '118', filekey: '1', outDir: out, ...fast, events }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(retries).toEqual([]);
    expect(mock.downloads()).toHaveLength(1);
    expect((err as Error).message).toContain(join(out, `${PATH}.saturi-partial`));
    expect((err as Error).message).toMatch(/disk full \(ENOSPC\)/);
    expect(err).toBeInstanceOf(LocalWriteError);
    expect((err as LocalWriteError).code).toBe('ENOSPC');

    // What fit on the disk is kept, with the state pointing at it.
    const state = (await loadState(out, '118', '1'))!;
    expect(state.done).toBe(false);
    expect(state.current).toMatchObject({ name: PATH, size: DATA.length });
    expect(statSync(join(out, `${PATH}.saturi-partial`)).size).toBe(1_500_000);

    // Space freed: the same download resumes inside the entry and ends byte-identical.
    disk.free = Infinity;
    const r = await downloadFilekey(client(), { dataset: '118', filekey: '1', outDir: out, ...fast });
    expect(r.status).toBe('downloaded');
    const from = state.current!.dataStart + Math.floor(1_500_000 / 512) * 512;
    expect(mock.downloads()[1].headers['range']).toBe(`bytes=${from}-`);
    expect(sha(readFileSync(join(out, PATH)))).toBe(sha(DATA));
    expect(existsSync(join(out, `${PATH}.saturi-partial`))).toBe(false);
  });

  it('downloadFiles reports the disk-full error for the filekey after one request', async () => {
    disk.free = 0;
    let retried = 0;
    const events = {
      onRetry: () => {
        if (++retried >= 10) throw new Error('retried 10 times');
      },
    };
    const summary = await downloadFiles({ client: client(), jobs: [{ dataset: '118', filekey: '1' }], outDir: out, ...fast, events });
    expect(summary.ok).toBe(false);
    expect(summary.outcomes[0].error).toMatch(/cannot write .*\.saturi-partial: disk full \(ENOSPC\)/);
    expect(mock.downloads()).toHaveLength(1);
  });

  it('starts no further filekey after a full disk: they are reported as not started, and a rerun with space gets them all', async () => {
    await mock.close();
    const files = ['1', '2', '3'].map((filekey, i) => ({ filekey, path: `013.한국어_방언/원천데이터/[원천]강원도_${i + 1}.zip`, data: pseudoRandomBytes(3 << 20, 30 + i) }));
    mock = await startMockAihub({ apiKey: KEY, datasets: [{ key: '118', name: 'x', files }], pieceSize: 4 << 20, chunkSize: 64 * 1024 });
    disk.free = 1_500_000;
    const jobs = files.map((f) => ({ dataset: '118', filekey: f.filekey }));
    const summary = await downloadFiles({ client: client(), jobs, outDir: out, concurrency: 1, ...fast });
    expect(summary.ok).toBe(false);
    expect(summary.outcomes[0].error).toMatch(/disk full \(ENOSPC\)/);
    for (const o of summary.outcomes.slice(1)) expect(o.error).toMatch(/^not started: cannot write .*disk full \(ENOSPC\)/);
    expect(mock.downloads()).toHaveLength(1);

    disk.free = Infinity;
    const again = await downloadFiles({ client: client(), jobs, outDir: out, concurrency: 1, ...fast });
    expect(again.ok).toBe(true);
    for (const f of files) expect(sha(readFileSync(join(out, f.path)))).toBe(sha(f.data));
  });
});
