import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudoRandomBytes } from '../helpers/archives.ts';
import { runCli } from '../helpers/cli.ts';
import { startMockAihub, WRONG_KEY_MESSAGE, type MockAihub, type MockDataset } from '../helpers/mock-aihub.ts';
import { tempDir } from '../helpers/paths.ts';
import { loadAihubConfig, presetJobs } from '../../src/node/aihub/config.ts';

const KEY = 'cli-secret-KEY-8d1e0b55';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// Every dataset and filekey of configs/aihub.json, each a small file (some split into pieces).
const cfg = loadAihubConfig();
const datasets: MockDataset[] = Object.entries(cfg.datasets).map(([key, ds], di) => ({
  key,
  name: ds.name,
  files: ds.filekeys.map((fk, i) => ({
    filekey: String(fk),
    path: `${ds.folder}/01.데이터/${i % 2 === 0 ? '1.Training' : '2.Validation'}/[원천]${key}_${fk}.zip`,
    data: pseudoRandomBytes(1500 + ((di * 7 + i * 3) % 5) * 1000, fk),
  })),
}));
const fileOf = (dataset: string, filekey: string) => datasets.find((d) => d.key === dataset)!.files.find((f) => f.filekey === filekey)!;

let mock: MockAihub;
let work: { dir: string; cleanup: () => void };
beforeAll(async () => {
  mock = await startMockAihub({ apiKey: KEY, datasets, pieceSize: 2048 });
  work = tempDir('saturi-aihub-cli-');
});
afterAll(async () => {
  await mock.close();
  work.cleanup();
});

const env = () => ({ AIHUB_BASE_URL: mock.url, AIHUB_APIKEY: '' });
function expectNoKey(r: { stdout: string; stderr: string }) {
  expect(r.stdout).not.toContain(KEY);
  expect(r.stderr).not.toContain(KEY);
}

describe('saturi aihub (CLI against the mock server)', () => {
  it('list: the dataset list, and one dataset file tree as a table and as JSON', async () => {
    const all = await runCli(['aihub', 'list'], { cwd: work.dir, env: env() });
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/118\s+한국어 방언 발화\(강원도\)/);
    expect(all.stdout).toMatch(/71558\s+중·노년층/);

    const tree = await runCli(['aihub', 'list', '118', '--base-url', mock.url], { cwd: work.dir });
    expect(tree.code).toBe(0);
    expect(tree.stdout).toMatch(/37495\s+\S+ KB\s+013\.한국어_방언_발화_데이터\(강원도\)\/01\.데이터\/1\.Training\/\[원천\]118_37495\.zip/);
    const json = await runCli(['aihub', 'list', '118', '--json'], { cwd: work.dir, env: env() });
    const rows = JSON.parse(json.stdout);
    expect(rows.map((r: { filekey: string }) => r.filekey)).toEqual(['37495', '37496']);
    expect(rows[0]).toMatchObject({ name: '[원천]118_37495.zip', dir: '013.한국어_방언_발화_데이터(강원도)/01.데이터/1.Training' });
  });

  it('download --dataset --filekey with the key from the environment: files identical, key never printed', async () => {
    const out = join(work.dir, 'raw1');
    const r = await runCli(['aihub', 'download', '--dataset', '118', '--filekey', '37495,37496', '--out', out, '--retry-delay', '1'], {
      cwd: work.dir,
      env: { ...env(), AIHUB_APIKEY: KEY },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^(merged \d+ pieces into .*\n)*$/);
    expectNoKey(r);
    expect(r.stdout).toMatch(/2 of 2 filekeys complete/);
    for (const fk of ['37495', '37496']) {
      const f = fileOf('118', fk);
      expect(sha(readFileSync(join(out, f.path)))).toBe(sha(f.data));
    }
    const again = await runCli(['aihub', 'download', '--dataset', '118', '--filekey', '37495,37496', '--out', out], { cwd: work.dir, env: { ...env(), AIHUB_APIKEY: KEY } });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already downloaded/);
  });

  it('download --preset dialect with the key from ./.env, 3 at once', async () => {
    writeFileSync(join(work.dir, '.env'), `# saturi\nexport AIHUB_APIKEY="${KEY}"\n`);
    const out = join(work.dir, 'raw2');
    const before = mock.downloads().length;
    const r = await runCli(['aihub', 'download', '--preset', 'dialect', '--out', out, '--concurrency', '3', '--quiet'], { cwd: work.dir, env: env() });
    expect(r.code).toBe(0);
    expectNoKey(r);
    const jobs = presetJobs(cfg, 'dialect');
    expect(jobs).toHaveLength(12);
    expect(mock.downloads().length - before).toBe(12);
    for (const j of jobs) {
      const f = fileOf(j.dataset, j.filekey);
      expect(sha(readFileSync(join(out, f.path))), f.path).toBe(sha(f.data));
    }
    expect(existsSync(join(out, fileOf('71517', '538305').path))).toBe(false);
  });

  it('a wrong key: exit code 1, the server message, the key not printed', async () => {
    const wrong = 'WRONG-key-a77c0e9d';
    const r = await runCli(['aihub', 'download', '--dataset', '118', '--filekey', '37495', '--out', join(work.dir, 'raw3'), '--apikey', wrong], {
      cwd: work.dir,
      env: env(),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(WRONG_KEY_MESSAGE);
    expect(r.stderr).toContain('401');
    expect(r.stdout + r.stderr).not.toContain(wrong);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('refuses contradictory or missing arguments as user errors', async () => {
    const none = await runCli(['aihub', 'download', '--out', join(work.dir, 'x')], { cwd: work.dir, env: env() });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--dataset/);
    const bad = await runCli(['aihub', 'download', '--preset', 'nope'], { cwd: work.dir, env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown preset "nope".*dialect/);
    // A name every object inherits is not a preset either.
    const inherited = await runCli(['aihub', 'download', '--preset', 'constructor'], { cwd: work.dir, env: env() });
    expect(inherited.code).toBe(2);
    expect(inherited.stderr).toMatch(/unknown preset "constructor".*dialect/);
    // --out naming a file: one line naming it, before any request.
    const file = join(work.dir, 'a-file');
    writeFileSync(file, 'x');
    const onFile = await runCli(['aihub', 'download', '--dataset', '118', '--filekey', '37496', '--out', file], { cwd: work.dir, env: { ...env(), AIHUB_APIKEY: KEY } });
    expect(onFile.code).toBe(2);
    expect(onFile.stderr.trim()).toBe(`saturi: ${file}: is a file, not a folder to download into`);
  });
});
