import { open } from 'node:fs/promises';

const BATCH_BYTES = 1 << 20;

/**
 * Writes an archive entry's byte stream to `path` and returns the byte count. Iterates the stream
 * instead of using stream.pipeline: tar-stream entries are streamx streams, and a pipeline over
 * one that errors (tar cut mid-entry) never settles, while its async iterator rejects cleanly.
 * Chunks (16 KiB from tar-stream) are gathered into ~1 MiB writev calls: one syscall per chunk
 * was the bottleneck for multi-GB entries. `wx` (unpack's staging files) fails with EEXIST
 * instead of overwriting a file that is already there.
 */
export async function writeEntryTo(entry: AsyncIterable<Buffer>, path: string, flags: 'w' | 'a' | 'wx' = 'w'): Promise<number> {
  const fh = await open(path, flags);
  let bytes = 0;
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const flush = async () => {
    let pending = batch;
    batch = [];
    batchBytes = 0;
    while (pending.length > 0) {
      let { bytesWritten } = await fh.writev(pending);
      // Short write: drop what was written and go on with the rest.
      const rest: Buffer[] = [];
      for (const b of pending) {
        if (bytesWritten >= b.length) bytesWritten -= b.length;
        else {
          rest.push(bytesWritten > 0 ? b.subarray(bytesWritten) : b);
          bytesWritten = 0;
        }
      }
      pending = rest;
    }
  };
  try {
    try {
      for await (const chunk of entry) {
        batch.push(chunk);
        batchBytes += chunk.length;
        bytes += chunk.length;
        if (batchBytes >= BATCH_BYTES) await flush();
      }
    } finally {
      // Also on error: what arrived before a dropped connection is kept for the resume.
      await flush();
    }
  } finally {
    await fh.close();
  }
  return bytes;
}
