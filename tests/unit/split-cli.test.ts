// `saturi split`: balanced per class, speaker-disjoint by default, seeded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { expectCp949CsvRefused } from '../helpers/cp949-csv.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/paths.ts';
import { runSplit } from '../../src/node/pipeline/split.ts';

const { dir, cleanup } = tempDir('saturi-split-');
afterAll(cleanup);
type Row = Record<string, string>;
const readCsv = (path: string): Row[] => parse(readFileSync(path), { columns: true, bom: true }) as Row[];
const input = join(dir, 'all.csv');
const LABELS = ['Gyeongsang-do', 'Jeolla-do', 'Chungcheong-do', 'Jeju-do', 'Gangwon-do', 'Seoul_Gyeonggi-do'];

beforeAll(() => {
  const rows: Row[] = [];
  LABELS.forEach((dialect, c) => {
    // Class c has 8 + 4c speakers with 5 rows each; Jeju gets only 2 speakers (10 rows).
    const speakers = dialect === 'Jeju-do' ? 2 : 8 + 4 * c;
    for (let s = 0; s < speakers; s++) {
      for (let i = 0; i < 5; i++) {
        const name = `${dialect}-${s}-${i}.wav`;
        // Seoul rows have no speaker: each row is its own speaker.
        rows.push({ name, path: `/data/${name}`, dialect, speaker: dialect === 'Seoul_Gyeonggi-do' ? '' : `${dialect.slice(0, 2)}${s}`, duration: '3.5', source: 'x' });
      }
    }
  });
  writeFileSync(input, stringify(rows, { header: true, columns: ['name', 'path', 'dialect', 'speaker', 'duration', 'source'] }));
});

async function split(out: string, extra: string[] = []): Promise<{ train: Row[]; eval: Row[]; stdout: string }> {
  const r = await runCli(['split', '--csv', input, '--out', join(dir, out), '--per-class-train', '20', '--per-class-eval', '5', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return { train: readCsv(join(dir, out, 'train.csv')), eval: readCsv(join(dir, out, 'eval.csv')), stdout: r.stdout };
}

const speakerOf = (r: Row) => r.speaker || `row:${r.path}`;

describe('saturi split', () => {
  it('writes balanced, speaker-disjoint train/eval CSVs and prints class and speaker counts', async () => {
    const s = await split('a', ['--seed', '42']);
    for (const d of LABELS) {
      const train = s.train.filter((r) => r.dialect === d).length;
      const ev = s.eval.filter((r) => r.dialect === d).length;
      if (d === 'Jeju-do') {
        // 10 rows (fewer than 20 + 5): eval's share is 10·5/25 = 2 rows, drawn from one
        // whole speaker; the other speaker's 5 rows are all train can have.
        expect([train, ev]).toEqual([5, 2]);
      } else {
        expect([train, ev]).toEqual([20, 5]);
      }
    }
    const trainSpeakers = new Set(s.train.map(speakerOf));
    expect(s.eval.some((r) => trainSpeakers.has(speakerOf(r)))).toBe(false);
    expect(Object.keys(s.train[0]!)).toEqual(['name', 'path', 'dialect', 'speaker', 'duration', 'source']);
    expect(s.stdout).toMatch(/^class\s+available\s+train\s+eval\s+train speakers\s+eval speakers$/m);
    expect(s.stdout).toMatch(/^Gangwon-do\s+120\s+20\s+5\s+\d+\s+1$/m);
    expect(s.stdout).toMatch(/^Seoul_Gyeonggi-do\s+140\s+20\s+5\s+20\s+5$/m);
    // Seoul rows have no speaker: the count above cannot vouch for them, and the summary says so.
    expect(s.stdout).toMatch(/speakers in both train and eval: 0 \(speaker-disjoint among rows with a speaker\)/);
    expect(s.stdout).toContain('warning: 140 rows have no speaker (Seoul_Gyeonggi-do 140); each counts as a speaker of its own');
  });

  it('claims speaker-disjointness outright only when every row has a speaker', async () => {
    const rows = readCsv(input).filter((r) => r.speaker !== '');
    const known = join(dir, 'known.csv');
    writeFileSync(known, stringify(rows, { header: true }));
    const r = await runCli(['split', '--csv', known, '--out', join(dir, 'known'), '--per-class-train', '20', '--per-class-eval', '5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/speakers in both train and eval: 0 \(speaker-disjoint\)$/m);
    expect(r.stdout).not.toContain('have no speaker');
  });

  it('gives the same files for the same seed and different ones for another', async () => {
    // In-process (the command is a thin layer over runSplit): saves two process starts.
    const opts = { csv: input, perClassTrain: 20, perClassEval: 5, speakerDisjoint: true };
    await runSplit({ ...opts, outDir: join(dir, 'b'), seed: 42 });
    await runSplit({ ...opts, outDir: join(dir, 'd'), seed: 43 });
    const bytes = (d: string, f: string) => readFileSync(join(dir, d, f));
    // 'a' was written by the command line with seed 42.
    expect(bytes('b', 'train.csv').equals(bytes('a', 'train.csv'))).toBe(true);
    expect(bytes('b', 'eval.csv').equals(bytes('a', 'eval.csv'))).toBe(true);
    expect(bytes('b', 'eval.csv').equals(bytes('d', 'eval.csv'))).toBe(false);
  });

  it('draws rows freely with --no-speaker-disjoint and refuses a CSV without a dialect column', async () => {
    const s = await split('e', ['--seed', '1', '--no-speaker-disjoint']);
    expect(s.eval.filter((r) => r.dialect === 'Gyeongsang-do')).toHaveLength(5);
    expect(s.stdout).toMatch(/--no-speaker-disjoint/);
    const trainSpeakers = new Set(s.train.map(speakerOf));
    expect(s.eval.filter((r) => trainSpeakers.has(speakerOf(r))).length).toBeGreaterThan(0);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'name,path\na,b\n');
    const e = await runCli(['split', '--csv', bad, '--out', join(dir, 'x')]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/bad\.csv: missing column\(s\) dialect/);
    const m = await runCli(['split', '--csv', join(dir, 'nothere.csv'), '--out', join(dir, 'x')]);
    expect(m.code, m.stderr).toBe(2);
    expect(m.stderr).toContain(`${join(dir, 'nothere.csv')}: cannot read (ENOENT)`);
  });

  it("refuses to write over its input (split --csv data/train.csv --out data), a file as --out, and names a CSV it cannot parse", async () => {
    const data = join(dir, 'clash');
    mkdirSync(data);
    const own = join(data, 'train.csv');
    writeFileSync(own, readFileSync(input));
    const r = await runCli(['split', '--csv', own, '--out', data, '--per-class-train', '3', '--per-class-eval', '1']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`train.csv ${own} is also the input --csv`);
    expect(readFileSync(own, 'utf8')).toBe(readFileSync(input, 'utf8'));
    const f = await runCli(['split', '--csv', input, '--out', input]);
    expect(f.code, f.stderr).toBe(2);
    expect(f.stderr).toContain(`--out ${input} is a file, not a folder`);
    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, 'name,path,dialect\na,a.wav,x\n"b,b.wav,x\n');
    const b = await runCli(['split', '--csv', broken, '--out', join(dir, 'never')]);
    expect(b.code, b.stderr).toBe(2);
    expect(b.stderr).toContain(`${broken}: not a valid CSV: Quote Not Closed`);
    expect(b.stderr).not.toMatch(/\n\s+at /);
    // Saved as CP949 by a Korean Windows program: refused naming the line and byte, not read as U+FFFD paths.
    await expectCp949CsvRefused(dir, (csv) => ['split', '--csv', csv, '--out', join(dir, 'never')]);
  });

  it('replaces train.csv and eval.csv together: both come from the same run', async () => {
    const out = join(dir, 'pair');
    await split('pair', ['--seed', '5']);
    const first = readCsv(join(out, 'eval.csv'));
    const s = await split('pair', ['--seed', '6']);
    expect(s.eval).not.toEqual(first);
    expect(readdirSync(out).sort()).toEqual(['eval.csv', 'train.csv']);
  });

  it("rebases relative paths onto the output folder, so they still name the CSV's files", async () => {
    const rel = join(dir, 'rel.csv');
    const rows = readCsv(input).map((r) => ({ ...r, path: `audio/${r.name}` }));
    writeFileSync(rel, stringify(rows, { header: true, columns: ['name', 'path', 'dialect', 'speaker', 'duration', 'source'] }));
    const r = await runCli(['split', '--csv', rel, '--out', join(dir, 'rel-out'), '--per-class-train', '20', '--per-class-eval', '5', '--seed', '3']);
    expect(r.code, r.stderr).toBe(0);
    const train = readCsv(join(dir, 'rel-out', 'train.csv'));
    expect(train.length).toBeGreaterThan(0);
    for (const t of train) expect(t.path).toBe(`../audio/${t.name}`);
  });
});
