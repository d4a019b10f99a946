// Runs an embedding job: items of a dataset folder → 16 kHz audio (audio worker)
// → encoder worker → rows and vectors appended to the store batch by batch.
// Done ids live in the store, so a reload resumes where it stopped; pausing
// stops between batches; the storage quota is checked before every batch.
import { MIN_SAMPLES } from '../../core/features/seamless-feature-extractor.ts';
import { transfer } from 'comlink';
import preprocessorConfig from '../../../configs/preprocessor_config.json' with { type: 'json' };
import { LABEL_NAMES } from '../../core/config/labels.ts';
import { createManifest, type EmbeddingManifest } from '../../core/encoder/embedding-set.ts';
import type { EmbedFailure, EmbedMode, EmbedResult, EmbedSegment, ExpectedEncoder, LoadResult } from '../../core/encoder/worker-api.ts';
import { sessionFailure } from '../../core/encoder/pipeline.ts';
import { newId, type JobItem, type SaturiStore, type StoredJob, type StoredSetRecord } from '../store/store.ts';
import { AppendBuffer } from '../store/append-buffer.ts';
import { decodeManyTo16k } from './audio.ts';
import { notifyChanged, requestPersistence, storageInfo } from './app-state.ts';
import { lockManager } from './web-locks.ts';
import type { FolderSource } from './folder.ts';
import { encoderWorker } from './workers.ts';
import { t } from '../i18n/i18n.ts';

export const MAX_LENGTH_SECONDS = 20;
export const JOB_BATCH = 4;
export const TRAIN_CROP_SEED = 42;
/**
 * Rows are committed in groups (AppendBuffer): at FLUSH_ROWS rows or FLUSH_MS after
 * the last commit, whichever comes first. A transaction per 4-row batch wrote
 * ~12 MB/s, one per 512 rows writes at the bench:store target (≥ 50 MB/s); a reload
 * loses at most the uncommitted rows (≤ FLUSH_ROWS or FLUSH_MS worth), which the
 * resumed job embeds again.
 */
export const FLUSH_ROWS = 2048;
export const FLUSH_MS = 1500;

export interface JobProgress {
  done: number;
  /** Rows already written to the store (done counts rows still being buffered too). */
  stored: number;
  total: number;
  rejected: number;
  secondsDone: number;
  /** Seconds still to go at the current pace, NaN before the first batch. */
  eta: number;
  status: StoredJob['status'];
  message?: string;
}

export class QuotaError extends Error {}

/** A job as stored, with the recording that alone failed at the encoder when the job last stopped (see runJob). */
type JobState = StoredJob & { loneFailure?: string };

/** The id of the one recording that failed at the encoder when that is what made a call's session failure, else undefined. */
function loneEncoderFailure(results: readonly (EmbedResult | EmbedFailure)[]): string | undefined {
  const ids = new Set(results.flatMap((r) => ('stage' in r && r.stage === 'encoder' ? [r.id] : [])));
  return ids.size === 1 ? [...ids][0] : undefined;
}

/** Creates the set and its job for the items of a scanned folder. */
export async function createDatasetJob(
  store: SaturiStore,
  name: string,
  folder: FolderSource,
  items: JobItem[],
  encoder: LoadResult,
): Promise<StoredSetRecord> {
  const hasTrain = items.some((i) => i.split === 'train');
  const manifest = createManifest({
    encoder: { id: encoder.modelId, revision: encoder.revision },
    dtype: encoder.dtype,
    dim: encoder.dim,
    // The model's own preprocessor_config.json when the worker reports it (LoadResult.featureConfig).
    feature_config: { ...preprocessorConfig, ...(encoder.featureConfig ?? {}) },
    max_length_seconds: MAX_LENGTH_SECONDS,
    labels: [...LABEL_NAMES],
    ...(hasTrain ? { crop: { mode: 'random' as const, seed: TRAIN_CROP_SEED } } : { crop: { mode: 'first' as const } }),
  });
  const set = await store.createSet({
    id: newId('set'),
    name,
    manifest: manifest as unknown as Record<string, unknown>,
    dim: encoder.dim,
    created: new Date().toISOString(),
    source: 'dataset',
  });
  await store.putJob({ setId: set.id, folderName: folder.name, items, rejects: [], status: 'paused', updated: '', ...(folder.handle ? { handle: folder.handle } : {}) });
  notifyChanged('sets');
  return set;
}

/** The Web Lock a set's embedding job holds while it runs, in whatever tab runs it. */
const JOB_LOCK_PREFIX = 'saturi-embed-';
export const jobLockName = (setId: string): string => `${JOB_LOCK_PREFIX}${setId}`;

/** Another runner (another tab, or a second start in this one) holds the set's job. */
export class JobBusyError extends Error {
  constructor(setId: string) {
    super(`the embedding job of set ${setId} is running elsewhere (another tab or window)`);
    this.name = 'JobBusyError';
  }
}


/** The sets whose jobs run now, in any tab of this origin (Web Locks; empty where they are missing). */
export async function jobsRunningAnywhere(): Promise<Set<string>> {
  const locks = lockManager();
  if (!locks) return new Set();
  const { held = [] } = await locks.query();
  // Exclusive only: a tab waiting for a job to end (whenJobReleased) holds it shared for a moment.
  return new Set(held.filter((l) => l.mode === 'exclusive').map((l) => l.name ?? '').filter((n) => n.startsWith(JOB_LOCK_PREFIX)).map((n) => n.slice(JOB_LOCK_PREFIX.length)));
}

/**
 * Resolves once nobody holds the set's job lock: the job running in another tab ended, or the
 * page that ran it before a reload is gone (its lock outlives it for a moment). Held for no time.
 */
export async function whenJobReleased(setId: string): Promise<void> {
  await lockManager()?.request(jobLockName(setId), { mode: 'shared' }, () => undefined);
}

/**
 * Runs `fn` holding the set's job lock, or rejects with JobBusyError at once when someone holds
 * it: two runners appending to one set would store every item twice.
 */
function withJobLock<T>(setId: string, fn: () => Promise<T>): Promise<T> {
  const locks = lockManager();
  if (!locks) return fn();
  return locks.request(jobLockName(setId), { ifAvailable: true }, (lock) => (lock ? fn() : Promise.reject(new JobBusyError(setId)))) as Promise<T>;
}

export class EmbeddingJobRunner {
  private pauseRequested = false;
  private running = false;
  /** Settles when the run in progress has stopped (paused, finished or failed). */
  private stoppedPromise: Promise<unknown> = Promise.resolve();
  constructor(
    private readonly store: SaturiStore,
    readonly setId: string,
    private readonly folder: FolderSource,
    private readonly onProgress: (p: JobProgress) => void,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  pause(): void {
    this.pauseRequested = true;
  }

  /** Asks the run to stop after the batch in progress and waits until it has (before deleting its set). */
  async stop(): Promise<void> {
    this.pauseRequested = true;
    await this.stoppedPromise.catch(() => undefined);
  }

  run(): Promise<JobProgress> {
    if (this.running) return Promise.reject(new Error('this job is already running'));
    this.running = true;
    this.pauseRequested = false;
    const run = withJobLock(this.setId, () => this.runJob()).finally(() => (this.running = false));
    // Told once the lock is released, so other tabs stop showing it as running there.
    void run.then(
      () => notifyChanged('jobs'),
      () => notifyChanged('jobs'),
    );
    this.stoppedPromise = run;
    return run;
  }

  private async runJob(): Promise<JobProgress> {
    const job: JobState | undefined = await this.store.getJob(this.setId);
    const set = await this.store.getSet(this.setId);
    if (!job || !set) throw new Error(`no embedding job for set ${this.setId}`);
    await requestPersistence();
    // One read of the stored rows gives the done ids and the audio time done.
    const storedRows = await this.store.readRows(this.setId);
    const done = new Set(storedRows.map((r) => r.id));
    let secondsDone = storedRows.reduce((a, r) => a + r.duration, 0);
    const rejected = new Set(job.rejects.map((r) => r.id));
    const todo = job.items.filter((i) => !done.has(i.id) && !rejected.has(i.id));
    const t0 = performance.now();
    let processedHere = 0;
    const storedBefore = done.size;
    const buffer = new AppendBuffer(this.store, this.setId, set.dim, { maxRows: FLUSH_ROWS, maxMs: FLUSH_MS });
    const flush = async () => {
      await buffer.commit();
      if (await this.store.getSet(this.setId)) await this.store.putJob(job);
    };
    const progress = (status: StoredJob['status'], message?: string): JobProgress => {
      const elapsed = (performance.now() - t0) / 1000;
      const left = job.items.length - done.size - rejected.size;
      return { done: done.size, stored: storedBefore + buffer.committed, total: job.items.length, rejected: rejected.size, secondsDone, eta: processedHere ? (elapsed / processedHere) * left : NaN, status, ...(message ? { message } : {}) };
    };
    const save = async (status: StoredJob['status'], message?: string) => {
      // A set deleted while its job ran takes its job with it: writing the job back would leave a ghost.
      if (!(await this.store.getSet(this.setId))) return;
      job.status = status;
      if (message) job.message = message;
      else delete job.message;
      await this.store.putJob(job);
    };
    await save('running');
    notifyChanged('jobs'); // other tabs show it running there
    this.onProgress(progress('running'));
    // Every batch must run on the set's own encoder: another page may load another one meanwhile.
    const m = set.manifest as unknown as EmbeddingManifest;
    const expected: ExpectedEncoder = { modelId: m.encoder.id, revision: m.encoder.revision, dtype: m.dtype, dim: set.dim };
    try {
      // Train rows get the seeded random crop, the others the first 20 s: one mode per batch.
      const byMode = new Map<EmbedMode, JobItem[]>();
      for (const it of todo) {
        const mode: EmbedMode = it.split === 'train' ? 'train' : 'eval';
        if (!byMode.has(mode)) byMode.set(mode, []);
        byMode.get(mode)!.push(it);
      }
      for (const [mode, items] of byMode) {
        for (let b = 0; b < items.length; b += JOB_BATCH) {
          if (this.pauseRequested) {
            await flush();
            await save('paused');
            const p = progress('paused');
            this.onProgress(p);
            return p;
          }
          const batch = items.slice(b, b + JOB_BATCH);
          await this.checkQuota(batch.length * (set.dim * 4 + 512));
          const segments: EmbedSegment[] = [];
          const durations = new Map<string, number>();
          const reject = (it: JobItem, reason: string) => {
            job.rejects.push({ id: it.id, reason });
            rejected.add(it.id);
          };
          // The batch is decoded in the audio worker in one round trip.
          const found: { it: JobItem; blob: Blob; name: string }[] = [];
          for (const it of batch) {
            const file = await this.folder.file(it.path);
            if (file) found.push({ it, blob: file, name: it.path });
            else reject(it, `${it.path}: not found in the folder`);
          }
          const decoded = found.length ? await decodeManyTo16k(found) : [];
          decoded.forEach((samples, i) => {
            const { it } = found[i];
            if (samples instanceof Error) return reject(it, samples.message);
            // The recipe's own minimum, as saturi embed applies it: the same clip is kept or rejected by both.
            if (samples.length < MIN_SAMPLES) return reject(it, `${it.path}: too short: ${((samples.length / 16000) * 1000).toFixed(1)} ms at 16 kHz (the feature recipe needs at least ${MIN_SAMPLES} samples)`);
            durations.set(it.id, samples.length / 16000);
            segments.push({ id: it.id, name: it.path, samples });
          });
          if (segments.length) {
            const embed = (segs: EmbedSegment[]) =>
              encoderWorker().embedEach(
                transfer(segs, segs.map((s) => s.samples.buffer)),
                { mode, seed: TRAIN_CROP_SEED, maxLengthSeconds: MAX_LENGTH_SECONDS, batchSize: JOB_BATCH },
                undefined,
                expected,
              );
            const results = await embed(segments);
            // The session failed on every clip of the call (a lost WebGPU device, no memory): the
            // job stops, resumable, instead of rejecting every recording from here on for good.
            const failed = sessionFailure(results);
            const lone = failed && loneEncoderFailure(results);
            if (failed && !lone) throw new Error(failed.error);
            if (lone) {
              // One recording alone failed at the encoder (a mode's last batch of one, the others of
              // its batch rejected): the session and that clip cannot be told apart. The rule: it is
              // tried once more at once in a fresh call; failing again, the job stops (resumable) and
              // remembers it; failing alone again after the Resume, it is the clip: rejected with its
              // reason, and the job goes on (it stopped on that clip at every Resume, never done).
              const k = results.findIndex((r) => r.id === lone);
              const again = await this.embedAlone(found.find((f) => f.it.id === lone)!, embed);
              if ('embedding' in again || again.stage !== 'encoder' || job.loneFailure === lone) results[k] = again;
              else {
                // The others of the call failed at their features (a verdict on them): rejected now.
                for (const r of results) if (r.id !== lone && !('embedding' in r)) reject(batch.find((x) => x.id === r.id)!, r.error);
                job.loneFailure = lone;
                throw new Error(again.error);
              }
            }
            for (const r of results) {
              const it = batch.find((x) => x.id === r.id)!;
              if (r.id === job.loneFailure) delete job.loneFailure;
              // A recording whose features failed, or the one clip the encoder refused alone twice running, is skipped and reported.
              if (!('embedding' in r)) {
                reject(it, r.error);
                continue;
              }
              // An fp16 overflow: stored, it would train an all-NaN head later.
              if (!r.embedding.every(Number.isFinite)) {
                reject(it, `${it.path}: encoder output is not finite (NaN or ±Inf in its embedding)`);
                continue;
              }
              const row = { id: it.id, name: it.name, path: it.path, dialect: it.dialect, split: it.split, duration: durations.get(it.id) ?? 0 };
              buffer.add(it.speaker ? { ...row, speaker: it.speaker } : row, r.embedding);
              done.add(it.id);
              secondsDone += row.duration;
            }
          }
          processedHere += batch.length;
          if (buffer.due) await flush();
          this.onProgress(progress('running'));
        }
      }
      await flush();
      await save('done');
      const s = await this.store.getSet(this.setId);
      if (s) await this.store.db.put('sets', { ...s, manifest: { ...s.manifest, count: s.count } });
      notifyChanged('sets');
      const p = progress('done');
      this.onProgress(p);
      return p;
    } catch (e) {
      const msg = (e as Error).message;
      // The set was deleted under the job (its batch could not be stored): nothing to keep or report.
      if (!(await this.store.getSet(this.setId))) return progress('stopped');
      // Another encoder was loaded (settings changed, another page used it): pause, keep what is done.
      if ((e as Error).name === 'EncoderChangedError') {
        await flush().catch(() => undefined);
        const why = t('dataset.encoderSwitched', { why: msg });
        await save('paused', why);
        const p = progress('paused', why);
        this.onProgress(p);
        return p;
      }
      // Keep what was computed before the failure.
      await flush().catch(() => undefined);
      await save('stopped', msg);
      const p = progress('stopped', msg);
      this.onProgress(p);
      if (!(e instanceof QuotaError)) throw e;
      return p;
    }
  }

  /** A fresh encoder call for one recording of the batch, read again (its samples went to the first call). */
  private async embedAlone(
    entry: { it: JobItem; blob: Blob; name: string },
    embed: (segs: EmbedSegment[]) => Promise<(EmbedResult | EmbedFailure)[]>,
  ): Promise<EmbedResult | EmbedFailure> {
    const [samples] = await decodeManyTo16k([entry]);
    if (samples instanceof Error) return { id: entry.it.id, window: 0, start: 0, end: 0, stage: 'features', error: samples.message };
    const [r] = await embed([{ id: entry.it.id, name: entry.it.path, samples: samples! }]);
    return r!;
  }

  /** Stops before a write that would run past the storage quota (keeps 5 % spare). */
  private async checkQuota(bytes: number): Promise<void> {
    const { usage, quota } = await storageInfo();
    if (quota > 0 && usage + bytes * 1.5 + 4e6 > quota * 0.95) {
      throw new QuotaError(
        `Storage is almost full (${(usage / 1e6).toFixed(1)} MB of ${(quota / 1e6).toFixed(1)} MB used): the job stopped before running out. ` +
          `Free space (delete sets or heads) or allow persistent storage, then resume. / 저장 공간이 거의 찼습니다. 공간을 확보한 뒤 이어서 하세요.`,
      );
    }
  }
}
