// Whole-file writes through a temporary sibling and a rename, so a reader (or a resumed run)
// never sees half a file. The temporary name has the pid, the thread and a random part:
// tests and worker threads write from several threads of one process.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { threadId } from 'node:worker_threads';

function tempName(path: string): string {
  return `${path}.tmp-${process.pid}-${threadId}-${Math.random().toString(36).slice(2, 10)}`;
}

/** One write call's most: Node refuses a single write over 2 GiB − 1 (a merged set's vectors pass that). */
const WRITE_CHUNK = 1 << 30;

/**
 * Writes `data` to `path` atomically; `fsync` flushes it to disk before the rename (manifests,
 * indexes). A failed write (a full disk) leaves `path` as it was and no temporary file.
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, opts: { fsync?: boolean; chunkBytes?: number } = {}): void {
  const tmp = tempName(path);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const chunk = opts.chunkBytes ?? WRITE_CHUNK;
  const fd = openSync(tmp, 'w');
  try {
    try {
      let off = 0;
      while (off < bytes.byteLength) off += writeSync(fd, bytes, off, Math.min(chunk, bytes.byteLength - off));
      if (opts.fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Asynchronous writeFileAtomicSync (without fsync). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempName(path);
  await writeFile(tmp, data);
  await rename(tmp, path);
}
