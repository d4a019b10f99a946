// Downloads one filekey: `GET /down/0.6/<dataset>.do?fileSn=<filekey>` answers a tar, which is
// extracted while it arrives (nothing of the tar itself is stored), then `*.partN` pieces are
// merged.
//
// Resume design. The state file records the tar offset after the last completed entry and the
// entry being written (its data offset and size); that entry's bytes go to `<path>.saturi-partial`.
// After an interruption the download continues INSIDE the interrupted entry: the partial file is
// cut back to a multiple of 512 bytes (W), the request asks for `Range: bytes=<dataStart+W>-`, and
// a synthetic ustar header of size `size-W` is put in front of the body. Because W is a multiple
// of 512 the tar padding after the entry is unchanged, so tar-stream parses the rest of the stream
// exactly as if it had read it from the start. This matters because AIHub pieces are gigabytes:
// restarting the current entry would redo up to a whole piece after each dropped connection.
// A server that ignores Range (answers 200) gets a clean restart of the whole filekey.
import { mkdir, rename, rm, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
import { isRootEntry, resolveEntryPath, unsafeReason } from '../unpack/safe-path.ts';
import { syntheticFileHeader, TarBlockTracker, TarFormatError, type TarBlockRecord } from '../unpack/tar-blocks.ts';
import { writeEntryTo } from '../unpack/write-entry.ts';
import { localWriteCode, localWriteMessage } from '../io/local-write-error.ts';
import type { AihubClient } from './client.ts';
import { AihubError } from './errors.ts';
import { mergePieces, PieceError, type MergedFile } from './pieces.ts';
import { freshState, loadState, saveState, statePath, type DownloadState } from './state.ts';

export const PARTIAL_SUFFIX = '.saturi-partial';

export interface DownloadEvents {
  /** A request started; `total` is the tar length when known, `from` the byte it resumes at. */
  onStart?(dataset: string, filekey: string, total: number | null, from: number): void;
  onBytes?(dataset: string, filekey: string, bytes: number): void;
  onRetry?(dataset: string, filekey: string, error: Error, attempt: number, delayMs: number): void;
  /** Informational lines (clean restart, merge); never contain the API key. */
  log?(message: string): void;
}

export interface RetryOptions {
  /** Retries after failures that made no progress (default 5). */
  retries?: number;
  /** First backoff delay in ms, doubled per failure (default 1000). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

export interface FilekeyResult {
  dataset: string;
  filekey: string;
  status: 'downloaded' | 'skipped';
  /** Files written (merged files instead of their pieces), as entry names relative to the output folder. */
  files: string[];
  merged: MergedFile[];
  refused: { name: string; reason: string }[];
  /** Tar bytes received in this run. */
  bytesReceived: number;
  requests: number;
}

class IncompleteTarError extends Error {
  override name = 'IncompleteTarError';
}

/**
 * Writing a downloaded file (or the download state) failed on the local disk. Not retried: the
 * partial file and the state are kept, so the same command resumes once the cause is fixed.
 */
export class LocalWriteError extends Error {
  override name = 'LocalWriteError';
  readonly code: string;
  constructor(
    readonly path: string,
    cause: NodeJS.ErrnoException,
  ) {
    super(`${localWriteMessage(path, cause)}. What was received is kept: run the same command again once this is fixed and the download resumes`, { cause });
    this.code = cause.code ?? 'EIO';
  }
}

/** `e` as a LocalWriteError naming `path` (the file being written) when it is a local file system error. */
function asLocalError(e: unknown, path: string): unknown {
  if (e instanceof LocalWriteError || !localWriteCode(e)) return e;
  return new LocalWriteError((e as NodeJS.ErrnoException).path ?? path, e as NodeJS.ErrnoException);
}

export function isRetryable(e: unknown): boolean {
  if (e instanceof AihubError) return e.retryable;
  if (e instanceof PieceError || e instanceof LocalWriteError) return false;
  return !localWriteCode(e);
}

function isPrematureClose(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The wait before attempt `failures` + 1: doubling from retryDelayMs (1 s), at most maxRetryDelayMs (60 s). */
export function backoffDelay(opts: RetryOptions, failures: number): number {
  return Math.min(opts.maxRetryDelayMs ?? 60_000, (opts.retryDelayMs ?? 1000) * 2 ** (failures - 1));
}

async function fileSize(path: string): Promise<number | null> {
  return stat(path).then(
    (s) => s.size,
    () => null,
  );
}

/** Bytes of the current entry a resume keeps: the whole 512-byte blocks its partial file holds. */
async function keptOfCurrent(outDir: string, current: NonNullable<DownloadState['current']>): Promise<number> {
  const have = (await fileSize(entryTarget(outDir, current.name) + PARTIAL_SUFFIX)) ?? 0;
  return Math.min(current.size, Math.floor(have / 512) * 512);
}

/** Where the next request would start: inside the current entry when its partial file holds whole blocks. */
async function resumeOffset(outDir: string, state: DownloadState): Promise<number> {
  const kept = state.current ? await keptOfCurrent(outDir, state.current) : 0;
  return kept > 0 ? state.current!.dataStart + kept : state.committedOffset;
}

/** saveState, a disk error naming the state file. */
async function save(outDir: string, state: DownloadState): Promise<void> {
  try {
    await saveState(outDir, state);
  } catch (e) {
    throw asLocalError(e, statePath(outDir, state.dataset, state.filekey));
  }
}

interface Ctx {
  client: AihubClient;
  outDir: string;
  state: DownloadState;
  events: DownloadEvents;
  received: number;
  requests: number;
  /** Times this run started the filekey again from byte 0. */
  resets: number;
}

function entryTarget(outDir: string, name: string): string {
  const p = resolveEntryPath(outDir, name);
  if (!p) throw new Error(`unsafe entry name ${JSON.stringify(name)}`);
  return p;
}

async function resetState(ctx: Ctx, why: string): Promise<void> {
  const { state, outDir } = ctx;
  if (state.current) await rm(entryTarget(outDir, state.current.name) + PARTIAL_SUFFIX, { force: true });
  ctx.resets++;
  ctx.events.log?.(`dataset ${state.dataset} filekey ${state.filekey}: ${why}; starting this filekey again from byte 0`);
  Object.assign(state, freshState(state.dataset, state.filekey));
}

/** One request: from the resume point to the end of the tar (or until the connection fails). */
async function streamOnce(ctx: Ctx): Promise<void> {
  const { state, outDir, client } = ctx;
  let rangeStart = state.committedOffset;
  let resumeWritten = 0; // W: bytes of the current entry kept on disk
  if (state.current) {
    const partial = entryTarget(outDir, state.current.name) + PARTIAL_SUFFIX;
    resumeWritten = await keptOfCurrent(outDir, state.current);
    if (resumeWritten > 0) {
      await truncate(partial, resumeWritten);
      rangeStart = state.current.dataStart + resumeWritten;
    } else {
      await rm(partial, { force: true });
      state.current = null;
    }
  }

  ctx.requests++;
  let res;
  try {
    res = await client.openDownload(state.dataset, state.filekey, rangeStart);
  } catch (e) {
    if (e instanceof AihubError && e.status === 416 && rangeStart > 0) {
      // Nothing left after the resume point: every entry was already written (a tar without
      // end-of-archive blocks, interrupted or ended right after its last entry). With no length
      // known (a chunked answer), a 416 at an entry boundary is the server saying the tar ends there.
      if (!state.current && (state.totalBytes !== null ? rangeStart >= state.totalBytes : state.completed.length > 0)) {
        if (state.totalBytes === null) ctx.events.log?.(`dataset ${state.dataset} filekey ${state.filekey}: the tar has no end-of-archive blocks and the server has nothing past byte ${rangeStart}: taken as complete`);
        state.tarComplete = true;
        await save(outDir, state);
        return;
      }
      await resetState(ctx, `the server refused the range from byte ${rangeStart}`);
      throw new IncompleteTarError('range not satisfiable');
    }
    throw e;
  }
  let synthetic: Buffer | null = null;
  let base = 0;
  if (rangeStart > 0 && res.status === 200) {
    await resetState(ctx, 'the server ignored the range request (answered the whole tar)');
    rangeStart = 0;
    resumeWritten = 0;
  } else if (rangeStart > 0) {
    if (res.start !== rangeStart || (state.totalBytes !== null && res.total !== null && res.total !== state.totalBytes)) {
      res.body.destroy();
      await resetState(ctx, `the server answered bytes from ${res.start} of ${res.total} (asked from ${rangeStart} of ${state.totalBytes})`);
      throw new IncompleteTarError('range answer did not match the saved state');
    }
    base = rangeStart;
    if (state.current && resumeWritten > 0) {
      synthetic = syntheticFileHeader(state.current.size - resumeWritten);
      base = rangeStart - 512;
    }
  }
  state.totalBytes = res.total ?? state.totalBytes;
  ctx.events.onStart?.(state.dataset, state.filekey, state.totalBytes, rangeStart);

  // A pax global header before the resume point is not sent again: its size comes from the state.
  const tracker = new TarBlockTracker(base, { paxGlobalSize: state.paxGlobalSize ?? null, startsWithResumeHeader: synthetic !== null });
  const extractor = tarExtract();
  const body = res.body;
  const onBytes = ctx.events.onBytes;
  let bodyError: Error | null = null;
  async function* source(): AsyncGenerator<Buffer> {
    if (synthetic) yield synthetic;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        ctx.received += chunk.length;
        onBytes?.(state.dataset, state.filekey, chunk.length);
        yield chunk;
      }
    } catch (e) {
      // Connection lost: end the stream here instead of failing it, so the bytes already inside
      // the tracker/extractor buffers still reach the disk and the resume point is as late as it can be.
      bodyError = e as Error;
    }
  }

  let currentStream: { destroy(e?: Error): void } | null = null;
  let continuation = synthetic !== null;
  const consume = (async () => {
    for await (const entry of extractor) {
      currentStream = entry;
      const rec: TarBlockRecord | undefined = tracker.records.shift();
      if (!rec) throw new Error('internal: tar entry without a block record');
      const header = entry.header;
      if ((header.size ?? 0) !== rec.size && header.type !== 'directory') {
        throw new Error(`internal: tar entry ${JSON.stringify(header.name)} at byte ${rec.start}: ${header.size} bytes for the tar parser, ${rec.size} for the block tracker`);
      }
      state.paxGlobalSize = rec.paxGlobalSize;
      let name: string;
      let append = false;
      if (continuation) {
        continuation = false;
        name = state.current!.name;
        append = true;
      } else {
        name = header.name;
        if (header.type === 'directory' && isRootEntry(name)) {
          for await (const _ of entry as AsyncIterable<Buffer>) void _;
          state.committedOffset = rec.end;
          continue;
        }
        const target = resolveEntryPath(outDir, name);
        if (!target || (header.type !== 'file' && header.type !== 'directory' && header.type !== 'contiguous-file')) {
          state.refused.push({ name, reason: target ? `${header.type} entry (not extracted)` : unsafeReason(name) });
          for await (const _ of entry as AsyncIterable<Buffer>) void _;
          state.committedOffset = rec.end;
          await save(outDir, state);
          continue;
        }
        if (header.type === 'directory') {
          for await (const _ of entry as AsyncIterable<Buffer>) void _;
          await mkdir(target, { recursive: true }).catch((e: unknown) => {
            throw asLocalError(e, target);
          });
          state.completed.push({ name, size: 0, type: 'directory' });
          state.committedOffset = rec.end;
          await save(outDir, state);
          continue;
        }
        state.current = { name, dataStart: rec.dataStart, size: header.size ?? 0 };
        await save(outDir, state);
      }
      const target = entryTarget(outDir, name);
      const partial = target + PARTIAL_SUFFIX;
      let written: number;
      try {
        await mkdir(dirname(target), { recursive: true });
        written = (append ? resumeWritten : 0) + (await writeEntryTo(entry as unknown as AsyncIterable<Buffer>, partial, append ? 'a' : 'w'));
      } catch (e) {
        // A write error has no path of its own (disk full): name the file being written.
        throw asLocalError(e, partial);
      }
      const size = state.current!.size;
      if (written !== size) throw new IncompleteTarError(`${name}: ${written} of ${size} bytes`);
      await rename(partial, target).catch((e: unknown) => {
        throw asLocalError(e, target);
      });
      state.completed.push({ name, size, type: 'file' });
      state.current = null;
      state.committedOffset = rec.end;
      await save(outDir, state);
    }
  })();

  try {
    await Promise.all([pipeline(source(), tracker, extractor), consume]);
  } catch (e) {
    (currentStream as { destroy(e?: Error): void } | null)?.destroy(e as Error);
    extractor.destroy();
    body.destroy();
    // The first rejection can be the pipeline's "Premature close" caused by the real error (a
    // write failing on a full disk ends the entry stream): the entry writer's own error is the one to report.
    const consumeError = await consume.then(
      () => null,
      (x: unknown) => x,
    );
    if (consumeError instanceof LocalWriteError) throw consumeError;
    if (e instanceof LocalWriteError) throw e;
    if (bodyError) throw bodyError;
    if (consumeError && isPrematureClose(e) && !isPrematureClose(consumeError)) throw consumeError;
    if (e instanceof TarFormatError) {
      if (rangeStart === 0 && e.offset === 0) {
        // Not a tar at all: a message sent with status 200. Show it; never extract it.
        throw new AihubError(`AIHub sent something that is not a tar for dataset ${state.dataset} filekey ${state.filekey}: ${e.preview.trim() || '(binary data)'}`, false);
      }
      if (!e.endedInHeader) await resetState(ctx, `the tar stream was not valid at byte ${e.offset}`);
    }
    throw e;
  }
  if (bodyError) throw bodyError;
  const complete = tracker.sawEnd || (state.totalBytes !== null && tracker.position >= state.totalBytes);
  if (!complete) {
    throw new IncompleteTarError(`connection ended at byte ${tracker.position}${state.totalBytes ? ` of ${state.totalBytes}` : ''} before the end of the tar`);
  }
  state.tarComplete = true;
  await save(outDir, state);
}

/**
 * Downloads one filekey into `outDir` with resume and bounded retries (exponential backoff on
 * network errors, dropped connections and transient 5xx). A finished filekey (state `done`) is
 * skipped. Throws AihubError for answers a retry cannot change (key refused, approval expired).
 */
export async function downloadFilekey(
  client: AihubClient,
  opts: { dataset: string; filekey: string; outDir: string; events?: DownloadEvents } & RetryOptions,
): Promise<FilekeyResult> {
  const { dataset, filekey, outDir } = opts;
  const events = opts.events ?? {};
  const retries = opts.retries ?? 5;
  const saved = await loadState(outDir, dataset, filekey);
  const state = saved ?? freshState(dataset, filekey);
  const ctx: Ctx = { client, outDir, state, events, received: 0, requests: 0, resets: 0 };
  if (state.done) {
    return { dataset, filekey, status: 'skipped', files: filesOf(state), merged: [], refused: state.refused, bytesReceived: 0, requests: 0 };
  }
  let failures = 0;
  while (!state.tarComplete) {
    const before = await resumeOffset(outDir, state);
    const resetsBefore = ctx.resets;
    try {
      await streamOnce(ctx);
    } catch (e) {
      if (!isRetryable(e)) throw e;
      // Failures that moved the resume point reset the count: a long download may lose its
      // connection many times. Bytes received are not progress unless they reached the disk (an
      // attempt that fails before writing anything would otherwise be retried forever), and one
      // that started the filekey again from byte 0 made none, whatever it received, or a server
      // that refuses every resume would be downloaded forever.
      const progressed = ctx.resets === resetsBefore && (await resumeOffset(outDir, state)) > before;
      failures = progressed ? 1 : failures + 1;
      if (failures > retries) {
        throw new AihubError(`dataset ${dataset} filekey ${filekey}: giving up after ${failures} failed attempts: ${(e as Error).message}`, false);
      }
      const delay = backoffDelay(opts, failures);
      events.onRetry?.(dataset, filekey, e as Error, failures, delay);
      await sleep(delay);
    }
  }
  const merged = await mergePieces(outDir, state.completed);
  for (const m of merged) events.log?.(`merged ${m.pieces} pieces into ${m.name} (${m.size} bytes)`);
  state.done = true;
  await save(outDir, state);
  return { dataset, filekey, status: 'downloaded', files: filesOf(state), merged, refused: state.refused, bytesReceived: ctx.received, requests: ctx.requests };
}

function filesOf(state: DownloadState): string[] {
  const files = new Set<string>();
  for (const e of state.completed) {
    if (e.type !== 'file') continue;
    const m = /^(.+)\.part\d+$/.exec(e.name);
    files.add(m ? m[1] : e.name);
  }
  return [...files].sort();
}
