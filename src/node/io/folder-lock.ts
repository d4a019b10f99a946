// One writer per output folder: two jobs appending to the same embedding set would interleave
// vectors and index rows (vector i no longer row i) without either noticing. The lock is a file
// created exclusively, naming its process; a lock left by a killed process is taken over.
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = '.saturi.lock';

export class FolderLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FolderLockedError';
  }
}

interface LockInfo {
  pid: number;
  host: string;
  started: string;
  what: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

/**
 * Removes a lock left by a process that no longer runs, as judged from its `text`. Two jobs started
 * together after a crash both judge it stale: a plain unlink by the second would remove the lock
 * the first has just made, and both would run. The lock is moved aside (atomic) and checked; one
 * that is not the stale one judged is put back.
 */
export function takeOverStaleLock(path: string, judged: { text: string; ino: number }): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // someone took it over first: try to create
    throw e;
  }
  // The same file (inode) with the same text: an empty lock another job has just made is another inode.
  const moved = statSync(aside, { throwIfNoEntry: false });
  if (moved?.ino !== judged.ino || readLock(aside) !== judged.text) {
    // Another job's fresh lock: back where it was (link fails if a third made one since; theirs stands).
    try {
      linkSync(aside, path);
    } catch {
      // EEXIST: a lock is in place either way
    }
  }
  rmSync(aside, { force: true });
}

function readLock(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Reads the lock at `path` as another job's: `who` describes the job; `state` says whether it runs
 * here (`live`), on another host (`elsewhere`, where it cannot be checked) or is gone (`stale`).
 */
function judgeLock(path: string, host: string): { text: string; ino: number; who: string; state: 'live' | 'elsewhere' | 'stale' } {
  const ino = statSync(path, { throwIfNoEntry: false })?.ino ?? -1;
  let text = readLock(path);
  // Empty: its maker may be between creating and writing it; a moment later it is written, or stale.
  if (text === '') {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    text = readLock(path);
  }
  let held: Partial<LockInfo> = {};
  try {
    held = JSON.parse(text) as Partial<LockInfo>;
  } catch {
    // torn or unreadable: written by a process killed while writing it
  }
  const elsewhere = held.host !== undefined && held.host !== host;
  const who = `${held.what ?? 'another job'} (pid ${held.pid ?? '?'}${elsewhere ? ` on ${held.host}` : ''}, started ${held.started ?? '?'})`;
  const state = elsewhere ? 'elsewhere' : typeof held.pid === 'number' && alive(held.pid) ? 'live' : 'stale';
  return { text, ino, who, state };
}

/**
 * For a reader that must not take a half-written folder for a finished one (a merge of shards):
 * undefined when `dir` has no lock; otherwise why it may be unfinished, naming the job. A lock left
 * by a job that is gone counts too: a killed or interrupted embed leaves its lock and a partial set.
 * Takes no lock itself, so it works on folders the reader may not write to.
 */
export function unfinishedWriter(dir: string): string | undefined {
  const path = join(dir, LOCK_FILE);
  if (!existsSync(path)) return undefined;
  const { who, state } = judgeLock(path, hostname());
  if (state === 'live') return `${who} is writing to this folder`;
  return `${who} left its lock ${path}: ${state === 'elsewhere' ? 'it may still run on that host, or was stopped before it finished' : 'its process is gone, stopped before it finished'}`;
}

/** Takes `dir`'s lock for `what` (e.g. "saturi embed"); throws FolderLockedError while another live process holds it. */
export function lockFolder(dir: string, what: string): { release(): void } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString(), what };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify(mine) + '\n');
      } finally {
        closeSync(fd);
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 3) throw e;
    }
    const held = judgeLock(path, mine.host);
    if (held.state === 'elsewhere') throw new FolderLockedError(`${dir}: ${held.who} is writing to this folder; if no job runs there any more, delete ${path}`);
    if (held.state === 'live') throw new FolderLockedError(`${dir}: ${held.who} is writing to this folder; wait for it to finish or choose another output folder`);
    takeOverStaleLock(path, held);
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      try {
        const now = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
        if (now.pid === mine.pid && now.started === mine.started) unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
