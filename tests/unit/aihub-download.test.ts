import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pseudoRandomBytes } from '../helpers/archives.ts';
import { APPROVAL_EXPIRED_MESSAGE, startMockAihub, WRONG_KEY_MESSAGE, type MockAihub, type MockDataset } from '../helpers/mock-aihub.ts';
import { listFiles, tempDir } from '../helpers/paths.ts';
import { AihubClient } from '../../src/node/aihub/client.ts';
import { downloadDataset, downloadFiles } from '../../src/node/aihub/download.ts';
import { downloadFilekey } from '../../src/node/aihub/download-filekey.ts';
import { loadState, type CompletedEntry } from '../../src/node/aihub/state.ts';
import { mergePieces } from '../../src/node/aihub/pieces.ts';

const KEY = 'TEST-KEY-3f9a1c77-e2b4';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const PIECE = 16 * 1024;
const FOLDER = '013.한국어_방언_발화_데이터(강원도)/01.데이터/1.Training';
const AUDIO = pseudoRandomBytes(12 * PIECE + 5000, 11); // 13 pieces: part0 … part12
const LABEL = pseudoRandomBytes(9000, 12);

const dataset: MockDataset = {
  key: '118',
  name: '한국어 방언 발화(강원도)',
  files: [
    { filekey: '37495', path: `${FOLDER}/원천데이터/[원천]강원도_학습데이터_1.zip`, data: AUDIO },
    { filekey: '37496', path: `${FOLDER}/라벨링데이터/[라벨]강원도_학습데이터_1.zip`, data: LABEL },
  ],
};

let mock: MockAihub;
let out: string;
let cleanup: () => void;

beforeEach(async () => {
  mock = await startMockAihub({ apiKey: KEY, datasets: [dataset], pieceSize: PIECE });
  const t = tempDir('saturi-aihub-');
  out = t.dir;
  cleanup = t.cleanup;
});
afterEach(async () => {
  await mock.close();
  cleanup();
});

const client = (key = KEY) => new AihubClient({ baseUrl: mock.url, apiKey: key });
const fast = { retryDelayMs: 2, maxRetryDelayMs: 10 };

function expectIdentical() {
  expect(sha(readFileSync(join(out, dataset.files[0].path)))).toBe(sha(AUDIO));
  expect(sha(readFileSync(join(out, dataset.files[1].path)))).toBe(sha(LABEL));
  // Pieces merged and removed, no partial files, no tar stored.
  const leftovers = listFiles(out).filter((p) => /\.part\d+$|\.saturi-partial$|\.saturi-merge$|\.tar$/.test(p));
  expect(leftovers).toEqual([]);
}

describe('AIHub download (against the mock server)', () => {
  it('the mock lists pieces in text order, so only a numeric merge gives the right bytes', async () => {
    const names = (await mock.entryNamesFor('118', '37495')).filter((n) => /\.part\d+$/.test(n));
    expect(names).toHaveLength(13);
    expect(names.indexOf(`${dataset.files[0].path}.part10`)).toBeLessThan(names.indexOf(`${dataset.files[0].path}.part2`));
  });

  it('downloads two filekeys in parallel, one request each, pieces merged numerically: byte-identical', async () => {
    // A filekey named twice is downloaded once (two downloads would write the same files at once).
    const summary = await downloadDataset({ client: client(), dataset: '118', filekeys: ['37495', '37496', '37495'], outDir: out, concurrency: 3, ...fast });
    expect(summary.ok).toBe(true);
    expect(summary.outcomes.map((o) => o.filekey)).toEqual(['37495', '37496']);
    expectIdentical();
    const downloads = mock.downloads();
    expect(downloads.map((r) => r.query.fileSn).sort()).toEqual(['37495', '37496']);
    for (const r of downloads) {
      expect(r.headers['apikey']).toBe(KEY);
      expect(r.headers['range']).toBeUndefined();
    }
    const audio = summary.outcomes.find((o) => o.filekey === '37495')!.result!;
    expect(audio.merged).toEqual([expect.objectContaining({ name: dataset.files[0].path, pieces: 13, size: AUDIO.length })]);
    expect(audio.files).toEqual([dataset.files[0].path]);
  });

  it('without filekeys downloads every filekey of the dataset tree', async () => {
    const summary = await downloadDataset({ client: client(), dataset: '118', outDir: out, ...fast });
    expect(summary.ok).toBe(true);
    expectIdentical();
  });

  it('resumes with a Range request after a dropped connection and is still byte-identical', async () => {
    mock.failures.push({ kind: 'drop', afterBytes: 100_000, filekey: '37495' });
    const r = await downloadFilekey(client(), { dataset: '118', filekey: '37495', outDir: out, ...fast });
    expect(r.requests).toBe(2);
    const [first, second] = mock.downloads();
    expect(first.headers['range']).toBeUndefined();
    const from = Number(/^bytes=(\d+)-$/.exec(String(second.headers['range']))![1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(100_000);
    expect(from % 512).toBe(0);
    expect(second.status).toBe(206);
    expect(sha(readFileSync(join(out, dataset.files[0].path)))).toBe(sha(AUDIO));
    expect(listFiles(out).filter((p) => /\.part\d+$|\.saturi-partial$/.test(p))).toEqual([]);
  });

  it('a rerun after an interrupted run continues from the saved state (entry boundary or inside the entry)', async () => {
    mock.failures.push({ kind: 'drop', afterBytes: 70_000, filekey: '37495' });
    await expect(downloadFilekey(client(), { dataset: '118', filekey: '37495', outDir: out, retries: 0, ...fast })).rejects.toThrow(/giving up/);
    const state = (await loadState(out, '118', '37495'))!;
    expect(state.done).toBe(false);
    expect(state.completed.filter((e) => e.type === 'file').length).toBeGreaterThan(0);
    let expectedFrom = state.committedOffset;
    if (state.current) {
      const have = statSync(join(out, state.current.name + '.saturi-partial')).size;
      const kept = Math.min(state.current.size, Math.floor(have / 512) * 512);
      if (kept > 0) expectedFrom = state.current.dataStart + kept;
    }
    expect(expectedFrom).toBeGreaterThan(0);

    const r = await downloadFilekey(client(), { dataset: '118', filekey: '37495', outDir: out, ...fast });
    expect(r.status).toBe('downloaded');
    const resumed = mock.downloads()[1];
    expect(resumed.headers['range']).toBe(`bytes=${expectedFrom}-`);
    expect(sha(readFileSync(join(out, dataset.files[0].path)))).toBe(sha(AUDIO));

    // Finished: a third run does nothing.
    const again = await downloadFilekey(client(), { dataset: '118', filekey: '37495', outDir: out, ...fast });
    expect(again.status).toBe('skipped');
    expect(mock.downloads()).toHaveLength(2);
  });

  it('resumes inside a large entry: keeps the received bytes and asks only for the rest', async () => {
    const big = await startMockAihub({ apiKey: KEY, datasets: [dataset], pieceSize: 1 << 20 }); // no pieces: one 200 KB entry
    try {
      big.failures.push({ kind: 'drop', afterBytes: 180_000, filekey: '37495' });
      const c = new AihubClient({ baseUrl: big.url, apiKey: KEY });
      await expect(downloadFilekey(c, { dataset: '118', filekey: '37495', outDir: out, retries: 0, ...fast })).rejects.toThrow(/giving up/);
      const state = (await loadState(out, '118', '37495'))!;
      expect(state.current?.name).toBe(dataset.files[0].path);
      const have = statSync(join(out, dataset.files[0].path + '.saturi-partial')).size;
      expect(have).toBeGreaterThan(512);
      const r = await downloadFilekey(c, { dataset: '118', filekey: '37495', outDir: out, ...fast });
      const from = state.current!.dataStart + Math.floor(have / 512) * 512;
      expect(big.downloads()[1].headers['range']).toBe(`bytes=${from}-`);
      const tar = await big.tarFor('118', '37495');
      expect(r.bytesReceived).toBe(tar.length - from);
      expect(sha(readFileSync(join(out, dataset.files[0].path)))).toBe(sha(AUDIO));
    } finally {
      await big.close();
    }
  });

  it('a run stopped while removing merged pieces finishes on the rerun (the merged file is kept, leftovers removed)', async () => {
    const base = 'data/audio.zip';
    const bytes = pseudoRandomBytes(6 * 1000, 5);
    const completed: CompletedEntry[] = Array.from({ length: 6 }, (_, i) => ({ type: 'file', name: `${base}.part${i}`, size: 1000 }));
    mkdirSync(join(out, 'data'), { recursive: true });
    // Merged (renamed into place), then stopped after removing part0–part2.
    writeFileSync(join(out, base), bytes);
    for (let i = 3; i < 6; i++) writeFileSync(join(out, `${base}.part${i}`), bytes.subarray(i * 1000, (i + 1) * 1000));
    const merged = await mergePieces(out, completed);
    expect(merged).toEqual([{ name: base, path: join(out, base), pieces: 6, size: 6000 }]);
    expect(listFiles(out)).toEqual([join('data', 'audio.zip')]);
    expect(sha(readFileSync(join(out, base)))).toBe(sha(bytes));
    // A piece missing with no merged file is still an error naming it.
    rmSync(join(out, base));
    for (let i = 1; i < 6; i++) writeFileSync(join(out, `${base}.part${i}`), bytes.subarray(i * 1000, (i + 1) * 1000));
    await expect(mergePieces(out, completed)).rejects.toThrow(/audio\.zip: piece data\/audio\.zip\.part0 has no bytes on disk, expected 1000/);
  });

  it('a server that ignores Range restarts the filekey cleanly and the result is still identical', async () => {
    mock.rangeSupport = false;
    mock.failures.push({ kind: 'drop', afterBytes: 120_000, filekey: '37495' });
    const logs: string[] = [];
    const r = await downloadFilekey(client(), { dataset: '118', filekey: '37495', outDir: out, ...fast, events: { log: (m) => logs.push(m) } });
    const [, second] = mock.downloads();
    expect(second.headers['range']).toMatch(/^bytes=\d+-$/);
    expect(second.status).toBe(200);
    expect(logs.join('\n')).toMatch(/ignored the range request/);
    expect(r.merged[0]).toMatchObject({ pieces: 13, size: AUDIO.length });
    expect(sha(readFileSync(join(out, dataset.files[0].path)))).toBe(sha(AUDIO));
    expect(listFiles(out).filter((p) => /\.part\d+$|\.saturi-partial$/.test(p))).toEqual([]);
  });

  it('a 5xx without an AIHub message is retried with backoff', async () => {
    mock.failures.push({ kind: 'status', status: 503, body: '<html><body>Service Temporarily Unavailable</body></html>', filekey: '37496' });
    const retries: string[] = [];
    const r = await downloadFilekey(client(), {
      dataset: '118',
      filekey: '37496',
      outDir: out,
      ...fast,
      events: { onRetry: (_d, _f, e, attempt) => retries.push(`${attempt}: ${e.message}`) },
    });
    expect(r.requests).toBe(2);
    expect(retries).toEqual([expect.stringMatching(/^1: .*503.*Service Temporarily Unavailable/)]);
    expect(sha(readFileSync(join(out, dataset.files[1].path)))).toBe(sha(LABEL));
  });

  it('a chunked tar without end-of-archive blocks is complete when the server has nothing past its last entry', async () => {
    mock.unsizedAnswers = true;
    mock.noEndBlocks = true;
    const logs: string[] = [];
    const r = await downloadFilekey(client(), { dataset: '118', filekey: '37496', outDir: out, retries: 3, ...fast, events: { log: (m) => logs.push(m) } });
    expect(r.status).toBe('downloaded');
    expect(sha(readFileSync(join(out, dataset.files[1].path)))).toBe(sha(LABEL));
    // The body ended with no length to check against: one resume, answered 416, ends it (it used to start again from byte 0, forever).
    expect(mock.downloads()).toHaveLength(2);
    expect(logs.join('\n')).toMatch(/no end-of-archive blocks and the server has nothing past byte \d+: taken as complete/);
    expect(logs.join('\n')).not.toMatch(/starting this filekey again/);
  });

  it('attempts that start the filekey again from byte 0 count as failures, however many bytes they received', async () => {
    mock.rangeSupport = false;
    for (let i = 0; i < 10; i++) mock.failures.push({ kind: 'drop', afterBytes: 40_000, filekey: '37495' });
    await expect(downloadFilekey(client(), { dataset: '118', filekey: '37495', outDir: out, retries: 3, ...fast })).rejects.toThrow(/giving up after 4 failed attempts/);
    expect(mock.downloads()).toHaveLength(4);
  });

  it('attempts that receive bytes but do not move the resume point count as failures (no endless retries)', async () => {
    // Every answer breaks off inside the first tar header: bytes arrive, nothing reaches the disk.
    for (let i = 0; i < 10; i++) mock.failures.push({ kind: 'drop', afterBytes: 300, filekey: '37496' });
    await expect(downloadFilekey(client(), { dataset: '118', filekey: '37496', outDir: out, retries: 3, ...fast })).rejects.toThrow(/giving up after 4 failed attempts/);
    expect(mock.downloads()).toHaveLength(4);
  });

  it('the key check and the file tree are retried like downloads: a 503 at the start does not end the run', async () => {
    const busy = { status: 503, body: '<html>Service Temporarily Unavailable</html>' };
    const logs: string[] = [];
    const events = { log: (m: string) => logs.push(m) };
    // The file tree (asked first when no filekey is given), then the key check.
    mock.infoFailures.push(busy, busy);
    expect((await downloadDataset({ client: client(), dataset: '118', outDir: out, ...fast, events })).ok).toBe(true);
    mock.infoFailures.push(busy);
    expect((await downloadDataset({ client: client(), dataset: '118', filekeys: ['37495'], outDir: out, ...fast, events })).ok).toBe(true);
    expectIdentical();
    expect(logs.filter((l) => /retrying/.test(l)).map((l) => l.replace(/: AIHub answered.*503.*retrying in \d+ ms$/, ''))).toEqual(['the file tree of dataset 118', 'the file tree of dataset 118', 'the API key check']);
    // A refusal is not retried.
    mock.infoFailures.push({ status: 401, body: WRONG_KEY_MESSAGE });
    const before = mock.requests.length;
    await expect(downloadDataset({ client: client(), dataset: '118', outDir: out, ...fast })).rejects.toThrow(WRONG_KEY_MESSAGE);
    expect(mock.requests.length - before).toBe(1);
  });

  it('retries are bounded', async () => {
    for (let i = 0; i < 10; i++) mock.failures.push({ kind: 'status', status: 500, body: 'Internal Server Error' });
    await expect(downloadFilekey(client(), { dataset: '118', filekey: '37496', outDir: out, retries: 3, ...fast })).rejects.toThrow(/giving up after 4 failed attempts.*500/);
    expect(mock.downloads()).toHaveLength(4);
  });

  it('the approval-expired answer (502, Korean text) stops at once with the message; nothing is written as data', async () => {
    mock.approvalExpired = true;
    const summary = await downloadFiles({ client: client(), jobs: [{ dataset: '118', filekey: '37495' }], outDir: out, ...fast });
    expect(summary.ok).toBe(false);
    expect(summary.outcomes[0].error).toContain(APPROVAL_EXPIRED_MESSAGE);
    expect(summary.outcomes[0].error).toContain('502');
    expect(mock.downloads()).toHaveLength(1);
    expect(listFiles(out)).toEqual([]);
  });

  it('a text answer with status 200 is reported, not untarred', async () => {
    mock.failures.push({ kind: 'status', status: 200, body: '다운로드 권한이 없습니다.' });
    await expect(downloadFilekey(client(), { dataset: '118', filekey: '37496', outDir: out, ...fast })).rejects.toThrow(/not a tar.*다운로드 권한이 없습니다/);
    expect(listFiles(out)).toEqual([]);
  });

  it('a wrong key stops with the 401 message, at the key check and at the download itself', async () => {
    await expect(downloadFiles({ client: client('WRONG'), jobs: [{ dataset: '118', filekey: '37495' }], outDir: out })).rejects.toThrow(
      new RegExp(`401.*${WRONG_KEY_MESSAGE}`),
    );
    expect(mock.downloads()).toHaveLength(0);
    const summary = await downloadFiles({
      client: client('WRONG'),
      jobs: [
        { dataset: '118', filekey: '37495' },
        { dataset: '118', filekey: '37496' },
      ],
      outDir: out,
      checkKey: false,
      concurrency: 1,
      ...fast,
    });
    expect(summary.outcomes[0].error).toMatch(new RegExp(`401.*${WRONG_KEY_MESSAGE}`));
    expect(summary.outcomes[1].error).toMatch(/not started/);
    expect(mock.downloads()).toHaveLength(1);
    expect(existsSync(join(out, dataset.files[0].path))).toBe(false);
  });
});
