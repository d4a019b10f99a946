// The app's stored sets → labelled vectors for the head trainer and the evaluate page: a set with
// a non-finite value is refused naming the row (one NaN trained an all-NaN head reported as done).
import { describe, expect, it } from 'vitest';
import { labelledVectors } from '../../src/browser/services/training-data.ts';
import type { SaturiStore } from '../../src/browser/store/store.ts';

const fakeStore = (vectors: Float32Array, dim: number, ids: string[], dialects: string[] = ids.map((_, i) => (i % 2 ? 'Jeju-do' : 'Jeolla-do'))) =>
  ({
    readSet: async () => ({ vectors, dim, count: ids.length, rows: ids.map((id, i) => ({ id, name: id, path: `${id}.wav`, dialect: dialects[i]!, split: i < 3 ? 'train' : 'dev', duration: 1 })) }),
    getSet: async () => ({ name: 'tones' }),
  }) as unknown as SaturiStore;

describe('labelledVectors', () => {
  it('gives the kept rows with label ids, and refuses a NaN or infinite value naming the set and row', async () => {
    const ids = ['a', 'b', 'c', 'd'];
    const good = Float32Array.from({ length: 8 }, (_, i) => i);
    const train = await labelledVectors(fakeStore(good, 2, ids), 'set-1', (sp) => sp === 'train');
    expect(train.count).toBe(3);
    expect(Array.from(train.vectors)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const bad of [Number.NaN, Infinity]) {
      const v = good.slice();
      v[5] = bad; // row "c"
      await expect(labelledVectors(fakeStore(v, 2, ids), 'set-1')).rejects.toThrow(/"tones".*"c"/);
    }
  });

  it('refuses a row whose dialect is not a label of configs/labels.json, naming the set, the row, the dialect and how many (it was left out without a word)', async () => {
    const ids = ['a', 'b', 'c', 'd'];
    const v = Float32Array.from({ length: 8 }, (_, i) => i);
    // A set imported with its own label names (the importer checks only the manifest's labels).
    const own = ['경상도', '전라도', '제주도', '강원도'];
    await expect(labelledVectors(fakeStore(v, 2, ids, own), 'set-1')).rejects.toThrow(/"tones".*"a".*"경상도".*configs\/labels\.json.*\b4\b/);
    // One typo among good rows: the whole set is refused, not trained on the rest.
    const typo = ['Jeolla-do', 'Jeju-do', 'Seoul_Gyeonggi', 'Jeju-do'];
    await expect(labelledVectors(fakeStore(v, 2, ids, typo), 'set-1')).rejects.toThrow(/"tones".*"c".*"Seoul_Gyeonggi".*\b1\b/);
    // A row the split leaves out is not used, so not refused.
    const train = await labelledVectors(fakeStore(v, 2, ids, ['Jeolla-do', 'Jeju-do', 'Jeolla-do', 'nope']), 'set-1', (sp) => sp === 'train');
    expect(train.count).toBe(3);
  });
});
