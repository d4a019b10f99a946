// A full disk during `saturi unpack` fails the archive being extracted with a message naming the
// file being written and the reason (not "Premature close", not a corrupt archive), keeps the
// archive byte for byte, leaves no staging folder and starts no further archive. Once there is
// space, the same command extracts everything.
// The full disk is simulated: writes to files in staging folders fail with ENOSPC past a budget.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeTar, makeTarGz, makeZip, pseudoRandomBytes } from '../helpers/archives.ts';
import { tempDirsPerTest } from '../helpers/paths.ts';
import { formatOutcome, formatSummary } from '../../src/node/unpack/report.ts';
import { unpackDir } from '../../src/node/unpack/unpack-dir.ts';

const disk = vi.hoisted(() => ({ free: Infinity }));
vi.mock('node:fs/promises', async (importOriginal) =>
  (await import('../helpers/full-disk.ts')).fsWithFullDisk(await importOriginal(), disk, (p) => p.includes('.saturi-unpacking')),
);

const tmp = tempDirsPerTest('saturi-unpack-full-');
const BIG = pseudoRandomBytes(3 << 20, 5);
const SMALL = 'label';
const entries = [
  { name: '라벨/a.json', data: SMALL },
  { name: '원천/big.wav', data: BIG },
];

beforeEach(() => {
  disk.free = Infinity;
});

async function archiveBytes(kind: string): Promise<Buffer> {
  if (kind === 'zip') return makeZip(entries.map((e) => ({ ...e, method: 'store' as const })));
  return kind === 'tar' ? makeTar(entries) : makeTarGz(entries);
}

describe('unpack on a full disk', () => {
  for (const kind of ['zip', 'tar', 'tar.gz']) {
    it(`${kind}: fails naming the file and "disk full (ENOSPC)", keeps the archive, leaves nothing half-written; a rerun with space extracts it`, async () => {
      const dir = tmp();
      const bytes = await archiveBytes(kind);
      const name = `[원천]강원도_1.${kind}`;
      writeFileSync(join(dir, name), bytes);
      disk.free = 1 << 20;
      const s = await unpackDir(dir, {});
      expect(s.ok).toBe(false);
      const o = s.archives[0];
      expect(o.status).toBe('failed');
      expect(o.writeError).toBe(true);
      expect(o.reason).toMatch(/cannot write .*big\.wav: disk full \(ENOSPC\)/);
      expect(o.reason).not.toMatch(/premature close|corrupt|truncated/i);
      expect(formatOutcome(o)).toContain('archive kept');
      expect(readFileSync(join(dir, name)).equals(bytes)).toBe(true);
      expect(readdirSync(dir)).toEqual([name]);

      disk.free = Infinity;
      const again = await unpackDir(dir, {});
      expect(again.ok).toBe(true);
      expect(readFileSync(join(dir, '[원천]강원도_1', '원천/big.wav')).equals(BIG)).toBe(true);
      expect(existsSync(join(dir, name))).toBe(false);
    });
  }

  it('starts no further archive after a full disk: the rest are kept and reported as not started', async () => {
    const dir = tmp();
    const names = ['a.zip', 'b.tar', 'c.zip'];
    for (const n of names) writeFileSync(join(dir, n), await archiveBytes(n.endsWith('.zip') ? 'zip' : 'tar'));
    disk.free = 1 << 20;
    const started: string[] = [];
    const s = await unpackDir(dir, { concurrency: 1, onArchiveStart: (a) => started.push(a) });
    expect(started).toEqual([join(dir, 'a.zip')]);
    expect(s.failed).toBe(3);
    expect(s.archives[0].reason).toMatch(/disk full \(ENOSPC\)/);
    for (const o of s.archives.slice(1)) expect(o.reason).toMatch(/^not started: cannot write .*disk full \(ENOSPC\)/);
    expect(formatSummary(s)).toContain('not started');
    expect(readdirSync(dir).sort()).toEqual(names);

    disk.free = Infinity;
    const again = await unpackDir(dir, {});
    expect(again.extracted).toBe(3);
    expect(again.ok).toBe(true);
  });
});
