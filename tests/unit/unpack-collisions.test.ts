// Unpack never overwrites: entries of one archive that land on the same path, and files of an
// archive that would replace other data in a shared target folder (same-stem archives, the user's
// own files), fail that archive, which is kept. Reruns of the same archive still work.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTar, makeTarGz, writeZip } from '../helpers/archives.ts';
import { listFiles, tempDirsPerTest } from '../helpers/paths.ts';
import { formatOutcome } from '../../src/node/unpack/report.ts';
import { doneMarkerName, unpackDir, type ArchiveOutcome } from '../../src/node/unpack/unpack-dir.ts';

const tmp = tempDirsPerTest('saturi-unpack-collide-');

const NFC = '라벨/강원_0001.json';
const NFD = NFC.normalize('NFD');

/** One archive that must fail for colliding entries: kept, named, nothing put in its folder. */
function expectRefusedWhole(dir: string, o: ArchiveOutcome, archiveName: string, entryNames: string[]): void {
  expect(o.status).toBe('failed');
  expect(o.deleted).toBe(false);
  const line = formatOutcome(o);
  expect(line).toContain(archiveName);
  expect(o.reason).toMatch(/collide/);
  for (const n of entryNames) expect(o.reason).toContain(JSON.stringify(n));
  expect(existsSync(join(dir, archiveName))).toBe(true);
  // Nothing half-moved: no target folder, no staging folder left.
  expect(readdirSync(dir)).toEqual([archiveName]);
}

describe('unpack: entries of one archive that land on the same path', () => {
  it('zip with the same raw name twice: fails naming both entries, keeps the archive, writes nothing', async () => {
    const dir = tmp();
    writeZip(join(dir, 'dup.zip'), [
      { name: 'wav/1.wav', data: 'FIRST' },
      { name: 'wav/2.wav', data: 'other' },
      { name: 'wav/1.wav', data: 'SECOND' },
    ]);
    const s = await unpackDir(dir, {});
    expect(s.ok).toBe(false);
    expectRefusedWhole(dir, s.archives[0], 'dup.zip', ['wav/1.wav']);
    expect(s.archives[0].reason).toMatch(/entry #1 .*entry #3/);
  });

  it('zip with one name stored as CP949 (no flag) and as flagged UTF-8: fails, says how each was stored', async () => {
    const dir = tmp();
    writeZip(join(dir, 'labels.zip'), [
      { name: NFC, data: 'FIRST (cp949 name)', encoding: 'cp949' },
      { name: NFC, data: 'SECOND (utf8 name)', encoding: 'utf8' },
    ]);
    const s = await unpackDir(dir, {});
    expectRefusedWhole(dir, s.archives[0], 'labels.zip', [NFC]);
    expect(s.archives[0].reason).toMatch(/CP949/);
    expect(s.archives[0].reason).toMatch(/UTF-8 flag/);
  });

  it('zip with the NFD and NFC forms of one Hangul name: fails (preprocessing reads both as one name)', async () => {
    const dir = tmp();
    writeZip(join(dir, 'mac.zip'), [
      { name: NFD, data: 'NFD copy' },
      { name: NFC, data: 'NFC copy' },
    ]);
    const s = await unpackDir(dir, {});
    expectRefusedWhole(dir, s.archives[0], 'mac.zip', [NFD, NFC]);
    expect(s.archives[0].reason).toMatch(/NFD/);
  });

  it('zip with a file where another entry needs a folder: fails naming both', async () => {
    const dir = tmp();
    writeZip(join(dir, 'clash.zip'), [
      { name: 'a', data: 'a file' },
      { name: 'a/b.txt', data: 'under a folder a' },
    ]);
    const s = await unpackDir(dir, {});
    expectRefusedWhole(dir, s.archives[0], 'clash.zip', ['a', 'a/b.txt']);
  });

  it('tar and tar.gz with a duplicate entry, or NFD vs NFC names: fail, kept, nothing written', async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'dup.tar'),
      await makeTar([
        { name: 'x/1.txt', data: 'FIRST' },
        { name: 'x/1.txt', data: 'SECOND' },
      ]),
    );
    writeFileSync(
      join(dir, 'nfd.tar.gz'),
      await makeTarGz([
        { name: NFC, data: 'NFC copy' },
        { name: NFD, data: 'NFD copy' },
      ]),
    );
    const s = await unpackDir(dir, { concurrency: 1 });
    const by = Object.fromEntries(s.archives.map((o) => [o.archive.split('/').pop()!, o]));
    for (const [name, entries] of [
      ['dup.tar', ['x/1.txt']],
      ['nfd.tar.gz', [NFC, NFD]],
    ] as const) {
      const o = by[name];
      expect(o.status, name).toBe('failed');
      expect(formatOutcome(o)).toContain(name);
      for (const n of entries) expect(o.reason).toContain(JSON.stringify(n));
      expect(existsSync(join(dir, name))).toBe(true);
    }
    expect(readdirSync(dir).sort()).toEqual(['dup.tar', 'nfd.tar.gz']);
  });
});

describe('unpack: archives whose files would replace other data in the target folder', () => {
  it('x.zip and x.tar.gz (same target x/) with a same-named entry of different content: one extracted, the other kept and named', async () => {
    for (const concurrency of [1, 4]) {
      const dir = tmp();
      writeZip(join(dir, 'x.zip'), [
        { name: 'wav/1.wav', data: 'FROM ZIP' },
        { name: 'wav/zip-only.wav', data: 'zip only' },
      ]);
      writeFileSync(
        join(dir, 'x.tar.gz'),
        await makeTarGz([
          { name: 'wav/1.wav', data: 'FROM TGZ' },
          { name: 'wav/tgz-only.wav', data: 'tgz only' },
        ]),
      );
      const s = await unpackDir(dir, { concurrency });
      expect(s.archives.map((o) => o.status).sort(), `concurrency ${concurrency}`).toEqual(['extracted', 'failed']);
      const won = s.archives.find((o) => o.status === 'extracted')!;
      const lost = s.archives.find((o) => o.status === 'failed')!;
      const wonName = won.archive.endsWith('.zip') ? 'x.zip' : 'x.tar.gz';
      const lostName = wonName === 'x.zip' ? 'x.tar.gz' : 'x.zip';
      // The first archive's file is intact; the second one overwrote nothing and added nothing.
      expect(readFileSync(join(dir, 'x', 'wav', '1.wav'), 'utf8')).toBe(wonName === 'x.zip' ? 'FROM ZIP' : 'FROM TGZ');
      expect(existsSync(join(dir, 'x', 'wav', wonName === 'x.zip' ? 'tgz-only.wav' : 'zip-only.wav'))).toBe(false);
      // Both paths are named: the entry in the archive and the file in the target.
      expect(formatOutcome(lost)).toContain(lostName);
      expect(lost.reason).toContain('"wav/1.wav"');
      expect(lost.reason).toContain(JSON.stringify(join(dir, 'x', 'wav', '1.wav')));
      expect(lost.reason).toContain(wonName);
      expect(lost.deleted).toBe(false);
      expect(existsSync(join(dir, lostName))).toBe(true);
      expect(existsSync(join(dir, wonName))).toBe(false);
      expect(existsSync(join(dir, `${lostName}.saturi-unpacking`))).toBe(false);
    }
  });

  it("a user's own file in the target with different content is kept and reported; the archive is kept", async () => {
    const dir = tmp();
    writeZip(join(dir, 'data.zip'), [{ name: 'notes.txt', data: 'from the archive' }]);
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'notes.txt'), 'my own notes');
    const s = await unpackDir(dir, {});
    expect(s.archives[0].status).toBe('failed');
    expect(s.archives[0].reason).toContain(JSON.stringify(join(dir, 'data', 'notes.txt')));
    expect(s.archives[0].reason).toContain('"notes.txt"');
    expect(readFileSync(join(dir, 'data', 'notes.txt'), 'utf8')).toBe('my own notes');
    expect(existsSync(join(dir, 'data.zip'))).toBe(true);
  });

  it('same-stem archives sharing a file with identical bytes both extract (the file is already in place)', async () => {
    const dir = tmp();
    writeZip(join(dir, 'y.zip'), [
      { name: 'README.txt', data: 'same readme' },
      { name: 'a.wav', data: 'A' },
    ]);
    writeFileSync(
      join(dir, 'y.tar'),
      await makeTar([
        { name: 'README.txt', data: 'same readme' },
        { name: 'b.wav', data: 'B' },
      ]),
    );
    const s = await unpackDir(dir, {});
    expect(s.archives.map((o) => o.status)).toEqual(['extracted', 'extracted']);
    expect(listFiles(join(dir, 'y'))).toEqual([doneMarkerName('y.tar'), doneMarkerName('y.zip'), 'README.txt', 'a.wav', 'b.wav'].sort());
    expect(readFileSync(join(dir, 'y', 'README.txt'), 'utf8')).toBe('same readme');
  });
});

describe('unpack: reruns of the same archive', () => {
  it('a rerun after a run that moved part of the files (complete files, no journal) extracts and deletes the archive', async () => {
    const dir = tmp();
    writeZip(join(dir, 'r.zip'), [
      { name: 'a/1.txt', data: 'one' },
      { name: 'b/2.txt', data: 'two' },
    ]);
    mkdirSync(join(dir, 'r', 'a'), { recursive: true });
    writeFileSync(join(dir, 'r', 'a', '1.txt'), 'one');
    mkdirSync(join(dir, 'r.zip.saturi-unpacking', 'b'), { recursive: true });
    const s = await unpackDir(dir, {});
    expect(s.archives.map((o) => o.status)).toEqual(['extracted']);
    expect(readFileSync(join(dir, 'r', 'b', '2.txt'), 'utf8')).toBe('two');
    expect(existsSync(join(dir, 'r.zip'))).toBe(false);
    expect(readdirSync(join(dir, 'r')).filter((n) => n.startsWith('.saturi-moving-'))).toEqual([]);
  });

  it('an incomplete archive (refused entries) can be rerun: its own earlier output is replaced, not a conflict', async () => {
    const dir = tmp();
    writeZip(join(dir, 'inc.zip'), [
      { name: 'ok.txt', data: 'fine' },
      { name: '../escape.txt', data: 'refused' },
    ]);
    const first = await unpackDir(dir, {});
    expect(first.archives[0].status).toBe('incomplete');
    const second = await unpackDir(dir, {});
    expect(second.archives[0].status).toBe('incomplete');
    expect(readFileSync(join(dir, 'inc', 'ok.txt'), 'utf8')).toBe('fine');
    expect(existsSync(join(dir, 'inc.zip'))).toBe(true);
    // A corrected archive under the same name replaces what the earlier runs of it put there.
    writeZip(join(dir, 'inc.zip'), [{ name: 'ok.txt', data: 'fixed' }]);
    const third = await unpackDir(dir, {});
    expect(third.archives[0].status).toBe('extracted');
    expect(readFileSync(join(dir, 'inc', 'ok.txt'), 'utf8')).toBe('fixed');
    expect(existsSync(join(dir, 'inc.zip'))).toBe(false);
  });

  it('the same archive rerun with --keep and then without stays clean (skipped, then deleted)', async () => {
    const dir = tmp();
    writeZip(join(dir, 'k.zip'), [{ name: '파일.txt', data: 'k', encoding: 'cp949' }]);
    expect((await unpackDir(dir, { keep: true })).archives[0].status).toBe('extracted');
    expect((await unpackDir(dir, { keep: true })).archives[0].status).toBe('skipped');
    const last = await unpackDir(dir, {});
    expect(last.archives[0].status).toBe('skipped');
    expect(existsSync(join(dir, 'k.zip'))).toBe(false);
    expect(readFileSync(join(dir, 'k', '파일.txt'), 'utf8')).toBe('k');
  });
});
