// `saturi filter`: keeps rows whose WAV opens, is mono and lasts >= 3 s,
// judged from the header; dropped rows carry their reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { makeWav } from '../helpers/aihub-corpus.ts';
import { expectCp949CsvRefused } from '../helpers/cp949-csv.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/paths.ts';

const { dir, cleanup } = tempDir('saturi-filter-');
afterAll(cleanup);
type Row = Record<string, string>;
const readCsv = (path: string): Row[] => parse(readFileSync(path), { columns: true, bom: true }) as Row[];

/** name → [file bytes | undefined for a missing file, expected reason or '' when kept]. */
const files: Record<string, [Uint8Array | undefined, string]> = {};
beforeAll(() => {
  files['long.wav'] = [makeWav({ sampleRate: 16000, seconds: 4 }), ''];
  files['exact3.wav'] = [makeWav({ sampleRate: 16000, seconds: 3 }), ''];
  files['hi-rate.wav'] = [makeWav({ sampleRate: 48000, seconds: 3.5 }), ''];
  files['float.wav'] = [makeWav({ sampleRate: 22050, seconds: 5, format: 'float32' }), ''];
  files['short.wav'] = [makeWav({ sampleRate: 16000, seconds: 2.99 }), 'too_short'];
  // 2.5 s of 48 kHz stereo is 480 000 bytes: a test on bytes or frames instead of seconds would keep it.
  files['short-big.wav'] = [makeWav({ sampleRate: 48000, seconds: 2.5, channels: 1 }), 'too_short'];
  files['stereo.wav'] = [makeWav({ sampleRate: 16000, seconds: 5, channels: 2 }), 'not_mono'];
  files['garbage.wav'] = [new TextEncoder().encode('definitely not RIFF'), 'unreadable_file'];
  files['missing.wav'] = [undefined, 'unreadable_file'];
  for (const [name, [bytes]] of Object.entries(files)) if (bytes) writeFileSync(join(dir, name), bytes);
});

function writeInput(path: string, repeat: number): Row[] {
  const rows: Row[] = [];
  const names = Object.keys(files);
  for (let i = 0; i < repeat; i++) {
    for (const name of names) rows.push({ name: `${i}-${name}`, path: join(dir, name), dialect: 'Jeju-do', speaker: `S${i % 3}`, duration: '', source: name });
  }
  writeFileSync(path, stringify(rows, { header: true, columns: ['name', 'path', 'dialect', 'speaker', 'duration', 'source'] }));
  return rows;
}

describe('saturi filter', () => {
  it('keeps mono files of at least 3 s, in input order, across many batches', async () => {
    const input = join(dir, 'in.csv');
    const rows = writeInput(input, 20); // 180 rows: several worker batches
    const r = await runCli(['filter', '--csv', input, '--out', join(dir, 'kept.csv'), '--dropped', join(dir, 'dropped.csv'), '--workers', '2']);
    expect(r.code, r.stderr).toBe(0);
    const kept = readCsv(join(dir, 'kept.csv'));
    const dropped = readCsv(join(dir, 'dropped.csv'));
    const want = rows.filter((row) => files[row.source!]![1] === '');
    expect(kept).toEqual(want);
    expect(dropped.map((d) => d.name)).toEqual(rows.filter((row) => files[row.source!]![1] !== '').map((row) => row.name));
    for (const d of dropped) expect(d.reason).toBe(files[d.source!]![1]);
    expect(dropped.find((d) => d.source === 'missing.wav')!.detail).toMatch(/not found/);
    expect(dropped.find((d) => d.source === 'stereo.wav')!.detail).toMatch(/2 channels/);
    // One sample short still reads as short: the reason gives samples, not only rounded seconds.
    expect(dropped.find((d) => d.source === 'short.wav')!.detail).toBe('47840 samples at 16000 Hz (2.990 s) < 48000 samples (3 s)');
    expect(r.stdout).toMatch(/180 rows, kept 80, dropped 100/);
    expect(r.stdout).toMatch(/too_short\s+40/);
  });

  it('honours --min-seconds and refuses a CSV without a path column', async () => {
    const input = join(dir, 'in1.csv');
    writeInput(input, 1);
    const r = await runCli(['filter', '--csv', input, '--out', join(dir, 'kept4.csv'), '--min-seconds', '4', '--workers', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(readCsv(join(dir, 'kept4.csv')).map((k) => k.source)).toEqual(['long.wav', 'float.wav']);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'name,file\na,b\n');
    const e = await runCli(['filter', '--csv', bad, '--out', join(dir, 'x.csv')]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/bad\.csv: no "path" column/);
    // A missing CSV or a folder: a clear error and exit 2, not an unhandled stream error.
    for (const [csv, code] of [[join(dir, 'nothere.csv'), 'ENOENT'], [dir, 'EISDIR']]) {
      const m = await runCli(['filter', '--csv', csv, '--out', join(dir, 'y.csv')]);
      expect(m.code, m.stderr).toBe(2);
      expect(m.stderr).toContain(`${csv}: cannot read (${code})`);
      expect(m.stderr).not.toMatch(/Unhandled 'error' event|at .*node:internal/);
    }
  });

  it('refuses, before any work, an output that is an input or the other output, a folder as --out, and names a CSV it cannot parse', async () => {
    const input = join(dir, 'in-clash.csv');
    writeInput(input, 1);
    const before = readFileSync(input, 'utf8');
    const clashes: [string[], string][] = [
      [['--out', input], `--out ${input} is also the input --csv`],
      [['--out', join(dir, 'o.csv'), '--dropped', join(dir, 'o.csv')], `--dropped ${join(dir, 'o.csv')} is also --out`],
      [['--out', join(dir, 'k.csv'), '--dropped', input], `--dropped ${input} is also the input --csv`],
      [['--out', dir], `--out: ${dir} is a folder, not a file name`],
    ];
    for (const [flags, msg] of clashes) {
      const r = await runCli(['filter', '--csv', input, ...flags, '--workers', '1']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readFileSync(input, 'utf8')).toBe(before);
    }
    expect(existsSync(join(dir, 'o.csv'))).toBe(false);
    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, 'name,path,dialect\na,a.wav,x\n"b,b.wav,x\n');
    const r = await runCli(['filter', '--csv', broken, '--out', join(dir, 'never.csv'), '--workers', '1']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${broken}: not a valid CSV: Quote Not Closed`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'never.csv'))).toBe(false);
    // Saved as CP949 by a Korean Windows program: refused naming the line and byte, not read as U+FFFD paths.
    await expectCp949CsvRefused(dir, (csv) => ['filter', '--csv', csv, '--out', join(dir, 'never.csv'), '--workers', '1']);
    expect(existsSync(join(dir, 'never.csv'))).toBe(false);
  });

  it("reads relative paths from the CSV's folder, whatever the working folder, and rebases them for the output's", async () => {
    mkdirSync(join(dir, 'rel', 'w'), { recursive: true });
    mkdirSync(join(dir, 'out'), { recursive: true });
    writeFileSync(join(dir, 'rel', 'w', 'ok.wav'), files['long.wav']![0]!);
    const input = join(dir, 'rel', 'in.csv');
    writeFileSync(input, 'name,path,dialect\nok,w/ok.wav,Jeju-do\nshort,../short.wav,Jeju-do\n');
    const r = await runCli(['filter', '--csv', relative(tmpdir(), input), '--out', join(dir, 'rel', 'kept.csv'), '--dropped', join(dir, 'out', 'dropped.csv')], { cwd: tmpdir() });
    expect(r.code, r.stderr).toBe(0);
    expect(readCsv(join(dir, 'rel', 'kept.csv')).map((k) => k.path)).toEqual(['w/ok.wav']);
    expect(readCsv(join(dir, 'out', 'dropped.csv')).map((k) => [k.path, k.reason])).toEqual([['../short.wav', 'too_short']]);
    const moved = await runCli(['filter', '--csv', input, '--out', join(dir, 'out', 'kept.csv')]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(readCsv(join(dir, 'out', 'kept.csv')).map((k) => k.path)).toEqual(['../rel/w/ok.wav']);
  });
});
