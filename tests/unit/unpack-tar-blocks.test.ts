import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { makeTar, pseudoRandomBytes } from '../helpers/archives.ts';
import { syntheticFileHeader, TarBlockTracker, TarFormatError, tarHeaderChecksumOk } from '../../src/node/unpack/tar-blocks.ts';

async function track(bytes: Buffer, chunk = 700): Promise<TarBlockTracker> {
  const tracker = new TarBlockTracker();
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  const sink = new (await import('node:stream')).Writable({ write: (_c, _e, cb) => cb() });
  await pipeline(Readable.from(parts), tracker, sink);
  return tracker;
}

describe('TarBlockTracker', () => {
  it('finds every entry (pax long names included) with offsets that point at its data', async () => {
    const a = pseudoRandomBytes(1000, 1);
    const b = pseudoRandomBytes(5000, 2);
    const longName = `${'가나다라'.repeat(20)}/b.bin`;
    const tar = await makeTar([{ name: 'dir/' }, { name: 'dir/a.bin', data: a }, { name: longName, data: b }]);
    const t = await track(tar);
    expect(t.sawEnd).toBe(true);
    expect(t.records.map((r) => r.type)).toEqual(['5', '0', '0']);
    const [dir, ra, rb] = t.records;
    expect(dir.start).toBe(0);
    expect(ra.start).toBe(dir.end);
    expect(rb.start).toBe(ra.end);
    // The long name needs a pax header in front of the entry: start is before the entry's own header.
    expect(rb.dataStart - rb.start).toBeGreaterThan(512);
    expect(Buffer.compare(tar.subarray(ra.dataStart, ra.dataStart + ra.size), a)).toBe(0);
    expect(Buffer.compare(tar.subarray(rb.dataStart, rb.dataStart + rb.size), b)).toBe(0);
    expect(rb.end % 512).toBe(0);
  });

  it('reports bytes that are not a tar header, with a text preview', async () => {
    const text = Buffer.from('<html>승인 기간이 만료되었습니다</html>'.padEnd(600, ' '));
    await expect(track(text)).rejects.toSatisfy((e: unknown) => e instanceof TarFormatError && e.offset === 0 && e.preview.includes('승인 기간'));
  });

  it('synthetic resume headers are valid ustar headers that tar-stream reads (octal and base-256 sizes)', async () => {
    for (const size of [0, 1536, 9 * 1024 ** 3]) {
      const h = syntheticFileHeader(size);
      expect(tarHeaderChecksumOk(h)).toBe(true);
      const ex = tarExtract();
      const got = new Promise<number | undefined>((resolve, reject) => {
        ex.on('entry', (header, stream) => {
          resolve(header.size);
          stream.destroy();
          ex.destroy();
        });
        ex.on('error', reject);
      });
      ex.write(Buffer.concat([h, Buffer.alloc(size === 0 ? 1024 : 512)]));
      expect(await got).toBe(size);
    }
  });
});
