// Balanced, seeded, speaker-disjoint train/eval split of segment rows.
import { mulberry32, shuffleInPlace } from '../random/mulberry32.ts';
import type { CsvRecord } from './rows.ts';

export interface SplitOptions {
  perClassTrain: number;
  perClassEval: number;
  seed: number;
  /** A speaker's rows all go to train or all to eval (default true). */
  speakerDisjoint: boolean;
}

export interface ClassSplitStats {
  dialect: string;
  available: number;
  train: number;
  eval: number;
  trainSpeakers: number;
  evalSpeakers: number;
  /** Rows of the class with no speaker: each counts as a speaker of its own. */
  withoutSpeaker: number;
}

export interface SplitResult {
  train: CsvRecord[];
  eval: CsvRecord[];
  classes: ClassSplitStats[];
  /** Speakers found in both splits: 0 when speaker-disjoint. */
  sharedSpeakers: number;
}

/** The speaker a row belongs to for disjointness; a row with no speaker is its own speaker. */
export function speakerKey(row: CsvRecord): string {
  const s = (row.speaker ?? '').trim();
  return s === '' ? `\u0000row:${row.path ?? ''}:${row.name ?? ''}` : s;
}

function compareRows(a: CsvRecord, b: CsvRecord): number {
  const ka = `${a.path ?? ''}\u0000${a.name ?? ''}`;
  const kb = `${b.path ?? ''}\u0000${b.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Targets for one class: the requested counts, or — when the class has fewer
 * rows than train + eval — the same eval share of what there is.
 */
export function classTargets(available: number, perTrain: number, perEval: number): { train: number; eval: number } {
  if (available >= perTrain + perEval) return { train: perTrain, eval: perEval };
  const total = perTrain + perEval;
  const evalN = total === 0 ? 0 : Math.round((available * perEval) / total);
  return { train: Math.min(perTrain, available - evalN), eval: evalN };
}

/**
 * Splits rows per class (`dialect` column). Inputs are sorted first, so the
 * result depends only on the set of rows and the seed, not on their order.
 * Speaker-disjoint: whole speakers are drawn (seeded order) into eval while
 * they fit its target, topped up by the smallest remaining ones (subsampled);
 * the rest are train candidates. A speaker already placed by another class keeps its side.
 */
export function splitRows(rows: CsvRecord[], opts: SplitOptions): SplitResult {
  const byClass = new Map<string, CsvRecord[]>();
  for (const r of rows) {
    const d = r.dialect ?? '';
    let list = byClass.get(d);
    if (!list) byClass.set(d, (list = []));
    list.push(r);
  }
  const classNames = [...byClass.keys()].sort();
  const random = mulberry32(opts.seed);
  const side = new Map<string, 'train' | 'eval'>();
  const train: CsvRecord[] = [];
  const evalRows: CsvRecord[] = [];
  const classes: ClassSplitStats[] = [];

  for (const dialect of classNames) {
    const list = byClass.get(dialect)!.sort(compareRows);
    const targets = classTargets(list.length, opts.perClassTrain, opts.perClassEval);
    let trainPick: CsvRecord[];
    let evalPick: CsvRecord[];
    if (!opts.speakerDisjoint) {
      shuffleInPlace(list, random);
      evalPick = list.slice(0, targets.eval);
      trainPick = list.slice(targets.eval, targets.eval + targets.train);
    } else {
      const bySpeaker = new Map<string, CsvRecord[]>();
      for (const r of list) {
        const k = speakerKey(r);
        let l = bySpeaker.get(k);
        if (!l) bySpeaker.set(k, (l = []));
        l.push(r);
      }
      const speakers = [...bySpeaker.keys()].sort();
      shuffleInPlace(speakers, random);
      const evalPool: CsvRecord[] = [];
      const trainPool: CsvRecord[] = [];
      const undecided: string[] = [];
      for (const s of speakers) {
        const placed = side.get(s);
        if (placed === 'eval') evalPool.push(...bySpeaker.get(s)!);
        else if (placed === 'train') trainPool.push(...bySpeaker.get(s)!);
        else undecided.push(s);
      }
      // A class with a single undecided speaker and nothing else gives it to train:
      // eval without train data is useless, train without eval still trains.
      const onlyOne = undecided.length === 1 && evalPool.length === 0 && trainPool.length === 0;
      // Eval takes whole speakers (seeded order) that fit in what it still needs;
      // if it is still short, the smallest remaining speakers top it up (and are
      // subsampled). Big speakers thus stay in train instead of being cut down.
      const toEval = new Set<string>();
      let evalCount = evalPool.length;
      if (!onlyOne) {
        for (const s of undecided) {
          const n = bySpeaker.get(s)!.length;
          if (evalCount + n <= targets.eval) {
            toEval.add(s);
            evalCount += n;
          }
        }
        const rest = undecided.filter((s) => !toEval.has(s)).sort((a, b) => bySpeaker.get(a)!.length - bySpeaker.get(b)!.length);
        for (let i = 0; i < rest.length && evalCount < targets.eval; i++) {
          // Never the last speaker left for train.
          if (i === rest.length - 1 && trainPool.length === 0) break;
          toEval.add(rest[i]!);
          evalCount += bySpeaker.get(rest[i]!)!.length;
        }
      }
      for (const s of undecided) {
        const speakerRows = bySpeaker.get(s)!;
        if (toEval.has(s)) {
          side.set(s, 'eval');
          evalPool.push(...speakerRows);
        } else {
          side.set(s, 'train');
          trainPool.push(...speakerRows);
        }
      }
      evalPick = shuffleInPlace(evalPool, random).slice(0, targets.eval);
      // Up to perClassTrain: when whole speakers left eval short, train may use the rest.
      trainPick = shuffleInPlace(trainPool, random).slice(0, opts.perClassTrain);
    }
    train.push(...trainPick);
    evalRows.push(...evalPick);
    classes.push({
      dialect,
      available: list.length,
      withoutSpeaker: list.filter((r) => (r.speaker ?? '').trim() === '').length,
      train: trainPick.length,
      eval: evalPick.length,
      trainSpeakers: new Set(trainPick.map(speakerKey)).size,
      evalSpeakers: new Set(evalPick.map(speakerKey)).size,
    });
  }
  const trainSpeakers = new Set(train.map(speakerKey));
  let shared = 0;
  for (const s of new Set(evalRows.map(speakerKey))) if (trainSpeakers.has(s)) shared++;
  return { train, eval: evalRows, classes, sharedSpeakers: shared };
}
