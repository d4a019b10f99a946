// `saturi split`: balanced, seeded, speaker-disjoint train/eval CSVs.
import { join } from 'node:path';
import { LABEL_NAMES } from '../../core/config/labels.ts';
import { splitRows, type SplitOptions, type SplitResult } from '../../core/dataset/split-rules.ts';
import { REQUIRED_COLUMNS, type CsvRecord } from '../../core/dataset/rows.ts';
import { CsvFileWriter, readCsv, readCsvColumns, rebasedPath } from './csv-io.ts';

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
  const trainCsv = join(o.outDir, 'train.csv');
  const evalCsv = join(o.outDir, 'eval.csv');
  for (const [path, list] of [[trainCsv, result.train], [evalCsv, result.eval]] as const) {
    const w = await CsvFileWriter.open<CsvRecord>(path, columns);
    try {
      for (const r of list) await w.write({ ...r, path: rebasedPath(r.path ?? '', o.csv, path) });
      await w.close();
    } catch (e) {
      await w.abort();
      throw e;
    }
  }
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
