// The app's dataset embedding job (EmbeddingJobRunner) with the audio and encoder workers, the
// store and the Web Locks faked. A call whose every clip fails, one at the encoder, stops the job
// (resumable: a lost WebGPU device, no memory). A call of one clip looked the same when only that
// clip was bad: every Resume rebuilt the same one-item batch and stopped again, never done. Now a
// clip failing alone is tried again at once; failing again, the job stops and remembers it;
// failing alone again after the Resume, it is rejected with its reason and the job finishes.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EmbedFailure, EmbedResult, EmbedSegment } from '../../src/core/encoder/worker-api.ts';
import type { JobItem, SaturiStore, StoredJob, StoredSetRecord } from '../../src/browser/store/store.ts';
import type { FolderSource } from '../../src/browser/services/folder.ts';

const DIM = 3;
/** What the fake encoder does: the ids that fail at the encoder (a count: fails that many calls, then works). */
const enc = vi.hoisted(() => ({ failing: new Map<string, number>(), features: new Set<string>(), calls: [] as string[][], samples: new Map<string, number>() }));

vi.mock('../../src/browser/services/audio.ts', () => ({
  decodeManyTo16k: async (files: { name: string }[]) => files.map((f) => new Float32Array(enc.samples.get(f.name) ?? 16000).fill(0.1)),
}));
vi.mock('../../src/browser/services/workers.ts', () => ({
  encoderWorker: () => ({
    embedEach: async (segments: EmbedSegment[]): Promise<(EmbedResult | EmbedFailure)[]> => {
      enc.calls.push(segments.map((s) => s.id));
      return segments.map((s) => {
        if (enc.features.has(s.id)) return { id: s.id, window: 0, start: 0, end: 1, stage: 'features', error: `${s.name}: no features` };
        const left = enc.failing.get(s.id) ?? 0;
        if (left > 0) {
          enc.failing.set(s.id, left - 1);
          return { id: s.id, window: 0, start: 0, end: 1, stage: 'encoder', error: `${s.name}: the encoder failed on it` };
        }
        return { id: s.id, window: 0, start: 0, end: 1, frames: 50, embedding: new Float32Array(DIM).fill(1) };
      });
    },
  }),
}));
vi.mock('../../src/browser/services/app-state.ts', () => ({
  notifyChanged: () => undefined,
  requestPersistence: async () => undefined,
  storageInfo: async () => ({ usage: 0, quota: 0, persisted: true }),
}));
vi.mock('../../src/browser/services/web-locks.ts', () => ({ lockManager: () => undefined }));

const { EmbeddingJobRunner } = await import('../../src/browser/services/embed-job.ts');
const { MIN_SAMPLES } = await import('../../src/core/features/seamless-feature-extractor.ts');
const { folderFromHandle } = await import('../../src/browser/services/folder.ts');

/** An in-memory store holding one set and its job. */
function fakeStore(items: JobItem[]) {
  const set = { id: 'set-1', name: 'tones', dim: DIM, count: 0, manifest: { encoder: { id: 'tiny', revision: 'main' }, dtype: 'fp32', dim: DIM } } as unknown as StoredSetRecord;
  const rows: { id: string; duration: number }[] = [];
  let job: StoredJob = { setId: 'set-1', folderName: 'tones', items, rejects: [], status: 'paused', updated: '' };
  const store = {
    getSet: async () => set,
    getJob: async () => structuredClone(job),
    putJob: async (j: StoredJob) => void (job = structuredClone(j)),
    readRows: async () => rows.slice(),
    appendRows: async (_: string, more: { id: string; duration: number }[]) => {
      rows.push(...more);
      set.count = rows.length;
      return rows.length;
    },
    db: { put: async () => undefined },
  } as unknown as SaturiStore;
  return { store, rows, job: () => job };
}

const folder = { name: 'tones', paths: [], file: async (p: string) => new File([p], p) };
const items = (ids: string[]): JobItem[] => ids.map((id) => ({ id, name: id, path: `wav/${id}.wav`, dialect: 'Jeju-do', split: 'train' }));
const runJob = (store: SaturiStore, from: FolderSource = folder) => new EmbeddingJobRunner(store, 'set-1', from, () => undefined).run();

/** A flat fake directory handle (File System Access) holding wav/<id>.wav; `gone` files fail as Chromium fails a deleted one. */
function fakeHandle(ids: string[], gone: Set<string>, locked: Set<string>): FileSystemDirectoryHandle {
  const fail = (name: string, message: string) => Object.assign(new Error(message), { name });
  const file = (id: string) => ({
    kind: 'file',
    name: `${id}.wav`,
    getFile: async () => {
      if (gone.has(id)) throw fail('NotFoundError', 'A requested file or directory could not be found at the time an operation was processed.');
      if (locked.has(id)) throw fail('NotReadableError', 'The requested file could not be read.');
      return new File([id], `${id}.wav`);
    },
  });
  const wav = { kind: 'directory', name: 'wav', entries: async function* () { for (const id of ids) yield [`${id}.wav`, file(id)]; }, keys: async function* () { yield* ids.map((id) => `${id}.wav`); } };
  return { kind: 'directory', name: 'tones', entries: async function* () { yield ['wav', wav]; }, keys: async function* () { yield 'wav'; } } as unknown as FileSystemDirectoryHandle;
}

beforeEach(() => {
  enc.samples.clear();
  enc.failing.clear();
  enc.features.clear();
  enc.calls = [];
});

describe('EmbeddingJobRunner: a clip the encoder fails on alone', () => {
  it('stops the job once, then rejects that clip on the Resume and finishes', async () => {
    // Batches of 4: the fifth clip is a batch of one.
    const s = fakeStore(items(['a', 'b', 'c', 'd', 'bad']));
    enc.failing.set('bad', Infinity);
    await expect(runJob(s.store)).rejects.toThrow(/wav\/bad\.wav: the encoder failed on it/);
    expect(s.job().status).toBe('stopped');
    expect(s.rows.map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(enc.calls.filter((c) => c.includes('bad'))).toEqual([['bad'], ['bad']]); // tried again at once
    // Resume: the same clip fails alone again: it is the clip, not the session.
    const p = await runJob(s.store);
    expect(p.status).toBe('done');
    expect(p.rejected).toBe(1);
    expect(s.job().status).toBe('done');
    expect(s.job().rejects).toEqual([{ id: 'bad', reason: 'wav/bad.wav: the encoder failed on it' }]);
    expect(s.rows.map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('the same when the other clips of its call failed at the features (they are rejected at once)', async () => {
    const s = fakeStore(items(['f1', 'f2', 'bad', 'f3']));
    for (const id of ['f1', 'f2', 'f3']) enc.features.add(id);
    enc.failing.set('bad', Infinity);
    await expect(runJob(s.store)).rejects.toThrow(/wav\/bad\.wav/);
    expect(s.job().rejects.map((r) => r.id)).toEqual(['f1', 'f2', 'f3']);
    const p = await runJob(s.store);
    expect(p.status).toBe('done');
    expect(s.job().rejects.map((r) => r.id)).toEqual(['f1', 'f2', 'f3', 'bad']);
  });

  it('a clip that fails alone once is tried again at once and kept; one that works after the Resume is kept', async () => {
    const s = fakeStore(items(['a', 'b', 'c', 'd', 'e']));
    enc.failing.set('e', 1);
    expect((await runJob(s.store)).status).toBe('done');
    expect(s.rows.map((r) => r.id)).toEqual(['a', 'b', 'c', 'd', 'e']);

    const t = fakeStore(items(['x']));
    enc.failing.set('x', 2);
    await expect(runJob(t.store)).rejects.toThrow(/wav\/x\.wav/);
    expect((await runJob(t.store)).status).toBe('done');
    expect(t.rows.map((r) => r.id)).toEqual(['x']);
    expect(t.job().rejects).toEqual([]);
  });

  it('a call whose clips all fail at the encoder still stops the job (the session), rejecting none', async () => {
    const s = fakeStore(items(['a', 'b', 'c', 'd']));
    for (const id of ['a', 'b', 'c', 'd']) enc.failing.set(id, Infinity);
    await expect(runJob(s.store)).rejects.toThrow(/the encoder failed/);
    await expect(runJob(s.store)).rejects.toThrow(/the encoder failed/);
    expect(s.job().rejects).toEqual([]);
    expect(s.job().status).toBe('stopped');
  });
});

describe('EmbeddingJobRunner: short clips', () => {
  it("keeps a clip as short as the feature recipe allows (saturi embed's limit) and rejects a shorter one with its length", async () => {
    enc.samples.set('wav/ok.wav', MIN_SAMPLES);
    enc.samples.set('wav/short.wav', MIN_SAMPLES - 1);
    const s = fakeStore(items(['ok', 'short']));
    expect((await runJob(s.store)).status).toBe('done');
    expect(s.rows.map((r) => r.id)).toEqual(['ok']);
    expect(s.job().rejects).toEqual([{ id: 'short', reason: `wav/short.wav: too short: 34.9 ms at 16 kHz (the feature recipe needs at least ${MIN_SAMPLES} samples)` }]);
  });
});

describe('EmbeddingJobRunner: a file of an opened folder', () => {
  it('gone since the folder was opened is rejected naming its path and the job goes on; one that cannot be read stops it naming its path', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const gone = new Set<string>();
    const locked = new Set<string>();
    const opened = await folderFromHandle(fakeHandle(ids, gone, locked));
    gone.add('b'); // deleted after the folder was opened
    const s = fakeStore(items(ids));
    const p = await runJob(s.store, opened);
    expect(p.status).toBe('done');
    expect(s.job().rejects).toEqual([{ id: 'b', reason: 'wav/b.wav: not found in the folder' }]);
    expect(s.rows.map((r) => r.id)).toEqual(['a', 'c', 'd', 'e']);

    locked.add('c');
    const t = fakeStore(items(ids));
    await expect(runJob(t.store, opened)).rejects.toThrow(/wav\/c\.wav: cannot be read from the folder "tones" \(NotReadableError/);
    expect(t.job().status).toBe('stopped');
    expect(t.job().message).toMatch(/wav\/c\.wav/);
  });
});
