// The app's stored sets → labelled vectors for the head trainer and the evaluate page: a set with
// a non-finite value is refused naming the row (one NaN trained an all-NaN head reported as done).
import { describe, expect, it } from 'vitest';
import { labelledVectors } from '../../src/browser/services/training-data.ts';
import type { SaturiStore } from '../../src/browser/store/store.ts';

const fakeStore = (vectors: Float32Array, dim: number, ids: string[]) =>
  ({
    readVectors: async () => ({ vectors, dim }),
    readRows: async () => ids.map((id, i) => ({ id, name: id, path: `${id}.wav`, dialect: i % 2 ? 'Jeju-do' : 'Jeolla-do', split: i < 3 ? 'train' : 'dev', duration: 1 })),
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
});
