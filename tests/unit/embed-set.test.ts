import { describe, expect, it } from 'vitest';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  EmbeddingSetError,
  createManifest,
  decodeEmbeddingSetFiles,
  encodeEmbeddingSetFiles,
  encoderMismatch,
  mergeEmbeddingSets,
  parseIndex,
  parseManifest,
  serializeManifest,
  vectorsFromBytes,
  vectorsToBytes,
  type EmbeddingIndexRow,
  type EmbeddingManifest,
} from '../../src/core/encoder/embedding-set.ts';
import { EmbeddingSetAppender, mergeEmbeddingSetDirs, readEmbeddingSet, readVectorsFile, writeEmbeddingSet } from '../../src/node/embeddings/io.ts';
import { LABEL_NAMES } from '../../src/core/config/labels.ts';
import { tempDir } from '../helpers/paths.ts';

const featureConfig = { feature_size: 80, num_mel_bins: 80, sampling_rate: 16000, stride: 2, padding_value: 1 };

function manifest(dim = 4, extra: Partial<EmbeddingManifest> = {}): EmbeddingManifest {
  return {
    ...createManifest({ encoder: { id: 'Xenova/w2v-bert-2.0', revision: 'main' }, dtype: 'q8', dim, feature_config: featureConfig, max_length_seconds: 20, labels: [...LABEL_NAMES] }),
    ...extra,
  };
}

function rows(n: number, prefix = 'seg'): EmbeddingIndexRow[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    name: `${prefix}-${i}.wav`,
    path: `audio/${prefix}-${i}.wav`,
    dialect: LABEL_NAMES[i % LABEL_NAMES.length]!,
    split: 'train',
    duration: 1.5 + i,
    ...(i % 2 ? { speaker: `spk${i}` } : {}),
  }));
}

function vectors(n: number, dim: number, offset = 0): Float32Array {
  const v = new Float32Array(n * dim);
  for (let i = 0; i < v.length; i++) v[i] = Math.sin(i + offset) * 3.25;
  return v;
}

describe('embedding set format', () => {
  it('round-trips manifest, index and vectors through the file encoding', () => {
    const m = { ...manifest(3), count: 5 };
    const set = { manifest: m, vectors: vectors(5, 3), rows: rows(5) };
    const files = encodeEmbeddingSetFiles(set);
    expect(files['vectors.f32']!.byteLength).toBe(5 * 3 * 4);
    // little-endian on disk regardless of platform
    const dv = new DataView(files['vectors.f32']!.buffer, files['vectors.f32']!.byteOffset);
    expect(dv.getFloat32(4, true)).toBe(set.vectors[1]);
    const back = decodeEmbeddingSetFiles(files);
    expect(back.manifest).toEqual(m);
    expect(back.rows).toEqual(set.rows);
    expect(Array.from(back.vectors)).toEqual(Array.from(set.vectors));
    expect(back.rows[0]!.speaker).toBeUndefined();
    expect(back.rows[1]!.speaker).toBe('spk1');
  });

  it('rejects bad manifests naming the key', () => {
    const good = manifest();
    expect(() => parseManifest(serializeManifest({ ...good, format: 'nope' as 'saturi-embeddings' }), 'x/manifest.json')).toThrow(/x\/manifest\.json: key "format"/);
    expect(() => parseManifest(JSON.stringify({ ...good, dim: 0 }))).toThrow(/key "dim"/);
    expect(() => parseManifest(JSON.stringify({ ...good, dtype: 'int4' }))).toThrow(/key "dtype" must be one of fp32, fp16, q8/);
    expect(() => parseManifest(JSON.stringify({ ...good, version: 99 }))).toThrow(/newer than this program/);
    expect(() => parseManifest(JSON.stringify({ ...good, extra: 1 }))).toThrow(/key "extra" is not a known key/);
    expect(() => parseManifest(JSON.stringify({ ...good, feature_config: { ...featureConfig, stride: 'two' } }))).toThrow(/feature_config\.stride/);
    expect(() => parseManifest('{oops', 'm.json')).toThrow(/m\.json: is not valid JSON/);
  });

  it('rejects bad index lines naming file and line, and tolerates only a torn tail when asked', () => {
    const text = rows(2).map((r) => JSON.stringify(r)).join('\n') + '\n{"id":"x","name":"","path":"","dialect":"Jeju-do","split":"train","duration":-1}\n';
    expect(() => parseIndex(text, 'idx.jsonl')).toThrow(/idx\.jsonl:3: "duration" must be a number >= 0/);
    const torn = rows(2).map((r) => JSON.stringify(r) + '\n').join('') + '{"id":"seg-2","na';
    expect(() => parseIndex(torn)).toThrow(/index\.jsonl:3: is not valid JSON/);
    const p = parseIndex(torn, 'i', { allowTornTail: true });
    expect(p.rows).toHaveLength(2);
    expect(p.tornTail).toBe(true);
  });

  it('checks that counts, dims, ids and dialects agree', () => {
    const m = { ...manifest(2), count: 2 };
    expect(() => decodeEmbeddingSetFiles({ ...encodeEmbeddingSetFiles({ manifest: m, vectors: vectors(2, 2), rows: rows(2) }), 'vectors.f32': new Uint8Array(12) })).toThrow(
      /not a whole number of 2-dim float32 vectors/,
    );
    expect(() => encodeEmbeddingSetFiles({ manifest: m, vectors: vectors(3, 2), rows: rows(2) })).toThrow(/holds 3 vectors but index\.jsonl has 2 rows/);
    const dup = rows(2);
    dup[1]!.id = dup[0]!.id;
    expect(() => encodeEmbeddingSetFiles({ manifest: m, vectors: vectors(2, 2), rows: dup })).toThrow(/duplicate id "seg-0"/);
    const badDialect = rows(2);
    badDialect[1]!.dialect = 'Mars';
    expect(() => encodeEmbeddingSetFiles({ manifest: m, vectors: vectors(2, 2), rows: badDialect })).toThrow(/dialect "Mars" is not one of/);
    const nan = vectors(2, 2);
    nan[3] = NaN;
    expect(() => encodeEmbeddingSetFiles({ manifest: m, vectors: nan, rows: rows(2) })).toThrow(/vector 1 \(id "seg-1"\) has a non-finite value/);
    expect(() => decodeEmbeddingSetFiles({ 'manifest.json': new Uint8Array() })).toThrow(/is missing vectors\.f32/);
  });

  it('vectorsFromBytes copies from an unaligned view', () => {
    const v = vectors(2, 3);
    const big = new Uint8Array(v.byteLength + 1);
    big.set(vectorsToBytes(v), 1);
    expect(Array.from(vectorsFromBytes(big.subarray(1), 3))).toEqual(Array.from(v));
  });

  it('merges compatible sets, keeps shared identical ids once, refuses conflicts and mismatched encoders', () => {
    const a = { manifest: { ...manifest(2), count: 3 }, vectors: vectors(3, 2), rows: rows(3, 'a') };
    const b = { manifest: { ...manifest(2), count: 2 }, vectors: vectors(2, 2, 10), rows: rows(2, 'b') };
    const m = mergeEmbeddingSets([a, b]);
    expect(m.manifest.count).toBe(5);
    expect(m.rows.map((r) => r.id)).toEqual(['a-0', 'a-1', 'a-2', 'b-0', 'b-1']);
    expect(Array.from(m.vectors.subarray(6, 8))).toEqual(Array.from(b.vectors.subarray(0, 2)));
    expect(mergeEmbeddingSets([a, a]).manifest.count).toBe(3);
    const conflict = { ...a, vectors: vectors(3, 2, 1) };
    expect(() => mergeEmbeddingSets([a, conflict], ['s1', 's2'])).toThrow(/s2: id "a-0" is also in s1 with a different embedding/);
    // The same vector relabelled since (a shard embedded before the CSV was fixed): not merged silently.
    const relabelled = { ...a, rows: a.rows.map((r, i) => (i === 1 ? { ...r, dialect: 'Jeju-do' } : r)) };
    expect(a.rows[1]!.dialect).not.toBe('Jeju-do');
    expect(() => mergeEmbeddingSets([a, relabelled], ['s1', 's2'])).toThrow(`s2: id "a-1" is also in s1 with dialect "${a.rows[1]!.dialect}", here "Jeju-do"`);
    const other = { ...b, manifest: { ...b.manifest, dtype: 'fp16' as const } };
    expect(() => mergeEmbeddingSets([a, other], ['s1', 's2'])).toThrow(/s2: cannot be merged with s1: dtype differs/);
    // Training crops (random, seeded) and evaluation crops (first 20 s) are not one set.
    const crop = (c: EmbeddingManifest['crop'], set: typeof a) => ({ ...set, manifest: { ...set.manifest, crop: c } });
    expect(() => mergeEmbeddingSets([crop({ mode: 'random', seed: 42 }, a), crop({ mode: 'first' }, b)], ['s1', 's2'])).toThrow(/s2: cannot be merged with s1: crop differs \(random seed 42 vs first\)/);
    expect(() => mergeEmbeddingSets([crop({ mode: 'random', seed: 42 }, a), crop({ mode: 'random', seed: 7 }, b)], ['s1', 's2'])).toThrow(/crop differs \(random seed 42 vs random seed 7\)/);
    expect(mergeEmbeddingSets([crop({ mode: 'random', seed: 42 }, a), crop({ mode: 'random', seed: 42 }, b)]).manifest.count).toBe(5);
    expect(mergeEmbeddingSets([crop({ mode: 'first' }, a), b]).manifest.count).toBe(5);
  });
});

describe('resuming a set with the encoder loaded now', () => {
  it('names what differs from the set: model or revision, dtype, dimension', () => {
    const m = manifest(4);
    const loaded = { modelId: m.encoder.id, revision: m.encoder.revision, dtype: m.dtype, dim: 4 };
    expect(encoderMismatch(m, loaded)).toBeNull();
    expect(encoderMismatch(m, { ...loaded, dtype: 'fp32' })).toBe('the set was embedded with dtype q8, the encoder loaded now is fp32');
    expect(encoderMismatch(m, { ...loaded, revision: 'abc' })).toMatch(/embedded with .*@main, the encoder loaded now is .*@abc/);
    expect(encoderMismatch(m, { ...loaded, dim: 8 })).toBe('the set holds 4-dimensional embeddings, the encoder loaded now makes 8');
  });
});

describe('embedding sets on disk (Node)', () => {
  it('writes and reads a set; missing folder gives a clear error', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const v = vectors(4, 3);
      await writeEmbeddingSet(join(dir, 'set'), manifest(3), v, rows(4));
      const back = await readEmbeddingSet(join(dir, 'set'));
      expect(back.manifest.count).toBe(4);
      expect(Array.from(back.vectors)).toEqual(Array.from(v));
      expect(statSync(join(dir, 'set', 'vectors.f32')).size).toBe(48);
      await expect(readEmbeddingSet(join(dir, 'nope'))).rejects.toThrow(/nope\/manifest\.json: not found/);
    } finally {
      cleanup();
    }
  });

  it('reads vectors.f32 in chunks, past the 2 GiB a single read allows; a torn file is an error naming it', () => {
    const { dir, cleanup } = tempDir();
    try {
      const small = join(dir, 'small.f32');
      const v = vectors(5, 7);
      writeFileSync(small, new Uint8Array(v.buffer));
      // Chunks that split values and rows.
      expect(Array.from(readVectorsFile(small, 7, 10))).toEqual(Array.from(v));
      truncateSync(small, 5 * 7 * 4 - 2);
      expect(() => readVectorsFile(small, 7)).toThrow(/small\.f32: has 138 bytes, not a whole number of 7-dim float32 vectors/);
      // A sparse file of 524 289 1024-dim vectors (2 GiB + 4 KiB; the recipe's training set is ~3.7 GB),
      // with known values in the first and the last vector: readFileSync refuses it.
      const big = join(dir, 'big.f32');
      const rowsN = 2 ** 19 + 1;
      const fd = openSync(big, 'w');
      writeSync(fd, new Uint8Array(new Float32Array([1.5]).buffer), 0, 4, 0);
      writeSync(fd, new Uint8Array(new Float32Array([-2.25]).buffer), 0, 4, rowsN * 4096 - 4);
      closeSync(fd);
      expect(() => readFileSync(big)).toThrow(/greater than 2 GiB/);
      const read = readVectorsFile(big, 1024);
      expect(read.length).toBe(rowsN * 1024);
      expect([read[0], read[1], read[read.length - 2], read[read.length - 1]]).toEqual([1.5, 0, 0, -2.25]);
    } finally {
      cleanup();
    }
  });

  it('appends durably, knows embedded ids, and repairs an interrupted append on reopen', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const m = manifest(2);
      const all = rows(6);
      const vec = vectors(6, 2);
      const first = await EmbeddingSetAppender.open(dir, m);
      expect(first.resumed).toBe(0);
      first.appender.append(all.slice(0, 2), vec.subarray(0, 4));
      first.appender.append(all.slice(2, 3), vec.subarray(4, 6));
      expect(() => first.appender.append(all.slice(0, 1), vec.subarray(0, 2))).toThrow(/id "seg-0" is already in the set/);
      first.appender.close();
      expect((await readEmbeddingSet(dir)).manifest.count).toBe(3);

      // Simulate a crash mid-append: vectors for 2 more rows written, index line torn, manifest not updated.
      appendFileSync(join(dir, 'vectors.f32'), vectorsToBytes(vec.subarray(6, 10)));
      appendFileSync(join(dir, 'index.jsonl'), JSON.stringify(all[3]).slice(0, 10));
      await expect(readEmbeddingSet(dir)).rejects.toThrow(EmbeddingSetError);

      const second = await EmbeddingSetAppender.open(dir, { ...m, created: new Date(0).toISOString() });
      expect(second.resumed).toBe(3);
      expect(second.repaired.join('\n')).toMatch(/incomplete line/);
      expect(second.repaired.join('\n')).toMatch(/truncated/);
      expect(second.appender.has('seg-2')).toBe(true);
      expect(second.appender.has('seg-3')).toBe(false);
      second.appender.append(all.slice(3), vec.subarray(6));
      second.appender.close();
      const back = await readEmbeddingSet(dir);
      expect(back.rows.map((r) => r.id)).toEqual(all.map((r) => r.id));
      expect(Array.from(back.vectors)).toEqual(Array.from(vec));
      expect(back.manifest.created).toBe(m.created); // original creation time kept

      await expect(EmbeddingSetAppender.open(dir, manifest(3))).rejects.toThrow(/does not match this job: dim differs/);
    } finally {
      cleanup();
    }
  });

  it('resumes a set whose index was cut inside a multi-byte character (a Hangul path) by a crash', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const m = manifest(2);
      const all = rows(4).map((r, i) => ({ ...r, path: `audio/경상도/화자${i}/문장.wav` }));
      const vec = vectors(4, 2);
      const first = await EmbeddingSetAppender.open(dir, m);
      first.appender.append(all.slice(0, 2), vec.subarray(0, 4));
      first.appender.close();
      // The crash: the next row's vector written, its index line cut one byte into 경 (EA B2 BD).
      appendFileSync(join(dir, 'vectors.f32'), vectorsToBytes(vec.subarray(4, 6)));
      const line = Buffer.from(JSON.stringify(all[2]) + '\n', 'utf8');
      appendFileSync(join(dir, 'index.jsonl'), line.subarray(0, line.indexOf(Buffer.from('경', 'utf8')) + 1));
      const second = await EmbeddingSetAppender.open(dir, m);
      expect(second.resumed).toBe(2);
      expect(second.repaired.join('\n')).toMatch(/incomplete line/);
      second.appender.append(all.slice(2), vec.subarray(4));
      second.appender.close();
      const back = await readEmbeddingSet(dir);
      expect(back.rows.map((r) => r.path)).toEqual(all.map((r) => r.path));
      expect(Array.from(back.vectors)).toEqual(Array.from(vec));
      // Bad bytes on a complete line are not a torn tail: refused, naming the file, nothing modified.
      const index = readFileSync(join(dir, 'index.jsonl'));
      index[index.indexOf(Buffer.from('화', 'utf8'))] = 0xff;
      writeFileSync(join(dir, 'index.jsonl'), index);
      await expect(EmbeddingSetAppender.open(dir, m)).rejects.toThrow(/index\.jsonl: is not valid UTF-8 \(line 1,/);
      expect(readFileSync(join(dir, 'index.jsonl'))).toEqual(index);
    } finally {
      cleanup();
    }
  });

  it('a text file that is not UTF-8 is refused naming the file and line, in Node and in the app alike', async () => {
    const { dir, cleanup } = tempDir();
    try {
      await writeEmbeddingSet(dir, manifest(2), vectors(3, 2), rows(3));
      const index = readFileSync(join(dir, 'index.jsonl'));
      const clean = Buffer.from(index);
      const at = index.indexOf('seg-1');
      index[at + 1] = 0xff; // one byte of an id on line 2
      writeFileSync(join(dir, 'index.jsonl'), index);
      await expect(readEmbeddingSet(dir)).rejects.toThrow(`${join(dir, 'index.jsonl')}: is not valid UTF-8 (line 2, byte ${at + 1})`);
      const files = Object.fromEntries(['manifest.json', 'vectors.f32', 'index.jsonl'].map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));
      expect(() => decodeEmbeddingSetFiles(files, 'set.zip')).toThrow(`set.zip/index.jsonl: is not valid UTF-8 (line 2, byte ${at + 1})`);
      // A file cut inside a character (안 = EC 95 88, two of its bytes left): the character's first byte.
      const lines = clean.toString('latin1').split('\n').length;
      // The same cut inside the file (a character or 'a' after it): still its first byte.
      for (const tail of [[0xec, 0x95], [0xec], [0xec, 0x95, 0x61, 0x0a], [0xec, 0x95, 0xec]]) {
        files['index.jsonl'] = new Uint8Array([...clean, ...tail]);
        expect(() => decodeEmbeddingSetFiles(files, 'set.zip')).toThrow(`set.zip/index.jsonl: is not valid UTF-8 (line ${lines}, byte ${clean.length})`);
      }
    } finally {
      cleanup();
    }
  });

  it('refuses to resume a set whose files were lost or changed since, touching nothing', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const m = manifest(2);
      await writeEmbeddingSet(dir, m, vectors(6, 2), rows(6));
      const files = () => ['manifest.json', 'vectors.f32', 'index.jsonl'].map((f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f)).toString('base64') : null));
      const index = readFileSync(join(dir, 'index.jsonl'), 'utf8');
      const damage = [
        // a middle line deleted: "repaired" by cutting the last vector, 4 of 6 rows got another row's vector
        () => writeFileSync(join(dir, 'index.jsonl'), index.split('\n').filter((_, i) => i !== 2).join('\n')),
        // the index lost (a partial copy): every vector was truncated away
        () => rmSync(join(dir, 'index.jsonl')),
        // vectors cut short
        () => truncateSync(join(dir, 'vectors.f32'), 4 * 2 * 4),
      ];
      // Not damage: a last row without its newline (hand-edited, or cut just before it) is kept and resumed.
      writeFileSync(join(dir, 'index.jsonl'), index.trimEnd());
      const kept = await EmbeddingSetAppender.open(dir, m);
      expect(kept.resumed).toBe(6);
      kept.appender.close();
      expect(readFileSync(join(dir, 'index.jsonl'), 'utf8')).toBe(index);
      for (const harm of damage) {
        await writeEmbeddingSet(dir, m, vectors(6, 2), rows(6));
        harm();
        const before = files();
        await expect(EmbeddingSetAppender.open(dir, m)).rejects.toThrow(/cannot resume: manifest\.json counts 6 rows, index\.jsonl holds \d+, vectors\.f32 \d+ vectors; .*Nothing was modified/);
        expect(files()).toEqual(before);
      }
    } finally {
      cleanup();
    }
  });

  it('merges shard folders', async () => {
    const { dir, cleanup } = tempDir();
    try {
      await writeEmbeddingSet(join(dir, 's0'), manifest(2), vectors(2, 2), rows(2, 'x'));
      await writeEmbeddingSet(join(dir, 's1'), manifest(2), vectors(3, 2, 5), rows(3, 'y'));
      writeFileSync(join(dir, 's1', 'rejects.jsonl'), '{"id":"bad","path":"b.wav","reason":"too short"}\n');
      await mergeEmbeddingSetDirs([join(dir, 's0'), join(dir, 's1')], join(dir, 'all'));
      const all = await readEmbeddingSet(join(dir, 'all'));
      expect(all.rows.map((r) => r.id)).toEqual(['x-0', 'x-1', 'y-0', 'y-1', 'y-2']);
      expect(readFileSync(join(dir, 'all', 'rejects.jsonl'), 'utf8')).toMatch(/too short/);
      truncateSync(join(dir, 's1', 'vectors.f32'), 10);
      await expect(mergeEmbeddingSetDirs([join(dir, 's0'), join(dir, 's1')], join(dir, 'all2'))).rejects.toThrow(/s1\/vectors\.f32: has 10 bytes/);
    } finally {
      cleanup();
    }
  });
});
