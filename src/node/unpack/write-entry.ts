import { open } from 'node:fs/promises';

/**
 * Writes an archive entry's byte stream to `path` and returns the byte count. Iterates the stream
 * instead of using stream.pipeline: tar-stream entries are streamx streams, and a pipeline over
 * one that errors (tar cut mid-entry) never settles, while its async iterator rejects cleanly.
 */
export async function writeEntryTo(entry: AsyncIterable<Buffer>, path: string, flags: 'w' | 'a' = 'w'): Promise<number> {
  const fh = await open(path, flags);
  let bytes = 0;
  try {
    for await (const chunk of entry) {
      let off = 0;
      while (off < chunk.length) {
        const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
        off += bytesWritten;
      }
      bytes += chunk.length;
    }
  } finally {
    await fh.close();
  }
  return bytes;
}
