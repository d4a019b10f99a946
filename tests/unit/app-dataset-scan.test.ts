// Pure parts of the app: reading a dataset folder's CSVs into embedding-job
// items, folder path handling, and what 'auto' encoder settings resolve to.
import { describe, expect, it } from 'vitest';
import { resumableJob, scanFolder } from '../../src/browser/services/dataset-scan.ts';
import { folderFromFiles, normalise } from '../../src/browser/services/folder.ts';
import { DEFAULT_SETTINGS, resolveEncoder } from '../../src/browser/services/settings.ts';

function fileAt(path: string, text = 'x'): File {
  const f = new File([text], path.split('/').pop()!);
  Object.defineProperty(f, 'webkitRelativePath', { value: path });
  return f;
}

describe('which unfinished job a scanned folder resumes', () => {
  const csv = (rows: string) => fileAt('corpus/train.csv', `name,path,dialect\n${rows}`);
  const files = [fileAt('corpus/wav/a.wav'), fileAt('corpus/wav/b.wav')];
  const scan = async (rows: string) => (await scanFolder(folderFromFiles([...files, csv(rows)]))).items;

  it('the same folder with the same rows resumes; an edited one of the same size does not', async () => {
    const items = await scan('a.wav,wav/a.wav,Jeju-do\nb.wav,wav/b.wav,Jeju-do\n');
    const job = { setId: 's1', status: 'paused', folderName: 'corpus', items };
    const any = () => true;
    expect(resumableJob([job], 'corpus', await scan('b.wav,wav/b.wav,Jeju-do\na.wav,wav/a.wav,Jeju-do\n'), any)).toBe(job); // order free
    // A label corrected since: same count of rows, another set.
    expect(resumableJob([job], 'corpus', await scan('a.wav,wav/a.wav,Jeju-do\nb.wav,wav/b.wav,Gangwon-do\n'), any)).toBeUndefined();
    expect(resumableJob([job], 'other', items, any)).toBeUndefined();
    expect(resumableJob([{ ...job, status: 'done' }], 'corpus', items, any)).toBeUndefined();
    expect(resumableJob([job], 'corpus', items, () => false)).toBeUndefined();
  });
});

describe('dataset folder scan', () => {
  it('reads name,path,dialect[,split] rows with paths relative to the CSV, and says why rows are skipped', async () => {
    const folder = folderFromFiles([
      fileAt('corpus/wav/a.wav'),
      fileAt('corpus/wav/b.wav'),
      fileAt('corpus/sub/c.wav'),
      fileAt('corpus/train.csv', 'name,path,dialect\na.wav,wav/a.wav,Jeju-do\nb.wav,wav/b.wav,Mars\nz.wav,wav/z.wav,Jeju-do\n'),
      fileAt('corpus/sub/rows.csv', '\ufeffname,path,dialect,split,speaker\nc.wav,./c.wav,Gangwon-do,test,s1\nc.wav,c.wav,Gangwon-do,test,s1\n'),
    ]);
    expect(folder.name).toBe('corpus');
    const scan = await scanFolder(folder);
    expect(scan.embeddingSets).toEqual([]);
    expect(scan.items).toEqual([
      { id: 'test/c.wav', name: 'c.wav', path: 'sub/c.wav', dialect: 'Gangwon-do', split: 'test', speaker: 's1' },
      { id: 'train/a.wav', name: 'a.wav', path: 'wav/a.wav', dialect: 'Jeju-do', split: 'train' },
    ]);
    expect(scan.counts).toEqual({ 'Gangwon-do': 1, 'Jeju-do': 1 });
    expect(scan.problems).toEqual([
      'sub/rows.csv:3: duplicate row c.wav',
      'train.csv:3: unknown dialect "Mars"',
      'train.csv:4: wav/z.wav is not in the folder',
    ]);
  });

  it('rejects a CSV without the required columns and recognises an embedding-set folder', async () => {
    const bad = await scanFolder(folderFromFiles([fileAt('d/x.csv', 'file,label\na,b\n')]));
    expect(bad.items).toEqual([]);
    expect(bad.problems).toEqual(['x.csv: needs the columns name, path, dialect']);
    const set = await scanFolder(folderFromFiles([fileAt('d/emb/manifest.json'), fileAt('d/emb/vectors.f32'), fileAt('d/emb/index.jsonl')]));
    expect(set.embeddingSets).toEqual([{ dir: 'emb' }]);
    // A folder of sets (the CLI's embeddings/ with train/ and test/): all of them, not the first.
    const sets = await scanFolder(folderFromFiles(['train', 'test'].flatMap((n) => ['manifest.json', 'vectors.f32', 'index.jsonl'].map((f) => fileAt(`embeddings/${n}/${f}`)))));
    expect(sets.embeddingSets.map((x) => x.dir).sort()).toEqual(['test', 'train']);
  });

  it("opens the CLI's CSVs: absolute paths are found in the picked folder by their end; the split is read from the name's words", async () => {
    const folder = folderFromFiles([
      fileAt('data/segments/dialect/Jeju-do/a_0.wav'),
      fileAt('data/segments/dialect/Jeju-do/b_0.wav'),
      fileAt('data/raw/009.seoul/wav/s1.wav'),
      // preprocess + split write absolute paths, from wherever the data was on that machine
      fileAt('data/train.csv', 'name,path,dialect\na_0.wav,/home/me/data/segments/dialect/Jeju-do/a_0.wav,Jeju-do\ns1.wav,/home/me/data/raw/009.seoul/wav/s1.wav,Seoul_Gyeonggi-do\nz.wav,/home/me/data/segments/z.wav,Jeju-do\n'),
      fileAt('data/latest.csv', 'name,path,dialect\nw.wav,C:\\data\\segments\\dialect\\Jeju-do\\b_0.wav,Jeju-do\n'),
    ]);
    const scan = await scanFolder(folder);
    expect(scan.items.map((i) => [i.name, i.path, i.split])).toEqual([
      ['a_0.wav', 'segments/dialect/Jeju-do/a_0.wav', 'train'],
      ['s1.wav', 'raw/009.seoul/wav/s1.wav', 'train'],
      ['w.wav', 'segments/dialect/Jeju-do/b_0.wav', 'train'], // latest.csv: no split word in its name (not "test")
    ]);
    expect(scan.problems).toEqual(['train.csv:4: /home/me/data/segments/z.wav is not in the folder']);
  });

  it("reads each recording of the CLI's data folder once, in its split; the lists of left-out rows are not read", async () => {
    const wavs = ['a', 'b', 'c', 'd', 'e'].map((n) => `segments/${n}.wav`);
    const row = (n: string, dialect = 'Jeju-do') => `${n}.wav,segments/${n}.wav,${dialect}`;
    const folder = folderFromFiles([
      ...wavs.map((w) => fileAt(`data/${w}`)),
      // preprocess and filter: every kept recording, unsplit
      fileAt('data/dialect.csv', `name,path,dialect,speaker\n${row('a')},s1\n${row('b')},s2\n${row('c')},s3\n${row('d')},s4\n`),
      fileAt('data/all.csv', `name,path,dialect\n${row('a')}\n${row('b')}\n${row('c', 'Gangwon-do')}\n`),
      // filtered out: must not come back
      fileAt('data/dropped.csv', `name,path,dialect,reason,detail\n${row('e')},silent,\n`),
      fileAt('data/segments/rejects.csv', 'file,item,reason,detail\nx.wav,1,too_short,\n'),
      // split
      fileAt('data/train.csv', `name,path,dialect\n${row('a')}\n${row('c')}\n`),
      fileAt('data/eval.csv', `name,path,dialect\n${row('b')}\n`),
    ]);
    const scan = await scanFolder(folder);
    expect(scan.items.map((i) => [i.path, i.split])).toEqual([
      ['segments/b.wav', 'eval'],
      ['segments/a.wav', 'train'],
      ['segments/c.wav', 'train'],
      ['segments/d.wav', 'train'], // in no split CSV: read from dialect.csv
    ]);
    expect(scan.problems).toEqual([
      'dropped.csv: a list of left-out rows (it has a reason column), not read',
      'segments/rejects.csv: a list of left-out rows (it has a reason column), not read',
      'all.csv:4: segments/c.wav is Gangwon-do here but Jeju-do in train.csv; train.csv is kept',
      'all.csv: 2 rows already read from train.csv, eval.csv, not read again',
      'dialect.csv: 3 rows already read from train.csv, eval.csv, not read again',
    ]);
    expect(scan.items.find((i) => i.path === 'segments/d.wav')?.speaker).toBe('s4');
  });

  it('normalises relative paths', () => {
    expect(normalise('./a/b/../c.wav')).toBe('a/c.wav');
    expect(normalise('a\\b\\c.wav')).toBe('a/b/c.wav');
    expect(normalise('/x//y.wav')).toBe('x/y.wav');
  });
});

describe('encoder settings', () => {
  it("'auto' is fp16 on WebGPU with shader-f16, 8-bit on WASM otherwise; explicit choices pass through", () => {
    const s = DEFAULT_SETTINGS;
    expect(resolveEncoder(s, { webgpu: true, shaderF16: true })).toEqual({ dtype: 'fp16', backend: 'auto' });
    expect(resolveEncoder(s, { webgpu: true, shaderF16: false })).toEqual({ dtype: 'q8', backend: 'wasm' });
    expect(resolveEncoder(s, { webgpu: false, shaderF16: false })).toEqual({ dtype: 'q8', backend: 'wasm' });
    expect(resolveEncoder({ ...s, backend: 'webgpu' }, { webgpu: true, shaderF16: false })).toEqual({ dtype: 'fp32', backend: 'webgpu' });
    expect(resolveEncoder({ ...s, backend: 'wasm' }, { webgpu: true, shaderF16: true })).toEqual({ dtype: 'q8', backend: 'wasm' });
    expect(resolveEncoder({ ...s, dtype: 'fp32', backend: 'webgpu' }, { webgpu: true, shaderF16: true })).toEqual({ dtype: 'fp32', backend: 'webgpu' });
  });
});
