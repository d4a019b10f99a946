// `saturi split`: seeded, speaker-disjoint train/eval CSVs, up to a count per class.
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LABEL_NAMES } from '../../core/config/labels.ts';
import { splitRows, type SplitOptions, type SplitResult } from '../../core/dataset/split-rules.ts';
import { REQUIRED_COLUMNS, type CsvRecord } from '../../core/dataset/rows.ts';
import { CsvFileWriter, readCsv, readCsvColumns, rebasedPath } from './csv-io.ts';
import { refuseClashingPaths } from '../io/output-file.ts';

export interface SplitRunOptions extends SplitOptions {
  csv: string;
  outDir: string;
}

export interface SplitSummary extends SplitResult {
  trainCsv: string;
  evalCsv: string;
  unknownLabels: string[];
}

export class SplitInputError extends Error {}

export async function runSplit(o: SplitRunOptions): Promise<SplitSummary> {
  const trainCsv = join(o.outDir, 'train.csv');
  const evalCsv = join(o.outDir, 'eval.csv');
  // Before any work: outputs over the input would replace it (split --csv data/train.csv --out data).
  refuseClashingPaths([{ what: '--csv', path: o.csv }], [{ what: 'train.csv', path: trainCsv }, { what: 'eval.csv', path: evalCsv }]);
  if (statSync(o.outDir, { throwIfNoEntry: false })?.isDirectory() === false) throw new SplitInputError(`--out ${o.outDir} is a file, not a folder`);
  for (const p of [trainCsv, evalCsv]) if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) throw new SplitInputError(`${p} is a folder, not a file name`);
  let columns: string[];
  try {
    columns = await readCsvColumns(o.csv);
  } catch (e) {
    throw new SplitInputError(`${o.csv}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) throw new SplitInputError(`${o.csv}: missing column(s) ${missing.join(', ')} (columns: ${columns.join(', ')})`);
  const rows: CsvRecord[] = [];
  for await (const r of readCsv(o.csv)) rows.push(r);
  const result = splitRows(rows, o);
  // Classes in the fixed label order, others after.
  const order = (d: string) => (LABEL_NAMES.indexOf(d) < 0 ? LABEL_NAMES.length : LABEL_NAMES.indexOf(d));
  result.classes.sort((a, b) => order(a.dialect) - order(b.dialect) || (a.dialect < b.dialect ? -1 : 1));
  // Both files are written, then renamed into place together (the old eval.csv removed first):
  // an interrupted run never leaves a new train.csv beside an eval.csv of another split.
  const writers: CsvFileWriter<CsvRecord>[] = [];
  try {
    for (const [path, list] of [[trainCsv, result.train], [evalCsv, result.eval]] as const) {
      const w = await CsvFileWriter.open<CsvRecord>(path, columns);
      writers.push(w);
      for (const r of list) await w.write({ ...r, path: rebasedPath(r.path ?? '', o.csv, path) });
      await w.finish();
    }
  } catch (e) {
    for (const w of writers) await w.abort();
    throw e;
  }
  await rm(evalCsv, { force: true });
  for (const w of writers) await w.commit();
  const unknownLabels = result.classes.map((c) => c.dialect).filter((d) => !LABEL_NAMES.includes(d));
  return { ...result, trainCsv, evalCsv, unknownLabels };
}

export function formatSplitSummary(s: SplitSummary, disjoint: boolean): string {
  const head = ['class', 'available', 'train', 'eval', 'train speakers', 'eval speakers'];
  const lines = s.classes.map((c) => [c.dialect, c.available, c.train, c.eval, c.trainSpeakers, c.evalSpeakers].map(String));
  const total = (k: 'available' | 'train' | 'eval') => String(s.classes.reduce((a, c) => a + c[k], 0));
  lines.push(['total', total('available'), total('train'), total('eval'), '', '']);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ') + '\n';
  let text = fmt(head) + lines.map(fmt).join('');
  const unknown = s.classes.filter((c) => c.withoutSpeaker > 0);
  const known = unknown.length === 0 ? ' (speaker-disjoint)' : ' (speaker-disjoint among rows with a speaker)';
  text += `speakers in both train and eval: ${s.sharedSpeakers}${disjoint ? known : ' (--no-speaker-disjoint)'}\n`;
  // A row without a speaker is its own speaker: such rows are split at random, and one person's
  // recordings may end up on both sides without the count above showing it.
  if (unknown.length) {
    const n = unknown.reduce((a, c) => a + c.withoutSpeaker, 0);
    text += `warning: ${n} rows have no speaker (${unknown.map((c) => `${c.dialect} ${c.withoutSpeaker}`).join(', ')}); each counts as a speaker of its own, so their split cannot be checked for speaker overlap\n`;
  }
  if (s.unknownLabels.length) text += `warning: labels not among the six dialects: ${s.unknownLabels.join(', ')}\n`;
  text += `train → ${s.trainCsv}\neval  → ${s.evalCsv}\n`;
  return text;
}
