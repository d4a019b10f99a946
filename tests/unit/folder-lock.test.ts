// One writer per output folder (src/node/io/folder-lock.ts): a lock left by a dead process is taken
// over, a live one is not, and two jobs taking over the same stale lock do not both run.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { FolderLockedError, LOCK_FILE, lockFolder, takeOverStaleLock } from '../../src/node/io/folder-lock.ts';
import { tempDir } from '../helpers/paths.ts';

const tmp = tempDir('saturi-lock-');
afterAll(() => tmp.cleanup());
/** A pid that no process has any more. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;
const lockText = (pid: number, started: string) => JSON.stringify({ pid, host: hostname(), started, what: 'saturi embed' }) + '\n';

describe('folder lock', () => {
  it("the second of two jobs taking over one stale lock puts the first's fresh lock back instead of removing it", () => {
    const dir = join(tmp.dir, 'race');
    mkdirSync(dir);
    const path = join(dir, LOCK_FILE);
    const stale = lockText(deadPid(), '2026-12-01T00:00:00Z');
    writeFileSync(path, stale);
    const staleIno = statSync(path).ino;
    // Job A judged it stale and took the folder: its lock is in place now.
    const a = lockFolder(dir, 'saturi embed');
    const fresh = readFileSync(path, 'utf8');
    expect(JSON.parse(fresh).pid).toBe(process.pid);
    // Job B read the same stale lock before A replaced it, and takes it over now.
    takeOverStaleLock(path, { text: stale, ino: staleIno });
    expect(readFileSync(path, 'utf8')).toBe(fresh);
    // Even when both were empty (a killed maker's lock, and A's not yet written): another file, put back.
    writeFileSync(join(dir, 'other'), '');
    takeOverStaleLock(path, { text: fresh, ino: statSync(join(dir, 'other')).ino });
    expect(readFileSync(path, 'utf8')).toBe(fresh);
    rmSync(join(dir, 'other'));
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    // B's next try sees A's live lock and stops, with the lock error, not EEXIST.
    expect(() => lockFolder(dir, 'saturi embed')).toThrow(FolderLockedError);
    a.release();
    expect(existsSync(path)).toBe(false);
  });

  it('an empty lock (its maker killed between creating and writing it) is taken over after a moment', () => {
    const dir = join(tmp.dir, 'empty');
    mkdirSync(dir);
    writeFileSync(join(dir, LOCK_FILE), '');
    const l = lockFolder(dir, 'saturi embed');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    l.release();
  });
});
