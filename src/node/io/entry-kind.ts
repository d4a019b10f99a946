// What a directory entry is once symbolic links are followed: datasets often live on another
// disk and are linked into the data folder, and such links must be walked like the real thing.
import { realpath, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { join } from 'node:path';

/** 'dir' or 'file' for the entry (a link: for its target), null for anything else or a dangling link. */
export async function entryKind(parent: string, e: Dirent): Promise<'dir' | 'file' | null> {
  if (e.isDirectory()) return 'dir';
  if (e.isFile()) return 'file';
  if (!e.isSymbolicLink()) return null;
  const st = await stat(join(parent, e.name)).catch(() => null);
  return st?.isDirectory() ? 'dir' : st?.isFile() ? 'file' : null;
}

/**
 * Remembers the folders a walk has entered by their real path: enter(dir) is false for a folder
 * already walked (a link loop, or the same folder linked twice), so no file is listed twice.
 */
export class VisitedFolders {
  private readonly seen = new Set<string>();
  async enter(dir: string): Promise<boolean> {
    const real = await realpath(dir);
    if (this.seen.has(real)) return false;
    this.seen.add(real);
    return true;
  }
}
