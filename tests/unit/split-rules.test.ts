import { describe, expect, it } from 'vitest';
import { classTargets, speakerKey, splitRows } from '../../src/core/dataset/split-rules.ts';
import type { CsvRecord } from '../../src/core/dataset/rows.ts';

function corpus(): CsvRecord[] {
  const rows: CsvRecord[] = [];
  const classes: [string, number, number][] = [
    ['Gangwon-do', 12, 10], // 12 speakers × 10 rows = 120
    ['Jeju-do', 5, 6], // 30 rows: fewer than train + eval
    ['Gyeongsang-do', 40, 3], // 120 rows
  ];
  for (const [dialect, speakers, perSpeaker] of classes) {
    for (let s = 0; s < speakers; s++) {
      for (let i = 0; i < perSpeaker; i++) rows.push({ name: `${dialect}_${s}_${i}.wav`, path: `/x/${dialect}_${s}_${i}.wav`, dialect, speaker: `${dialect}-S${s}` });
    }
  }
  // Rows without speaker: each its own speaker.
  for (let i = 0; i < 20; i++) rows.push({ name: `seoul_${i}.wav`, path: `/x/seoul_${i}.wav`, dialect: 'Seoul_Gyeonggi-do', speaker: '' });
  return rows;
}

const speakers = (rows: CsvRecord[]) => new Set(rows.map(speakerKey));
const count = (rows: CsvRecord[], d: string) => rows.filter((r) => r.dialect === d).length;

describe('split rules', () => {
  it('keeps the eval share when a class has fewer rows than asked', () => {
    expect(classTargets(1000, 100, 20)).toEqual({ train: 100, eval: 20 });
    expect(classTargets(60, 100, 20)).toEqual({ train: 50, eval: 10 });
    expect(classTargets(7, 8, 2)).toEqual({ train: 6, eval: 1 });
    expect(classTargets(0, 100, 20)).toEqual({ train: 0, eval: 0 });
  });

  it('is speaker-disjoint, balanced and seeded', () => {
    const rows = corpus();
    const r = splitRows(rows, { perClassTrain: 40, perClassEval: 10, seed: 42, speakerDisjoint: true });
    expect(r.sharedSpeakers).toBe(0);
    const trainSpeakers = speakers(r.train);
    for (const s of speakers(r.eval)) expect(trainSpeakers.has(s)).toBe(false);
    // Balanced: every class that has enough gets exactly the asked counts.
    for (const d of ['Gangwon-do', 'Gyeongsang-do', 'Seoul_Gyeonggi-do']) {
      expect(count(r.eval, d)).toBe(d === 'Seoul_Gyeonggi-do' ? 4 : 10);
    }
    expect(count(r.train, 'Gangwon-do')).toBe(40);
    expect(count(r.train, 'Gyeongsang-do')).toBe(40);
    // Jeju has 30 rows: eval takes whole speakers of 6 rows up to its 1/5 share (6), train the rest.
    expect(count(r.eval, 'Jeju-do')).toBe(6);
    expect(count(r.train, 'Jeju-do')).toBe(24);
    // No row in both; every picked row is from the input.
    const names = new Set(r.train.map((x) => x.name));
    expect(r.eval.some((x) => names.has(x.name))).toBe(false);
    // Seeded: same seed, shuffled input → same result; another seed → different.
    const shuffled = [...rows].reverse();
    const again = splitRows(shuffled, { perClassTrain: 40, perClassEval: 10, seed: 42, speakerDisjoint: true });
    expect(again.train.map((x) => x.name).sort()).toEqual(r.train.map((x) => x.name).sort());
    expect(again.eval.map((x) => x.name).sort()).toEqual(r.eval.map((x) => x.name).sort());
    const other = splitRows(rows, { perClassTrain: 40, perClassEval: 10, seed: 7, speakerDisjoint: true });
    expect(other.eval.map((x) => x.name).sort()).not.toEqual(r.eval.map((x) => x.name).sort());
    const stats = r.classes.find((c) => c.dialect === 'Gangwon-do')!;
    expect(stats).toMatchObject({ available: 120, train: 40, eval: 10, evalSpeakers: 1 });
  });

  it('may share speakers without --speaker-disjoint, and still balances', () => {
    const rows = corpus();
    const r = splitRows(rows, { perClassTrain: 40, perClassEval: 10, seed: 1, speakerDisjoint: false });
    expect(count(r.train, 'Gangwon-do')).toBe(40);
    expect(count(r.eval, 'Gangwon-do')).toBe(10);
    expect(count(r.eval, 'Jeju-do') + count(r.train, 'Jeju-do')).toBe(30);
    // With 10 eval rows drawn at random from 12 speakers, some speaker lands on both sides.
    expect(r.sharedSpeakers).toBeGreaterThan(0);
  });

  it('keeps a speaker on one side across classes, and gives a lone speaker to train', () => {
    const rows: CsvRecord[] = [];
    for (let i = 0; i < 10; i++) rows.push({ name: `a${i}`, path: `a${i}`, dialect: 'A', speaker: i < 5 ? 'P' : 'Q' });
    for (let i = 0; i < 10; i++) rows.push({ name: `b${i}`, path: `b${i}`, dialect: 'B', speaker: i < 5 ? 'P' : 'R' });
    for (let i = 0; i < 7; i++) rows.push({ name: `c${i}`, path: `c${i}`, dialect: 'C', speaker: 'Z' });
    const r = splitRows(rows, { perClassTrain: 8, perClassEval: 2, seed: 3, speakerDisjoint: true });
    expect(r.sharedSpeakers).toBe(0);
    expect(count(r.train, 'C')).toBe(7);
    expect(count(r.eval, 'C')).toBe(0);
  });

  it('keeps a big speaker in train when a smaller one can fill eval', () => {
    const rows: CsvRecord[] = [];
    for (let i = 0; i < 9; i++) rows.push({ name: `big${i}`, path: `big${i}`, dialect: 'A', speaker: 'BIG' });
    for (let i = 0; i < 3; i++) rows.push({ name: `small${i}`, path: `small${i}`, dialect: 'A', speaker: 'SMALL' });
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = splitRows(rows, { perClassTrain: 6, perClassEval: 2, seed, speakerDisjoint: true });
      expect(r.eval.map((x) => x.speaker)).toEqual(['SMALL', 'SMALL']);
      expect(r.train).toHaveLength(6);
      expect(new Set(r.train.map((x) => x.speaker))).toEqual(new Set(['BIG']));
    }
  });
});
