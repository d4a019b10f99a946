// Downloads several (dataset, filekey) pairs: one request per filekey, `concurrency` at once
// (the official client fetched all filekeys of a dataset in one request, one after another).
import { mkdir, stat } from 'node:fs/promises';
import { UserError } from '../cli/errors.ts';
import { runPool } from '../unpack/pool.ts';
import { AihubClient } from './client.ts';
import type { DownloadJob } from './config.ts';
import { AihubError } from './errors.ts';
import { backoffDelay, downloadFilekey, isRetryable, LocalWriteError, sleep, type DownloadEvents, type FilekeyResult, type RetryOptions } from './download-filekey.ts';

export interface DownloadOptions extends RetryOptions {
  client: AihubClient;
  jobs: DownloadJob[];
  outDir: string;
  /** Requests at once (default 4). */
  concurrency?: number;
  /** Check the API key first (default true): a wrong key stops before any download starts. */
  checkKey?: boolean;
  events?: DownloadEvents;
}

export interface JobOutcome {
  dataset: string;
  filekey: string;
  result?: FilekeyResult;
  error?: string;
}

export interface DownloadSummary {
  outcomes: JobOutcome[];
  ok: boolean;
}

/**
 * A short request (the key check, a file tree) retried as a download is: a 503 from a proxy or a
 * reset connection at that moment must not end a run of many filekeys before it starts.
 */
async function retried<T>(opts: RetryOptions & { events?: DownloadEvents }, what: string, request: () => Promise<T>): Promise<T> {
  const retries = opts.retries ?? 5;
  for (let failures = 1; ; failures++) {
    try {
      return await request();
    } catch (e) {
      if (!isRetryable(e) || failures > retries) throw e;
      const delay = backoffDelay(opts, failures);
      opts.events?.log?.(`${what}: ${(e as Error).message}; retrying in ${delay} ms`);
      await sleep(delay);
    }
  }
}

export async function downloadFiles(opts: DownloadOptions): Promise<DownloadSummary> {
  if ((await stat(opts.outDir).catch(() => null))?.isDirectory() === false) throw new UserError(`${opts.outDir}: is a file, not a folder to download into`);
  if (opts.checkKey ?? true) await retried(opts, 'the API key check', () => opts.client.validateKey());
  await mkdir(opts.outDir, { recursive: true });
  // A refused key or expired approval is the same answer for every other request, and a full disk
  // would fail every other download alike: stop starting new ones.
  let stop: Error | null = null;
  // A filekey named twice would be two downloads writing one state file and one partial file at once.
  const seen = new Set<string>();
  const jobs = opts.jobs.filter((j) => !seen.has(`${j.dataset}/${j.filekey}`) && !!seen.add(`${j.dataset}/${j.filekey}`));
  const outcomes = await runPool(jobs, opts.concurrency ?? 4, async (job): Promise<JobOutcome> => {
    if (stop) return { ...job, error: `not started: ${stop.message}` };
    try {
      const result = await downloadFilekey(opts.client, { ...job, outDir: opts.outDir, events: opts.events, retries: opts.retries, retryDelayMs: opts.retryDelayMs, maxRetryDelayMs: opts.maxRetryDelayMs });
      return { ...job, result };
    } catch (e) {
      if ((e instanceof AihubError && (e.status === 401 || e.status === 403)) || e instanceof LocalWriteError) stop ??= e;
      return { ...job, error: (e as Error).message };
    }
  });
  return { outcomes, ok: outcomes.every((o) => !o.error) };
}

/** `saturi aihub download --dataset K --filekey a,b`; without filekeys every filekey of the dataset's tree. */
export async function downloadDataset(opts: Omit<DownloadOptions, 'jobs'> & { dataset: string; filekeys?: string[] }): Promise<DownloadSummary> {
  let filekeys = opts.filekeys ?? [];
  if (filekeys.length === 0) {
    filekeys = [...new Set((await retried(opts, `the file tree of dataset ${opts.dataset}`, () => opts.client.fileTree(opts.dataset))).map((r) => r.filekey))];
    if (filekeys.length === 0) throw new AihubError(`dataset ${opts.dataset}: the file tree lists no files`, false);
  }
  return downloadFiles({ ...opts, jobs: filekeys.map((filekey) => ({ dataset: opts.dataset, filekey })) });
}
