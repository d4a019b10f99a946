// Node file access for the audio reader: a ByteSource that reads at a position
// through one file handle (so a range read touches only its bytes) and counts
// what it read, and whole-file WAV decoding with errors that name the path.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import type { ByteSource } from '../../core/io/byte-source.ts';
import { AudioError } from '../../core/audio/errors.ts';
import { decodeWav, readWavRange, type DecodedAudio, type WavInfo } from '../../core/audio/wav.ts';
import { runWavHeaderParser } from '../../core/audio/wav-header.ts';

export interface FileByteSource extends ByteSource {
  /** Closes the file handle (opened lazily on first use). */
  close(): Promise<void>;
  /** Bytes returned by `read` so far. */
  bytesRead: number;
}

/** A ByteSource over a file on disk. */
export function fileSource(path: string): FileByteSource {
  let handle: Promise<FileHandle> | undefined;
  const file = () => (handle ??= open(path, 'r'));
  const source: FileByteSource = {
    name: path,
    bytesRead: 0,
    async size() {
      return (await (await file()).stat()).size;
    },
    async read(offset, length) {
      const fh = await file();
      const buf = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await fh.read(buf, filled, length - filled, offset + filled);
        if (bytesRead === 0) break; // end of file
        filled += bytesRead;
      }
      source.bytesRead += filled;
      return filled === length ? buf : buf.subarray(0, filled);
    },
    async close() {
      if (!handle) return;
      const h = handle;
      handle = undefined;
      await (await h).close();
    },
  };
  return source;
}

function fsReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'file not found';
  if (e.code === 'EISDIR') return 'is a directory, not a WAV file';
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  return `cannot read file (${e.code ?? e.message})`;
}

/** Reads and decodes a whole WAV file. */
export async function readWavFile(path: string): Promise<DecodedAudio> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new AudioError(path, fsReason(err));
  }
  return decodeWav(bytes, path);
}

/**
 * Opens `path` for reading, runs `fn` with the descriptor and the file's size, and closes it;
 * file system errors name the path (an AudioError from `fn` passes unchanged).
 */
export function withOpenFile<T>(path: string, fn: (fd: number, size: number) => T): T {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return fn(fd, fstatSync(fd).size);
  } catch (err) {
    if (err instanceof AudioError) throw err;
    throw new AudioError(path, fsReason(err));
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads `length` bytes at `position` into the start of `buf`; fewer when the file ends first. */
export function readAt(fd: number, buf: Uint8Array, position: number, length: number): Uint8Array {
  let filled = 0;
  while (filled < length) {
    const n = readSync(fd, buf, filled, length - filled, position + filled);
    if (n === 0) break; // the file shrank while being read
    filled += n;
  }
  return buf.subarray(0, filled);
}

/** The WAV header of an open file, read chunk by chunk (the audio data is not touched). */
export function readWavInfoAt(fd: number, size: number, name: string): WavInfo {
  return runWavHeaderParser(size, name, (offset, length) => readAt(fd, new Uint8Array(length), offset, length));
}

/**
 * Reads samples [floor(start·sr), floor(end·sr)) of a WAV file, touching only
 * its header and those bytes (`info` skips the header when already known).
 */
export async function readWavFileRange(path: string, startSec: number, endSec: number, info?: WavInfo): Promise<DecodedAudio> {
  const src = fileSource(path);
  try {
    return await readWavRange(src, startSec, endSec, info);
  } catch (err) {
    if (err instanceof AudioError) throw err;
    throw new AudioError(path, fsReason(err));
  } finally {
    await src.close().catch(() => undefined);
  }
}
