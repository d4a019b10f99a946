// `saturi filter`: keeps the CSV rows whose WAV opens, is mono and lasts at
// least minSeconds (from the header alone), in parallel batches; the dropped
// rows go to a second CSV with the reason.
import { dirname, resolve } from 'node:path';
import { countReasons, type ReasonCounts } from '../../core/dataset/reasons.ts';
import type { CsvRecord } from '../../core/dataset/rows.ts';
import { CsvFileWriter, readCsv, readCsvColumns, rebasedPath } from './csv-io.ts';
import { prepareOutputFile, refuseClashingPaths } from '../io/output-file.ts';
import { mapOrdered } from './ordered.ts';
import { WorkerPool } from './pool.ts';
import type { ProbeResult } from './tasks.ts';

export interface FilterOptions {
  /** One or more CSVs with the same columns (e.g. the three preprocess outputs). */
  csv: string[];
  out: string;
  dropped?: string;
  minSeconds: number;
  workers: number;
  /** Rows per worker task. */
  batchSize?: number;
}

export interface FilterSummary {
  total: number;
  kept: number;
  dropped: number;
  reasons: ReasonCounts;
  workers: number;
  elapsedMs: number;
}

export class FilterInputError extends Error {}

interface Row {
  row: CsvRecord;
  csv: string;
  file: string;
}

/** Rows in batches, each with its file's absolute path (relative paths are relative to their CSV's folder, as `saturi embed` reads them). */
async function* batches(csvs: string[], size: number): AsyncGenerator<Row[]> {
  let batch: Row[] = [];
  for (const csv of csvs) {
    const dir = dirname(resolve(csv));
    for await (const row of readCsv(csv)) {
      batch.push({ row, csv, file: row.path ? resolve(dir, row.path) : '' });
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length) yield batch;
}

export async function runFilter(o: FilterOptions): Promise<FilterSummary> {
  const started = Date.now();
  let columns: string[] = [];
  for (const csv of o.csv) {
    let these: string[];
    try {
      these = await readCsvColumns(csv);
    } catch (e) {
      throw new FilterInputError(`${csv}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (!these.includes('path')) throw new FilterInputError(`${csv}: no "path" column (columns: ${these.join(', ') || 'none'})`);
    if (csv === o.csv[0]) columns = these;
    else if (these.join(',') !== columns.join(',')) throw new FilterInputError(`${csv}: columns ${these.join(',')} differ from ${o.csv[0]}'s ${columns.join(',')}`);
  }
  // Before any work: an output over an input would replace it, an unwritable one lose the run.
  const outputs = [{ what: '--out', path: o.out }, ...(o.dropped ? [{ what: '--dropped', path: o.dropped }] : [])];
  refuseClashingPaths(o.csv.map((path) => ({ what: '--csv', path })), outputs);
  for (const { what, path } of outputs) {
    const why = prepareOutputFile(path);
    if (why) throw new FilterInputError(`${what}: ${why}`);
  }
  const pool = new WorkerPool(o.workers);
  const keptOut = await CsvFileWriter.open<CsvRecord>(o.out, columns);
  const droppedOut = o.dropped ? await CsvFileWriter.open<CsvRecord>(o.dropped, [...columns.filter((c) => c !== 'reason' && c !== 'detail'), 'reason', 'detail']) : undefined;
  const summary: FilterSummary = { total: 0, kept: 0, dropped: 0, reasons: {}, workers: o.workers, elapsedMs: 0 };
  try {
    await mapOrdered(
      batches(o.csv, o.batchSize ?? 64),
      o.workers * 2,
      (rows) => pool.run<ProbeResult>({ kind: 'probe', paths: rows.map((r) => r.file), minSeconds: o.minSeconds }),
      async (result, rows) => {
        for (let i = 0; i < rows.length; i++) {
          const { row: read, csv } = rows[i]!;
          const outcome = result.outcomes[i]!;
          summary.total++;
          if (outcome.reason === undefined) {
            summary.kept++;
            await keptOut.write({ ...read, path: rebasedPath(read.path ?? '', csv, o.out) });
          } else {
            summary.dropped++;
            countReasons([{ reason: outcome.reason }], summary.reasons);
            await droppedOut?.write({ ...read, path: rebasedPath(read.path ?? '', csv, o.dropped!), reason: outcome.reason, detail: outcome.detail });
          }
        }
      },
    );
    await keptOut.close();
    await droppedOut?.close();
  } catch (e) {
    await keptOut.abort();
    await droppedOut?.abort();
    throw e;
  } finally {
    await pool.close();
  }
  summary.elapsedMs = Date.now() - started;
  return summary;
}
