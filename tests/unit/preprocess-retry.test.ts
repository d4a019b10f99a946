// A recording whose WAV or label could not be read for a reason of the moment (too many open
// files, an I/O error) is reported but not marked done: its done-marker would match on the next
// run (the file did not change) and skip it for good. A file that is not there is marked done.
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runDialectTask, runElderPlanTask } from '../../src/node/pipeline/recording.ts';
import { markerPath } from '../../src/node/pipeline/done-marker.ts';
import { stemOf } from '../../src/core/dataset/paths.ts';
import type { DialectTask } from '../../src/node/pipeline/tasks.ts';
import { generateAihubCorpus } from '../helpers/aihub-corpus.ts';
import { tempDir } from '../helpers/paths.ts';

// The paths whose open() / readFile() fail, and with which errno code.
const failing = vi.hoisted(() => ({ open: new Set<string>(), readFile: new Set<string>(), code: 'EMFILE' }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const check = (which: Set<string>, path: unknown) => {
    if (!which.has(String(path))) return;
    const e = new Error(`${failing.code}: simulated failure, open '${String(path)}'`) as NodeJS.ErrnoException;
    e.code = failing.code;
    throw e;
  };
  const open = (async (path: string, ...rest: unknown[]) => {
    check(failing.open, path);
    return (fs.open as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.open;
  const readFile = (async (path: string, ...rest: unknown[]) => {
    check(failing.readFile, path);
    return (fs.readFile as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readFile;
  return { ...fs, default: { ...fs, open, readFile }, open, readFile };
});

const tmp = tempDir('saturi-preprocess-retry-');
const corpus = generateAihubCorpus(join(tmp.dir, 'corpus'), { dialectRecordingsPerRegion: 1, seoulRecordings: 0, elderSpeakersPerRegion: 0, defects: false });
const wav = corpus.expected.dialect[0]!.source;
const label = join(corpus.root, corpus.files.find((f) => f.endsWith(`/${stemOf(wav)}.json`))!);
const planted = corpus.expected.dialect.filter((s) => s.source === wav).map((s) => s.name).sort();
let n = 0;
let task: DialectTask;

beforeEach(() => {
  failing.open.clear();
  failing.readFile.clear();
  failing.code = 'EMFILE';
  task = { kind: 'dialect', wav, label, dialect: corpus.expected.dialect[0]!.dialect, outDir: join(tmp.dir, `out-${n++}`), skipFirst: true, cut: { sampleRate: 16000, minSeconds: 3 } };
});
afterAll(() => tmp.cleanup());

describe('a read that fails for a reason of the moment', () => {
  it.each([
    ['the WAV cannot be opened (EMFILE)', 'open', () => wav, 'EMFILE', 'unreadable_file'],
    ['the label cannot be read (EIO)', 'readFile', () => label, 'EIO', 'bad_label_file'],
  ] as const)('%s: reported, not marked done, and the next run cuts the recording', async (_what, call, path, code, reason) => {
    expect(planted.length).toBeGreaterThan(0);
    failing[call].add(path());
    failing.code = code;
    const first = await runDialectTask(task);
    expect(first.rows).toEqual([]);
    expect(first.rejects).toEqual([{ file: path(), item: '', reason, detail: expect.stringMatching(new RegExp(`${code}.*\\(not marked done: the next run retries it\\)$`)) }]);
    expect(existsSync(markerPath(task.outDir, stemOf(wav)))).toBe(false);

    failing[call].clear();
    const second = await runDialectTask(task);
    expect(second.reused).toBe(false);
    expect(second.rejects.filter((r) => r.reason === reason)).toEqual([]);
    expect(second.rows.map((r) => r.name).sort()).toEqual(planted);
    expect(existsSync(markerPath(task.outDir, stemOf(wav)))).toBe(true);
    // and the run after that reuses the marker
    expect((await runDialectTask(task)).reused).toBe(true);
  });

  it('an elder label read that fails for a reason of the moment says so, so the run keeps what was cut from it', async () => {
    failing.readFile.add(label);
    failing.code = 'EIO';
    const plan = await runElderPlanTask({ kind: 'elder-plan', label, speaker: 'x', minSeconds: 3 });
    expect(plan).toEqual({ segments: [], retry: true, rejects: [{ file: label, item: '', reason: 'bad_label_file', detail: 'cannot read: EIO (not marked done: the next run retries it)' }] });
    failing.code = 'ENOENT'; // gone: a verdict, nothing to keep
    expect((await runElderPlanTask({ kind: 'elder-plan', label, speaker: 'x', minSeconds: 3 })).retry).toBeUndefined();
  });

  it('an error that is not of the moment (a file too large to read) is marked done like a missing one', async () => {
    failing.readFile.add(label);
    failing.code = 'ERR_FS_FILE_TOO_LARGE';
    const r = await runDialectTask(task);
    expect(r.rejects).toEqual([{ file: label, item: '', reason: 'bad_label_file', detail: 'cannot read: ERR_FS_FILE_TOO_LARGE' }]);
    expect(existsSync(markerPath(task.outDir, stemOf(wav)))).toBe(true);
  });

  it('a WAV that is not there is a lasting reject: marked done, reused while nothing changes', async () => {
    failing.open.add(wav);
    failing.code = 'ENOENT';
    const first = await runDialectTask(task);
    expect(first.rejects).toEqual([{ file: wav, item: '', reason: 'unreadable_file', detail: expect.not.stringMatching(/retries/) }]);
    expect(existsSync(markerPath(task.outDir, stemOf(wav)))).toBe(true);
    const again = await runDialectTask(task);
    expect(again.reused).toBe(true);
    expect(readdirSync(task.outDir).filter((f) => f !== '.done')).toEqual([]);
  });
});
