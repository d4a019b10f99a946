// The app's file reading before decoding (src/browser/services/audio.ts): a file past what the
// browser reads into one buffer, or one that cannot be read, is an error naming it, not the
// browser's "could not be read, typically due to permission problems"; in a batch it is that
// file's error alone.
import { describe, expect, it } from 'vitest';
import { decodeManyTo16k, decodeTo16k, DecodeError, MAX_DECODE_BYTES } from '../../src/browser/services/audio.ts';

/** A file of `size` bytes whose contents are never read (the check comes first). */
const hugeFile = (size: number) => ({ size, arrayBuffer: () => Promise.reject(new Error('read past the limit')) }) as unknown as Blob;
const unreadable = { size: 10, arrayBuffer: () => Promise.reject(new DOMException('The requested file could not be read', 'NotReadableError')) } as unknown as Blob;

describe('reading a file to decode', () => {
  it('refuses a file over the limit by name and size, before reading it', async () => {
    await expect(decodeTo16k(hugeFile(2.5e9), 'concert.mp3')).rejects.toThrow(/^concert\.mp3: .*2\.5 GB.*2\.1 GB.*saturi clip/); // in the page's language
    await expect(decodeTo16k(hugeFile(2.5e9), 'concert.mp3')).rejects.toBeInstanceOf(DecodeError);
    expect(MAX_DECODE_BYTES).toBe(2 ** 31 - 1);
  });

  it('a file that cannot be read is its own error in a batch', async () => {
    const out = await decodeManyTo16k([
      { blob: unreadable, name: 'gone.wav' },
      { blob: hugeFile(3e9), name: 'huge.wav' },
    ]);
    expect(out.map((r) => (r as Error).message)).toEqual([
      expect.stringMatching(/^gone\.wav: .*\(The requested file could not be read\)$/),
      expect.stringMatching(/^huge\.wav: .*3\.0 GB/),
    ]);
  });
});
