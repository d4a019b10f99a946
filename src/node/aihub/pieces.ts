// AIHub splits large files inside the download tar into `<path>.part<N>` pieces; the file is the
// concatenation of its pieces in ascending NUMERIC order of N (the official client sorted them as
// text — part10 before part2 — and corrupted files of more than ten pieces).
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { resolveEntryPath } from '../unpack/safe-path.ts';
import type { CompletedEntry } from './state.ts';

export function pieceOf(name: string): { base: string; index: number } | null {
  const m = /^(.+)\.part(\d+)$/.exec(name);
  return m ? { base: m[1], index: Number(m[2]) } : null;
}

export interface MergedFile {
  /** Entry name of the merged file (relative to the output folder). */
  name: string;
  path: string;
  pieces: number;
  size: number;
}

export class PieceError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'PieceError';
  }
}

/** Groups completed piece entries by the file they belong to, pieces sorted numerically. */
export function groupPieces(completed: CompletedEntry[]): Map<string, { index: number; name: string; size: number }[]> {
  const groups = new Map<string, { index: number; name: string; size: number }[]>();
  for (const e of completed) {
    if (e.type !== 'file') continue;
    const p = pieceOf(e.name);
    if (!p) continue;
    const list = groups.get(p.base) ?? [];
    // A piece received twice (restart) counts once: the later record wins.
    const dup = list.findIndex((x) => x.index === p.index);
    if (dup >= 0) list.splice(dup, 1);
    list.push({ index: p.index, name: e.name, size: e.size });
    groups.set(p.base, list);
  }
  for (const list of groups.values()) list.sort((a, b) => a.index - b.index);
  return groups;
}

async function sizeOf(path: string): Promise<number | null> {
  return stat(path).then(
    (s) => s.size,
    () => null,
  );
}

/**
 * Merges every group of pieces into its file: pieces must be numbered without gaps (from 0 or 1)
 * and each must have the size its tar header gave; the merged file must have the sum of them.
 * Pieces are removed only after the merged file checked out. Idempotent: a group already merged
 * (pieces gone, or some left by a run stopped while removing them, and the file of the right size
 * present) is accepted, its leftover pieces removed.
 */
export async function mergePieces(outDir: string, completed: CompletedEntry[]): Promise<MergedFile[]> {
  const merged: MergedFile[] = [];
  for (const [base, pieces] of groupPieces(completed)) {
    const target = resolveEntryPath(outDir, base);
    if (!target) throw new PieceError(base, 'unsafe path');
    const total = pieces.reduce((s, p) => s + p.size, 0);
    const first = pieces[0].index;
    if (first > 1) throw new PieceError(base, `first piece is part${first} (expected part0 or part1)`);
    pieces.forEach((p, i) => {
      if (p.index !== first + i) throw new PieceError(base, `piece part${first + i} is missing (have ${pieces.map((x) => x.index).join(', ')})`);
    });
    const paths = pieces.map((p) => resolveEntryPath(outDir, p.name)!);
    const sizes = await Promise.all(paths.map(sizeOf));
    // The rename is the merge's commit point: a file of the full size with pieces gone means a
    // run merged it and was stopped while removing them (all gone, or only some): finish that.
    if (sizes.some((s) => s === null) && (await sizeOf(target)) === total) {
      for (const [i, p] of paths.entries()) if (sizes[i] !== null) await rm(p, { force: true });
      merged.push({ name: base, path: target, pieces: pieces.length, size: total });
      continue;
    }
    sizes.forEach((s, i) => {
      if (s !== pieces[i].size) throw new PieceError(base, `piece ${pieces[i].name} has ${s ?? 'no'} bytes on disk, expected ${pieces[i].size}`);
    });
    const tmp = `${target}.saturi-merge`;
    const fh = await open(tmp, 'w');
    try {
      for (const p of paths) {
        for await (const chunk of createReadStream(p, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
          let off = 0;
          while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
        }
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    const got = await sizeOf(tmp);
    if (got !== total) {
      await rm(tmp, { force: true });
      throw new PieceError(base, `merged size ${got} differs from the pieces' total ${total}`);
    }
    await rename(tmp, target);
    for (const p of paths) await rm(p, { force: true });
    merged.push({ name: base, path: target, pieces: pieces.length, size: total });
  }
  return merged;
}
