// Whole-file writes through a temporary sibling and a rename, so a reader (or a resumed run)
// never sees half a file. The temporary name has the pid, the thread and a random part:
// tests and worker threads write from several threads of one process.
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { threadId } from 'node:worker_threads';

function tempName(path: string): string {
  return `${path}.tmp-${process.pid}-${threadId}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Writes `data` to `path` atomically; `fsync` flushes it to disk before the rename (manifests, indexes). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, opts: { fsync?: boolean } = {}): void {
  const tmp = tempName(path);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(tmp, 'w');
  try {
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    if (opts.fsync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Asynchronous writeFileAtomicSync (without fsync). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempName(path);
  await writeFile(tmp, data);
  await rename(tmp, path);
}
