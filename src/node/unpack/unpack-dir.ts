// `saturi unpack`: finds every archive under a folder and extracts each into a folder next to it
// named after the archive without its extension (`[원천]강원도_학습데이터_1.zip` →
// `[원천]강원도_학습데이터_1/`), which is what the original `unzip -d "${f%.zip}"` script did.
//
// Safety rules: extraction goes to a staging folder first; only a complete, verified extraction
// (entry count, sizes, zip CRC-32, end-of-archive for tar) is moved into place, marked done and
// then the archive deleted. A corrupt archive is kept and reported; others go on. A full disk
// (any local write error) fails that archive, kept, and starts no further one. Reruns skip
// archives whose target holds a done-marker for them.
//
// Nothing is overwritten: entries of one archive that land on the same path (duplicate names,
// CP949 vs UTF-8 or NFC vs NFD forms of one name) fail that archive before anything moves, and a
// file already in the target that this archive did not put there (another archive with the same
// stem, the user's own) is a conflict unless it holds the same bytes. Only files listed in this
// archive's move journal (an interrupted earlier run) may be replaced.
import { availableParallelism } from 'node:os';
import { link, lstat, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ArchiveError, UnpackWriteError, type ExtractResult, type RefusedEntry } from './errors.ts';
import { extractTar } from './extract-tar.ts';
import { extractZip } from './extract-zip.ts';
import { runPool } from './pool.ts';
import { localWriteCode } from '../io/local-write-error.ts';
import { entryKind, VisitedFolders } from '../io/entry-kind.ts';

/** Done-marker file name inside the target folder, one per archive (two archives may share a stem). */
export function doneMarkerName(archive: string): string {
  return `.saturi-unpacked-${basename(archive)}.json`;
}
const MARKER_PREFIX = '.saturi-unpacked-';
const JOURNAL_PREFIX = '.saturi-moving-';
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
    // A target folder (done, or being moved into: journal) is not searched: archives inside it are data.
    if (dir !== root && entries.some((e) => e.isFile() && (e.name.startsWith(MARKER_PREFIX) || e.name.startsWith(JOURNAL_PREFIX)))) return;
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
  /** The failure was the local disk's (full, read-only…), not the archive's: no further archive is started. */
  writeError?: boolean;
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

/**
 * Journal of an extraction being moved into place: `.saturi-moving-<archive>.json` in the target,
 * written before the first file moves and removed with the done-marker. It lists the files (paths
 * relative to the target, `/`-separated) that this archive put there, so a rerun after an
 * interruption may replace them, and only them.
 */
export function moveJournalName(archive: string): string {
  return `${JOURNAL_PREFIX}${basename(archive)}.json`;
}

export interface MoveJournal {
  archive: string;
  files: string[];
}

async function readJournal(target: string, archive: string): Promise<Set<string>> {
  try {
    const j = JSON.parse(await readFile(join(target, moveJournalName(archive)), 'utf8')) as MoveJournal;
    return j.archive === basename(archive) && Array.isArray(j.files) ? new Set(j.files) : new Set();
  } catch {
    return new Set();
  }
}

/** A file the archive would put where the target already holds something else; nothing is moved. */
export interface MoveConflict {
  /** The path in the target. */
  existing: string;
  /** The entry's path inside the archive (relative, `/`-separated). */
  entry: string;
  why: string;
}

/** Thrown by moveIntoPlace: one or more files of the archive would replace other data. */
export class MoveConflictError extends Error {
  constructor(
    readonly target: string,
    readonly conflicts: MoveConflict[],
    otherArchives: string[],
  ) {
    const shown = conflicts.slice(0, 5).map((c) => `${JSON.stringify(c.entry)} in this archive vs ${JSON.stringify(c.existing)} (${c.why})`);
    const more = conflicts.length > 5 ? `; and ${conflicts.length - 5} more` : '';
    const others = otherArchives.length > 0 ? ` ${target} also holds the extraction of ${otherArchives.map((a) => JSON.stringify(a)).join(', ')}.` : '';
    super(
      `${conflicts.length} file(s) would overwrite different files already in ${target} that did not come from this archive: ` +
        `${shown.join('; ')}${more}.${others} Nothing was moved or overwritten; rename the archive or move the existing files away and rerun`,
    );
    this.name = 'MoveConflictError';
  }
}

/** True when both files hold the same bytes (sizes first, then 1 MiB blocks). */
async function sameBytes(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([stat(a), stat(b)]);
  if (sa.size !== sb.size) return false;
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  try {
    const ba = Buffer.alloc(1 << 20);
    const bb = Buffer.alloc(1 << 20);
    for (let pos = 0; pos < sa.size; ) {
      const len = Math.min(ba.length, sa.size - pos);
      const [ra, rb] = await Promise.all([fa.read(ba, 0, len, pos), fb.read(bb, 0, len, pos)]);
      if (ra.bytesRead !== len || rb.bytesRead !== len) return false;
      if (!ba.subarray(0, len).equals(bb.subarray(0, len))) return false;
      pos += len;
    }
    return true;
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

/** What happens to one staging entry: see planMove. */
type Step =
  | { kind: 'rename'; from: string; to: string } // nothing there: move it (a folder whole)
  | { kind: 'merge'; from: string; to: string; steps: Step[] } // both folders: go inside
  | { kind: 'replace'; from: string; to: string } // a file this archive put there earlier
  | { kind: 'same'; from: string; to: string }; // the same bytes are there already

interface Plan {
  steps: Step[];
  conflicts: MoveConflict[];
  /** Files (relative to the target) that this archive puts there, for the journal. */
  files: string[];
}

async function filesUnder(dir: string, rel: string, out: string[]): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) await filesUnder(join(dir, e.name), `${rel}${e.name}/`, out);
    else out.push(`${rel}${e.name}`);
  }
}

/**
 * Decides, before anything moves, where each staging entry goes. A file may take the place of an
 * existing one only when this archive's journal lists it (an interrupted earlier run); an existing
 * file with the same bytes counts as already in place; anything else there is a conflict.
 */
async function planMove(staging: string, target: string, own: ReadonlySet<string>, rel: string, plan: Plan): Promise<Step[]> {
  const steps: Step[] = [];
  for (const entry of await readdir(staging, { withFileTypes: true })) {
    const from = join(staging, entry.name);
    const to = join(target, entry.name);
    const path = `${rel}${entry.name}`;
    const there = await lstat(to).catch(() => null);
    if (!there) {
      steps.push({ kind: 'rename', from, to });
      if (entry.isDirectory()) await filesUnder(from, `${path}/`, plan.files);
      else plan.files.push(path);
      continue;
    }
    // Follow links: a linked folder in the target (data on another disk) is merged into.
    const thereStat = await stat(to).catch(() => null);
    if (entry.isDirectory()) {
      if (thereStat?.isDirectory()) steps.push({ kind: 'merge', from, to, steps: await planMove(from, to, own, `${path}/`, plan) });
      else plan.conflicts.push({ existing: to, entry: `${path}/`, why: 'the archive has a folder there, the target a file' });
      continue;
    }
    if (own.has(path) && !there.isDirectory()) {
      steps.push({ kind: 'replace', from, to });
      plan.files.push(path);
    } else if (thereStat?.isDirectory()) {
      plan.conflicts.push({ existing: to, entry: path, why: 'the archive has a file there, the target a folder' });
    } else if (thereStat?.isFile() && (await sameBytes(from, to))) {
      steps.push({ kind: 'same', from, to });
    } else {
      plan.conflicts.push({ existing: to, entry: path, why: thereStat ? 'different content' : 'a broken link' });
    }
  }
  return steps;
}

const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK', 'ENOSYS', 'EACCES']);

/** Moves a file to a path that must not exist: a hard link refuses an existing `to` atomically. */
async function moveNoClobber(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
    await unlink(from);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (!NO_HARD_LINKS.has(code)) throw e;
  }
  // No hard links here (exFAT, some network file systems): check, then rename.
  if (await lstat(to).then(() => true, () => false)) throw Object.assign(new Error(`${to}: appeared while moving`), { code: 'EEXIST' });
  await rename(from, to);
}

async function runSteps(steps: Step[]): Promise<void> {
  for (const s of steps) {
    if (s.kind === 'merge') {
      await runSteps(s.steps);
    } else if (s.kind === 'replace') {
      await rename(s.from, s.to);
    } else if (s.kind === 'rename') {
      const st = await lstat(s.from);
      if (!st.isDirectory()) {
        await moveNoClobber(s.from, s.to);
        continue;
      }
      // rename() would also replace an empty folder that appeared meanwhile; a full one refuses.
      await rename(s.from, s.to);
    }
    // 'same': the staging copy goes with the staging folder.
  }
}

/** Serialises moves into one target: two archives with the same stem extract in parallel. */
const targetLocks = new Map<string, Promise<unknown>>();
async function withTargetLock<T>(target: string, fn: () => Promise<T>): Promise<T> {
  const key = resolve(target);
  const before = targetLocks.get(key) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const settled = run.catch(() => undefined);
  targetLocks.set(key, settled);
  try {
    return await run;
  } finally {
    if (targetLocks.get(key) === settled) targetLocks.delete(key);
  }
}

async function otherExtractions(target: string, archive: string): Promise<string[]> {
  const names = await readdir(target).catch(() => [] as string[]);
  const mine = new Set([doneMarkerName(archive), moveJournalName(archive)]);
  return names
    .filter((n) => !mine.has(n) && n.endsWith('.json') && (n.startsWith(MARKER_PREFIX) || n.startsWith(JOURNAL_PREFIX)))
    .map((n) => n.slice(n.startsWith(MARKER_PREFIX) ? MARKER_PREFIX.length : JOURNAL_PREFIX.length, -'.json'.length));
}

/**
 * Moves the staging folder's contents into `target`, merging folders. Nothing is overwritten
 * unless this archive put it there in an earlier, interrupted run (its journal lists it); a file
 * with the same bytes already there is left as it is. Any other file in the way (another archive
 * with the same stem, the user's own) is a MoveConflictError and nothing moves. The journal of
 * what this archive puts there is written first. The staging folder is removed.
 */
async function moveIntoPlace(staging: string, target: string, archive: string): Promise<void> {
  const own = await readJournal(target, archive);
  const plan: Plan = { steps: [], conflicts: [], files: [] };
  const targetThere = await stat(target).catch(() => null);
  if (targetThere && !targetThere.isDirectory()) {
    throw new MoveConflictError(target, [{ existing: target, entry: './', why: 'the target folder is a file' }], []);
  }
  plan.steps = await planMove(staging, target, own, '', plan);
  if (plan.conflicts.length > 0) throw new MoveConflictError(target, plan.conflicts, await otherExtractions(target, archive));
  await mkdir(target, { recursive: true });
  const journal: MoveJournal = { archive: basename(archive), files: plan.files };
  await writeFile(join(target, moveJournalName(archive)), JSON.stringify(journal) + '\n');
  await runSteps(plan.steps);
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
    if (e instanceof UnpackWriteError) return { archive, target, status: 'failed', reason: e.message, writeError: true, deleted: false };
    const reason = e instanceof ArchiveError ? e.reason : (e as Error).message;
    return { archive, target, status: 'failed', reason, deleted: false };
  }
  try {
    await withTargetLock(target, () => moveIntoPlace(staging, target, archive));
  } catch (e) {
    // Conflicts are found before anything moves; any other failure leaves the journal, so a rerun
    // may replace what this archive already put there. Either way the archive stays.
    await rm(staging, { recursive: true, force: true });
    return { archive, target, status: 'failed', reason: (e as Error).message, writeError: localWriteCode(e) !== null, deleted: false };
  }
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
  await rm(join(target, moveJournalName(archive)), { force: true });
  if (!opts.keep) await rm(archive, { force: true });
  return { archive, target, status: 'extracted', result, deleted: !opts.keep };
}

export async function unpackDir(root: string, opts: UnpackOptions = {}): Promise<UnpackSummary> {
  const archives = await findArchives(root);
  const concurrency = opts.concurrency ?? Math.max(2, availableParallelism());
  // After a local write error (full disk) the next archives would fail alike, each after writing
  // up to its size into staging: they are not started, and say why.
  let writeError: string | null = null;
  const outcomes = await runPool(archives, concurrency, async (archive) => {
    if (writeError !== null) {
      const outcome: ArchiveOutcome = { archive, target: targetFolderFor(archive), status: 'failed', reason: `not started: ${writeError}`, deleted: false };
      opts.onArchiveDone?.(outcome);
      return outcome;
    }
    opts.onArchiveStart?.(archive);
    const outcome = await unpackArchive(archive, { keep: opts.keep }).catch(
      (e: unknown): ArchiveOutcome => ({ archive, target: targetFolderFor(archive), status: 'failed', reason: (e as Error).message, deleted: false }),
    );
    if (outcome.writeError) writeError ??= outcome.reason ?? 'local write error';
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
