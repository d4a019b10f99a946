// Entry names inside ONE archive that land on the same path: two entries with the same raw name,
// the same name stored once as CP949 and once as flagged UTF-8, or the NFC and NFD forms of the
// same Hangul (macOS tools write NFD; preprocessing reads names as NFC, so they are one file to
// it). Extracting both would overwrite one with the other, so such an archive is refused whole.
// Paths are compared after resolveEntryPath (`a//b`, `./a/b` and `a\b` are one path) and NFC.
import { relative, resolve, sep } from 'node:path';
import { localWriteCode } from '../io/local-write-error.ts';
import { UnpackWriteError } from './errors.ts';

/** An entry as the collision report names it. */
export interface NamedEntry {
  /** 1-based position in the archive. */
  index: number;
  /** The decoded name. */
  name: string;
  /** How the name was stored (zip: the encoding it was read with), for names that look alike. */
  note?: string;
}

export interface EntryCollision {
  /** The path both entries extract to, relative to the target, NFC. */
  path: string;
  first: NamedEntry;
  second: NamedEntry;
  /** What clashes: the same file twice, or a file where another entry needs a folder. */
  kind: 'same file' | 'file and folder';
}

function describeEntry(e: NamedEntry): string {
  const notes: string[] = [];
  if (e.note) notes.push(e.note);
  if (e.name !== e.name.normalize('NFC')) notes.push('Unicode NFD form');
  return `entry #${e.index} ${JSON.stringify(e.name)}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

export function describeCollision(c: EntryCollision): string {
  return c.kind === 'same file'
    ? `${describeEntry(c.first)} and ${describeEntry(c.second)} both extract to ${JSON.stringify(c.path)}`
    : `${describeEntry(c.first)} and ${describeEntry(c.second)} need ${JSON.stringify(c.path)} as both a file and a folder`;
}

/** The reason an archive with colliding entries is refused (at most `shown` collisions spelled out). */
export function collisionReason(collisions: readonly EntryCollision[], shown = 5): string {
  const listed = collisions.slice(0, shown).map(describeCollision);
  const more = collisions.length > shown ? `; and ${collisions.length - shown} more` : '';
  return (
    `entry names collide (one file would overwrite another): ${listed.join('; ')}${more}. ` +
    'Nothing from this archive was put in its folder'
  );
}

/**
 * Remembers every path an archive writes (files, folders and the folders above them) and returns
 * the collision a new entry makes, or null. `target` is the resolved path (resolveEntryPath).
 */
export class EntryPathRegistry {
  private readonly files = new Map<string, NamedEntry>();
  private readonly dirs = new Map<string, NamedEntry>();
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  add(target: string, entry: NamedEntry, isDir: boolean): EntryCollision | null {
    const parts = relative(this.root, resolve(target)).split(sep).map((p) => p.normalize('NFC'));
    const key = parts.join('/');
    // A folder above this entry that an earlier entry wrote as a file.
    for (let i = 1; i < parts.length; i++) {
      const above = parts.slice(0, i).join('/');
      const file = this.files.get(above);
      if (file) return { path: above, first: file, second: entry, kind: 'file and folder' };
    }
    const file = this.files.get(key);
    if (file) return { path: key, first: file, second: entry, kind: isDir ? 'file and folder' : 'same file' };
    if (!isDir) {
      const dir = this.dirs.get(key);
      if (dir) return { path: key, first: dir, second: entry, kind: 'file and folder' };
    }
    for (let i = 1; i < parts.length; i++) {
      const above = parts.slice(0, i).join('/');
      if (!this.dirs.has(above)) this.dirs.set(above, entry);
    }
    if (isDir) {
      if (!this.dirs.has(key)) this.dirs.set(key, entry);
    } else {
      this.files.set(key, entry);
    }
    return null;
  }
}

/**
 * A staging write's error, with EEXIST (a file another entry of this archive already wrote,
 * although the registry saw no collision) turned into the reason naming the entry, and a local
 * file system error (full disk…) into an UnpackWriteError naming `target`, the file being written.
 */
export function stagingWriteError(e: unknown, name: string, target: string): unknown {
  if (localWriteCode(e)) return new UnpackWriteError(target, e as NodeJS.ErrnoException);
  if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return e;
  return new Error(
    `${JSON.stringify(name)}: another entry of this archive already wrote this path ` +
      '(names that this file system treats as equal, e.g. differing only in letter case); nothing was overwritten',
  );
}
