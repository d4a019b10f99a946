import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corruptZipData, makeTar, makeTarGz, makeZip, pseudoRandomBytes, truncateBytes, writeZip } from '../helpers/archives.ts';
import { listFiles, tempDirsPerTest } from '../helpers/paths.ts';
import { resolveEntryPath } from '../../src/node/unpack/safe-path.ts';
import { decodeZipEntryName } from '../../src/node/unpack/zip-names.ts';
import { doneMarkerName, findArchives, moveJournalName, targetFolderFor, unpackDir } from '../../src/node/unpack/unpack-dir.ts';
import iconv from 'iconv-lite';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const tmp = tempDirsPerTest('saturi-unpack-');

describe('zip entry names', () => {
  it('decodes CP949 names without the UTF-8 flag, UTF-8 names with and without the flag, and ASCII', () => {
    const cp = iconv.encode('강원도/말뭉치_001.wav', 'cp949');
    expect(decodeZipEntryName(cp, 0, [])).toBe('강원도/말뭉치_001.wav');
    expect(decodeZipEntryName(Buffer.from('강원도/a.json', 'utf8'), 0x0800, [])).toBe('강원도/a.json');
    expect(decodeZipEntryName(Buffer.from('제주도/b.json', 'utf8'), 0, [])).toBe('제주도/b.json');
    expect(decodeZipEntryName(Buffer.from('plain/c.txt'), 0, [])).toBe('plain/c.txt');
  });
});

describe('entry path safety', () => {
  it('refuses absolute paths and .. segments, accepts nested relative names', () => {
    const root = '/data/raw/x';
    expect(resolveEntryPath(root, 'a/b.wav')).toBe('/data/raw/x/a/b.wav');
    expect(resolveEntryPath(root, './a/./b.wav')).toBe('/data/raw/x/a/b.wav');
    for (const bad of ['../evil', 'a/../../evil', '/etc/passwd', '\\evil', 'C:\\evil.txt', 'a\\..\\..\\evil', '', '.', 'a/\0b']) {
      expect(resolveEntryPath(root, bad), bad).toBeNull();
    }
  });
});

describe('unpackDir', () => {
  it('extracts a CP949-named zip into a folder named after it, verifies, writes a done-marker and deletes the archive', async () => {
    const dir = tmp();
    const sub = join(dir, '013.한국어_방언_발화_데이터(강원도)', 'Training');
    mkdirSync(sub, { recursive: true });
    const wav = pseudoRandomBytes(200_000, 7);
    const label = JSON.stringify({ id: 'x', utterance: [] });
    const archive = join(sub, '[원천]강원도_학습데이터_1.zip');
    writeZip(archive, [
      { name: '강원도/', encoding: 'cp949' },
      { name: '강원도/말뭉치_001.wav', data: wav, encoding: 'cp949' },
      { name: '강원도/말뭉치_001.json', data: label, encoding: 'cp949', method: 'store' },
      { name: '경상도/utf8_플래그.txt', data: 'flagged', encoding: 'utf8' },
      { name: '전라도/utf8_무플래그.txt', data: 'no flag', encoding: 'utf8-noflag' },
    ]);
    const summary = await unpackDir(dir, { concurrency: 2 });
    expect(summary.ok).toBe(true);
    expect(summary.extracted).toBe(1);
    const target = join(sub, '[원천]강원도_학습데이터_1');
    expect(targetFolderFor(archive)).toBe(target);
    expect(listFiles(target)).toEqual(
      [doneMarkerName(archive), '강원도/말뭉치_001.json', '강원도/말뭉치_001.wav', '경상도/utf8_플래그.txt', '전라도/utf8_무플래그.txt'].sort(),
    );
    expect(sha(readFileSync(join(target, '강원도/말뭉치_001.wav')))).toBe(sha(wav));
    expect(readFileSync(join(target, '강원도/말뭉치_001.json'), 'utf8')).toBe(label);
    expect(existsSync(archive)).toBe(false);
    const marker = JSON.parse(readFileSync(join(target, doneMarkerName(archive)), 'utf8'));
    expect(marker).toMatchObject({ archive: '[원천]강원도_학습데이터_1.zip', entries: 5, files: 4, bytes: wav.length + label.length + 7 + 7 });
  });

  it('reads a CP949 name that happens to be valid UTF-8 as CP949 when the archive writes CP949', async () => {
    const dir = tmp();
    const archive = join(dir, 'talk.zip');
    // 회화 in CP949 is C8 B8 C8 AD: two valid 2-byte UTF-8 sequences (ȸȭ); 강원도's bytes are not UTF-8.
    expect(decodeZipEntryName(iconv.encode('회화/a.txt', 'cp949'), 0, [])).toBe('ȸȭ/a.txt');
    writeZip(archive, [
      { name: '회화/a.txt', data: 'a', encoding: 'cp949' },
      { name: '강원도/b.txt', data: 'b', encoding: 'cp949' },
      { name: '전라도/utf8_무플래그.txt', data: 'c', encoding: 'utf8-noflag' },
    ]);
    const summary = await unpackDir(dir, { concurrency: 1 });
    expect(summary.ok).toBe(true);
    const target = join(dir, 'talk');
    expect(listFiles(target)).toEqual([doneMarkerName(archive), '강원도/b.txt', '전라도/utf8_무플래그.txt', '회화/a.txt'].sort());
    expect(readFileSync(join(target, '회화/a.txt'), 'utf8')).toBe('a');
  });

  it('extracts .tar, .tar.gz and .tgz (long names via pax) in parallel', async () => {
    const dir = tmp();
    const long = `${'긴폴더이름'.repeat(12)}/${'파일'.repeat(30)}.wav`;
    const data = pseudoRandomBytes(70_000, 3);
    writeFileSync(join(dir, 'a.tar'), await makeTar([{ name: './' }, { name: 'd/' }, { name: 'd/one.bin', data }, { name: long, data: 'long' }]));
    writeFileSync(join(dir, 'b.tar.gz'), await makeTarGz([{ name: 'two.txt', data: '둘' }]));
    writeFileSync(join(dir, 'c.tgz'), await makeTarGz([{ name: 'x/three.txt', data: '셋' }]));
    const summary = await unpackDir(dir, { concurrency: 3 });
    expect(summary.archives.map((o) => o.status)).toEqual(['extracted', 'extracted', 'extracted']);
    expect(sha(readFileSync(join(dir, 'a', 'd', 'one.bin')))).toBe(sha(data));
    expect(readFileSync(join(dir, 'a', long), 'utf8')).toBe('long');
    expect(readFileSync(join(dir, 'b', 'two.txt'), 'utf8')).toBe('둘');
    expect(readFileSync(join(dir, 'c', 'x', 'three.txt'), 'utf8')).toBe('셋');
    expect(await findArchives(dir)).toEqual([]);
  });

  it('refuses entries escaping the target (zip and tar), extracts the rest, keeps and reports the archive', async () => {
    const root = tmp();
    const dir = join(root, 'raw');
    mkdirSync(dir);
    writeZip(join(dir, 'evil.zip'), [
      { name: 'ok/fine.txt', data: 'fine' },
      { name: '../escaped.txt', data: 'bad' },
      { name: '/tmp/saturi-absolute-evil.txt', data: 'bad' },
      { name: '..\\..\\backslash.txt', data: 'bad' },
    ]);
    writeFileSync(join(dir, 'evil.tar'), await makeTar([{ name: 'good.txt', data: 'good' }, { name: '../../tar-escaped.txt', data: 'bad' }]));
    const summary = await unpackDir(dir, {});
    expect(summary.ok).toBe(false);
    expect(summary.incomplete).toBe(2);
    const zipOutcome = summary.archives.find((o) => o.archive.endsWith('evil.zip'))!;
    expect(zipOutcome.refused?.map((r) => r.name).sort()).toEqual(['../escaped.txt', '/tmp/saturi-absolute-evil.txt', '..\\..\\backslash.txt'].sort());
    expect(readFileSync(join(dir, 'evil', 'ok', 'fine.txt'), 'utf8')).toBe('fine');
    expect(readFileSync(join(dir, 'evil', 'good.txt'), 'utf8')).toBe('good');
    expect(existsSync(join(dir, 'escaped.txt'))).toBe(false);
    expect(existsSync(join(root, 'escaped.txt'))).toBe(false);
    expect(existsSync(join(root, 'tar-escaped.txt'))).toBe(false);
    expect(existsSync('/tmp/saturi-absolute-evil.txt')).toBe(false);
    expect(existsSync(join(dir, 'evil.zip'))).toBe(true);
    expect(existsSync(join(dir, 'evil.tar'))).toBe(true);
    expect(readdirSync(join(dir, 'evil')).filter((n) => n.startsWith('.saturi-unpacked'))).toEqual([]);
  });

  it('keeps and reports corrupt and truncated archives while the good ones are extracted', async () => {
    const dir = tmp();
    const entries = [
      { name: 'a/1.wav', data: pseudoRandomBytes(50_000, 1) },
      { name: 'a/2.wav', data: pseudoRandomBytes(50_000, 2) },
    ];
    const good = makeZip(entries);
    writeFileSync(join(dir, 'good.zip'), good);
    writeFileSync(join(dir, 'crc.zip'), corruptZipData(makeZip(entries.map((e) => ({ ...e, method: 'store' as const })))));
    writeFileSync(join(dir, 'cut.zip'), truncateBytes(good, 0.7));
    const tar = await makeTar(entries);
    writeFileSync(join(dir, 'cut-mid.tar'), truncateBytes(tar, 0.5));
    // Cut exactly after the first entry (header + 50_000 bytes padded): tar-stream alone would call this fine.
    writeFileSync(join(dir, 'cut-boundary.tar'), tar.subarray(0, 512 + Math.ceil(50_000 / 512) * 512));
    writeFileSync(join(dir, 'cut.tar.gz'), truncateBytes(await makeTarGz(entries), 0.5));
    const summary = await unpackDir(dir, { concurrency: 4 });
    expect(summary.ok).toBe(false);
    const byName = Object.fromEntries(summary.archives.map((o) => [o.archive.slice(dir.length + 1), o]));
    expect(byName['good.zip'].status).toBe('extracted');
    for (const bad of ['crc.zip', 'cut.zip', 'cut-mid.tar', 'cut-boundary.tar', 'cut.tar.gz']) {
      expect(byName[bad].status, bad).toBe('failed');
      expect(byName[bad].reason, bad).toBeTruthy();
      expect(existsSync(join(dir, bad)), bad).toBe(true);
      expect(existsSync(targetFolderFor(join(dir, bad))), bad).toBe(false);
    }
    expect(byName['crc.zip'].reason).toMatch(/CRC/);
    expect(byName['cut-boundary.tar'].reason).toMatch(/truncated/);
    expect(byName['cut-mid.tar'].reason).toMatch(/truncated|Unexpected end/i);
    expect(summary.failed).toBe(5);
    expect(sha(readFileSync(join(dir, 'good', 'a', '2.wav')))).toBe(sha(entries[1].data));
  });

  it('reruns skip finished archives (with --keep) and never re-extract them', async () => {
    const dir = tmp();
    writeZip(join(dir, 'one.zip'), [{ name: '파일.txt', data: 'one', encoding: 'cp949' }]);
    const first = await unpackDir(dir, { keep: true });
    expect(first.archives[0].status).toBe('extracted');
    expect(existsSync(join(dir, 'one.zip'))).toBe(true);
    // A changed output file shows whether a rerun extracted again.
    writeFileSync(join(dir, 'one', '파일.txt'), 'edited');
    const second = await unpackDir(dir, { keep: true });
    expect(second.archives.map((o) => o.status)).toEqual(['skipped']);
    expect(readFileSync(join(dir, 'one', '파일.txt'), 'utf8')).toBe('edited');
    const third = await unpackDir(dir, {});
    expect(third.archives.map((o) => o.status)).toEqual(['skipped']);
    expect(existsSync(join(dir, 'one.zip'))).toBe(false);
    const fourth = await unpackDir(dir, {});
    expect(fourth.archives).toEqual([]);
    expect(fourth.ok).toBe(true);
  });

  it('does not extract archives found inside an extracted folder (reruns included)', async () => {
    const dir = tmp();
    const inner = makeZip([{ name: 'deep.txt', data: 'deep' }]);
    writeZip(join(dir, 'outer.zip'), [{ name: 'inner.zip', data: inner, method: 'store' }]);
    expect((await unpackDir(dir, {})).extracted).toBe(1);
    const again = await unpackDir(dir, {});
    expect(again.archives).toEqual([]);
    expect(sha(readFileSync(join(dir, 'outer', 'inner.zip')))).toBe(sha(inner));
    expect(existsSync(join(dir, 'outer', 'inner'))).toBe(false);
  });

  it('re-extracts an archive whose previous extraction was interrupted (no marker), replacing partial output', async () => {
    const dir = tmp();
    writeZip(join(dir, 'two.zip'), [{ name: 'x/a.txt', data: 'complete' }]);
    mkdirSync(join(dir, 'two', 'x'), { recursive: true });
    writeFileSync(join(dir, 'two', 'x', 'a.txt'), 'comp');
    // The interrupted run had written its move journal: x/a.txt came from this archive.
    writeFileSync(join(dir, 'two', moveJournalName('two.zip')), JSON.stringify({ archive: 'two.zip', size: 0, files: ['x/a.txt'] }));
    mkdirSync(join(dir, 'two.zip.saturi-unpacking'));
    const s = await unpackDir(dir, {});
    expect(s.archives.map((o) => o.status)).toEqual(['extracted']);
    expect(readFileSync(join(dir, 'two', 'x', 'a.txt'), 'utf8')).toBe('complete');
    expect(existsSync(join(dir, 'two.zip.saturi-unpacking'))).toBe(false);
  });
});
