// `saturi unpack`: finds every archive under a folder and extracts each into a folder next to it
// named after the archive without its extension (`[원천]강원도_학습데이터_1.zip` →
// `[원천]강원도_학습데이터_1/`), which is what the original `unzip -d "${f%.zip}"` script did.
//
// Safety rules: extraction goes to a staging folder first; only a complete, verified extraction
// (entry count, sizes, zip CRC-32, end-of-archive for tar) is moved into place, marked done and
// then the archive deleted. A corrupt archive is kept and reported; others go on. Reruns skip
// archives whose target holds a done-marker for them.
import { availableParallelism } from 'node:os';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ArchiveError, type ExtractResult, type RefusedEntry } from './errors.ts';
import { extractTar } from './extract-tar.ts';
import { extractZip } from './extract-zip.ts';
import { runPool } from './pool.ts';
import { entryKind, VisitedFolders } from '../io/entry-kind.ts';

/** Done-marker file name inside the target folder, one per archive (two archives may share a stem). */
export function doneMarkerName(archive: string): string {
  return `.saturi-unpacked-${basename(archive)}.json`;
}
const MARKER_PREFIX = '.saturi-unpacked-';
const STAGING_SUFFIX = '.saturi-unpacking';

export type ArchiveKind = 'zip' | 'tar' | 'tar.gz';

export function archiveKind(path: string): ArchiveKind | null {
  const n = path.toLowerCase();
  if (n.endsWith('.zip')) return 'zip';
  if (n.endsWith('.tar.gz') || n.endsWith('.tgz')) return 'tar.gz';
  if (n.endsWith('.tar')) return 'tar';
  return null;
}

/** The extraction folder of an archive: same folder, name without the archive extension. */
export function targetFolderFor(archive: string): string {
  const name = basename(archive);
  const stem = name.replace(/(\.tar\.gz|\.tgz|\.tar|\.zip)$/i, '');
  return join(dirname(archive), stem === '' || stem === name ? `${name}.d` : stem);
}

/** Archives under `root`, sorted; folders that are finished extraction targets are not searched. */
export async function findArchives(root: string): Promise<string[]> {
  const found: string[] = [];
  // Linked folders and archives count as their targets (datasets kept on another disk).
  const visited = new VisitedFolders();
  const walk = async (dir: string) => {
    if (!(await visited.enter(dir))) return;
    const entries = await readdir(dir, { withFileTypes: true });
    if (dir !== root && entries.some((e) => e.isFile() && e.name.startsWith(MARKER_PREFIX))) return;
    for (const e of entries) {
      const p = join(dir, e.name);
      const kind = await entryKind(dir, e);
      if (kind === 'dir') {
        if (!e.name.endsWith(STAGING_SUFFIX)) await walk(p);
      } else if (kind === 'file' && archiveKind(e.name)) {
        found.push(p);
      }
    }
  };
  await walk(root);
  return found.sort();
}

export interface DoneMarker {
  archive: string;
  size: number;
  entries: number;
  files: number;
  bytes: number;
  finishedAt: string;
}

export type ArchiveStatus = 'extracted' | 'skipped' | 'failed' | 'incomplete';

export interface ArchiveOutcome {
  archive: string;
  target: string;
  status: ArchiveStatus;
  result?: ExtractResult;
  /** Why the archive failed (corrupt, truncated…) — `failed` only. */
  reason?: string;
  /** Entries not extracted because their path escapes the target or they are links — `incomplete`. */
  refused?: RefusedEntry[];
  deleted: boolean;
}

export interface UnpackSummary {
  archives: ArchiveOutcome[];
  extracted: number;
  skipped: number;
  failed: number;
  incomplete: number;
  /** True when every archive is extracted or was already done. */
  ok: boolean;
}

export interface UnpackOptions {
  concurrency?: number;
  /** Keep archives after a verified extraction (default: delete them). */
  keep?: boolean;
  onArchiveStart?: (archive: string) => void;
  onArchiveDone?: (outcome: ArchiveOutcome) => void;
}

async function readMarker(target: string, archive: string): Promise<DoneMarker | null> {
  try {
    return JSON.parse(await readFile(join(target, doneMarkerName(archive)), 'utf8')) as DoneMarker;
  } catch {
    return null;
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Moves the staging folder's contents into `target`: a plain rename when the target does not
 * exist, otherwise a recursive merge (folders merged, same-named files replaced), so two archives
 * with the same stem, or a half-finished earlier run, end up in one consistent folder.
 */
async function moveIntoPlace(staging: string, target: string): Promise<void> {
  if (!(await exists(target))) {
    try {
      await rename(staging, target);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw e;
    }
  }
  for (const entry of await readdir(staging, { withFileTypes: true })) {
    const from = join(staging, entry.name);
    const to = join(target, entry.name);
    const toStat = await stat(to).catch(() => null);
    if (entry.isDirectory() && toStat?.isDirectory()) {
      await moveIntoPlace(from, to);
    } else {
      if (toStat) await rm(to, { recursive: true, force: true });
      await rename(from, to);
    }
  }
  await rm(staging, { recursive: true, force: true });
}

export async function unpackArchive(archive: string, opts: { keep?: boolean } = {}): Promise<ArchiveOutcome> {
  const kind = archiveKind(archive);
  if (!kind) throw new Error(`${archive}: not a .zip, .tar, .tar.gz or .tgz file`);
  const target = targetFolderFor(archive);
  const st = await stat(archive);
  const marker = await readMarker(target, archive);
  if (marker && marker.archive === basename(archive) && marker.size === st.size) {
    // Verified by an earlier run (that ran with --keep); delete now unless told to keep.
    if (!opts.keep) await rm(archive, { force: true });
    return { archive, target, status: 'skipped', deleted: !opts.keep };
  }
  const staging = archive + STAGING_SUFFIX;
  await rm(staging, { recursive: true, force: true });
  let result: ExtractResult;
  try {
    result = kind === 'zip' ? await extractZip(archive, staging) : await extractTar(archive, staging, { gzip: kind === 'tar.gz' });
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    const reason = e instanceof ArchiveError ? e.reason : (e as Error).message;
    return { archive, target, status: 'failed', reason, deleted: false };
  }
  await moveIntoPlace(staging, target);
  if (result.refused.length > 0) {
    // What was safe is in place; the archive stays (its extraction is not complete) and is reported.
    return { archive, target, status: 'incomplete', result, refused: result.refused, deleted: false };
  }
  const done: DoneMarker = {
    archive: basename(archive),
    size: st.size,
    entries: result.entries,
    files: result.files,
    bytes: result.bytes,
    finishedAt: new Date().toISOString(),
  };
  await writeFile(join(target, doneMarkerName(archive)), JSON.stringify(done, null, 2) + '\n');
  if (!opts.keep) await rm(archive, { force: true });
  return { archive, target, status: 'extracted', result, deleted: !opts.keep };
}

export async function unpackDir(root: string, opts: UnpackOptions = {}): Promise<UnpackSummary> {
  const archives = await findArchives(root);
  const concurrency = opts.concurrency ?? Math.max(2, availableParallelism());
  const outcomes = await runPool(archives, concurrency, async (archive) => {
    opts.onArchiveStart?.(archive);
    const outcome = await unpackArchive(archive, { keep: opts.keep }).catch(
      (e: unknown): ArchiveOutcome => ({ archive, target: targetFolderFor(archive), status: 'failed', reason: (e as Error).message, deleted: false }),
    );
    opts.onArchiveDone?.(outcome);
    return outcome;
  });
  const count = (s: ArchiveStatus) => outcomes.filter((o) => o.status === s).length;
  const summary: UnpackSummary = {
    archives: outcomes,
    extracted: count('extracted'),
    skipped: count('skipped'),
    failed: count('failed'),
    incomplete: count('incomplete'),
    ok: false,
  };
  summary.ok = summary.failed === 0 && summary.incomplete === 0;
  return summary;
}
