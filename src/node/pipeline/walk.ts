// Recursive directory listing in a fixed order (entries sorted by code point
// per folder), so runs over the same tree see the same sequence of files.
// Symbolic links are followed (each real folder walked once).
import { opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { entryKind, VisitedFolders } from '../io/entry-kind.ts';

/** Yields absolute paths of files under `root` whose name passes `accept`, depth first, sorted. */
export async function* walkFiles(root: string, accept: (name: string) => boolean, visited = new VisitedFolders()): AsyncGenerator<string> {
  if (!(await visited.enter(root))) return;
  const names: { name: string; dir: boolean }[] = [];
  const dir = await opendir(root);
  for await (const e of dir) {
    // Dot-folders hold our own bookkeeping (.done) and OS litter.
    if (e.name.startsWith('.')) continue;
    const kind = await entryKind(root, e);
    if (kind === 'dir') names.push({ name: e.name, dir: true });
    else if (kind === 'file' && accept(e.name)) names.push({ name: e.name, dir: false });
  }
  names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const n of names) {
    const path = join(root, n.name);
    if (n.dir) yield* walkFiles(path, accept, visited);
    else yield path;
  }
}

export const hasExt =
  (...exts: string[]) =>
  (name: string): boolean => {
    const lower = name.toLowerCase();
    return exts.some((e) => lower.endsWith(e));
  };
