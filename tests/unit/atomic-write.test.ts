// Whole-file atomic writes: large data goes out in chunks (Node refuses one write over 2 GiB − 1,
// which a merged embedding set's vectors pass), and a failed write leaves no temporary file.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../helpers/paths.ts';

const fsState = vi.hoisted(() => ({ lengths: [] as number[], failAfter: Infinity }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((fd: number, buf: Uint8Array, off: number, len: number) => {
    fsState.lengths.push(len);
    if (fsState.lengths.length > fsState.failAfter) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return real.writeSync(fd, buf, off, len);
  }) as typeof real.writeSync;
  return { ...real, default: { ...real, writeSync }, writeSync };
});
const { writeFileAtomicSync } = await import('../../src/node/io/atomic-write.ts');

describe('writeFileAtomicSync', () => {
  const tmp = tempDir('saturi-atomic-');
  afterAll(() => tmp.cleanup());
  beforeEach(() => {
    fsState.lengths = [];
    fsState.failAfter = Infinity;
  });

  it('writes in chunks no larger than the limit, and the file holds every byte', () => {
    const path = join(tmp.dir, 'chunked.bin');
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
    writeFileAtomicSync(path, data, { chunkBytes: 256, fsync: true });
    expect(fsState.lengths).toEqual([256, 256, 256, 232]);
    expect(new Uint8Array(readFileSync(path))).toEqual(data);
  });

  it('a write that fails leaves the previous file as it was and no temporary file', () => {
    const path = join(tmp.dir, 'kept.txt');
    writeFileSync(path, 'previous\n');
    fsState.failAfter = 1;
    expect(() => writeFileAtomicSync(path, new Uint8Array(1000), { chunkBytes: 256 })).toThrow(/ENOSPC/);
    expect(readFileSync(path, 'utf8')).toBe('previous\n');
    expect(readdirSync(tmp.dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(existsSync(path)).toBe(true);
  });
});
