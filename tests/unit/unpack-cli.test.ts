import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { corruptZipData, makeZip, writeZip } from '../helpers/archives.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/paths.ts';

let cleanup: (() => void) | null = null;
afterEach(() => cleanup?.());

describe('saturi unpack (CLI)', () => {
  it('extracts good archives, keeps and names the corrupt one with its reason, exits non-zero with a summary', async () => {
    const t = tempDir('saturi-unpack-cli-');
    cleanup = t.cleanup;
    writeZip(join(t.dir, '[라벨]강원도_학습데이터_1.zip'), [{ name: '강원도/말뭉치_001.json', data: '{"a":1}', encoding: 'cp949' }]);
    writeFileSync(join(t.dir, 'broken.zip'), corruptZipData(makeZip([{ name: 'x.bin', data: 'x'.repeat(4000), method: 'store' }])));
    const r = await runCli(['unpack', t.dir, '--concurrency', '2'], { cwd: t.dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED .*broken\.zip: .*CRC-32 mismatch.*\(archive kept\)/);
    expect(r.stdout).toMatch(/1 extracted, 0 already done, 1 failed/);
    expect(readFileSync(join(t.dir, '[라벨]강원도_학습데이터_1', '강원도', '말뭉치_001.json'), 'utf8')).toBe('{"a":1}');
    expect(existsSync(join(t.dir, '[라벨]강원도_학습데이터_1.zip'))).toBe(false);
    expect(existsSync(join(t.dir, 'broken.zip'))).toBe(true);

    const again = await runCli(['unpack', t.dir, '--json'], { cwd: t.dir });
    expect(again.code).toBe(1);
    const summary = JSON.parse(again.stdout);
    expect(summary.archives).toHaveLength(1);
    expect(summary.archives[0]).toMatchObject({ status: 'failed', deleted: false });
  });

  it('exits 0 when everything extracted; --keep keeps the archive; a missing folder is a user error', async () => {
    const t = tempDir('saturi-unpack-cli-');
    cleanup = t.cleanup;
    writeZip(join(t.dir, 'a.zip'), [{ name: '제주도/b.txt', data: 'b', encoding: 'cp949' }]);
    const r = await runCli(['unpack', t.dir, '--keep'], { cwd: t.dir });
    expect(r.code).toBe(0);
    expect(existsSync(join(t.dir, 'a.zip'))).toBe(true);
    expect(readFileSync(join(t.dir, 'a', '제주도', 'b.txt'), 'utf8')).toBe('b');
    const missing = await runCli(['unpack', join(t.dir, 'nope')], { cwd: t.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/not a folder/);
  });

  it('follows symbolic links to archives and folders (data kept on another disk), each real folder once', async () => {
    const t = tempDir('saturi-unpack-cli-');
    cleanup = t.cleanup;
    const data = join(t.dir, 'data');
    const disk = join(t.dir, 'other-disk');
    mkdirSync(join(disk, 'set'), { recursive: true });
    mkdirSync(data);
    writeZip(join(disk, 'a.zip'), [{ name: '제주도/a.txt', data: 'a', encoding: 'cp949' }]);
    writeZip(join(disk, 'set', 'c.zip'), [{ name: '강원도/c.txt', data: 'c', encoding: 'cp949' }]);
    symlinkSync(join(disk, 'a.zip'), join(data, 'linked.zip'));
    symlinkSync(join(disk, 'set'), join(data, 'set'));
    // A link back up the tree must not make the walk loop or list an archive twice.
    symlinkSync(data, join(disk, 'set', 'loop'));
    const r = await runCli(['unpack', data, '--json'], { cwd: t.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { archives: { status: string }[] };
    expect(summary.archives.map((a) => a.status)).toEqual(['extracted', 'extracted']);
    expect(readFileSync(join(data, 'linked', '제주도', 'a.txt'), 'utf8')).toBe('a');
    expect(readFileSync(join(disk, 'set', 'c', '강원도', 'c.txt'), 'utf8')).toBe('c');
    // Removing an extracted archive removes the link, never the file on the other disk.
    expect(existsSync(join(disk, 'a.zip'))).toBe(true);
    expect(() => lstatSync(join(data, 'linked.zip'))).toThrow();
  });
});
