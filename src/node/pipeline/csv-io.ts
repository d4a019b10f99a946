// Streaming CSV in and out (csv-parse / csv-stringify). Output goes to a
// temporary file renamed into place on close, so a crashed run never leaves a
// half-written CSV that a rerun or the next step would take as complete.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { once } from 'node:events';
import { Transform } from 'node:stream';
import { parse, type Options } from 'csv-parse';
import { firstInvalidUtf8 } from '../../core/io/utf8.ts';
import { stringify, type Stringifier } from 'csv-stringify';
import type { CsvRecord } from '../../core/dataset/rows.ts';

export class CsvFileWriter<Row extends object> {
  private readonly tmp: string;
  private readonly file: WriteStream;
  private readonly stringifier: Stringifier;
  private failed: Error | undefined;
  count = 0;

  private constructor(
    readonly path: string,
    columns: readonly string[],
  ) {
    this.tmp = `${path}.tmp-${process.pid}`;
    this.file = createWriteStream(this.tmp);
    this.stringifier = stringify({ header: true, columns: [...columns] });
    this.stringifier.pipe(this.file);
    const fail = (e: Error) => (this.failed ??= e);
    this.file.on('error', fail);
    this.stringifier.on('error', fail);
  }

  static async open<Row extends object>(path: string, columns: readonly string[]): Promise<CsvFileWriter<Row>> {
    await mkdir(dirname(path), { recursive: true });
    // Temporary files of an earlier run that was killed before it could finish.
    const stale = `${basename(path)}.tmp-`;
    for (const f of await readdir(dirname(path))) if (f.startsWith(stale)) await rm(join(dirname(path), f), { force: true });
    return new CsvFileWriter<Row>(path, columns);
  }

  /** Writes one row, waiting when the file stream is behind. */
  async write(row: Row): Promise<void> {
    if (this.failed) throw this.failed;
    this.count++;
    if (!this.stringifier.write(row)) await once(this.stringifier, 'drain');
  }

  /** Finishes the file and moves it into place. */
  async close(): Promise<void> {
    await this.finish();
    await this.commit();
  }

  /** Finishes the temporary file without moving it into place (for outputs that go in together). */
  async finish(): Promise<void> {
    this.stringifier.end();
    await once(this.file, 'close');
    if (this.failed) throw this.failed;
  }

  /** Moves the finished file into place. */
  async commit(): Promise<void> {
    await rename(this.tmp, this.path);
  }

  /** Drops the temporary file (after an error). */
  async abort(): Promise<void> {
    this.stringifier.destroy();
    this.file.destroy();
    await rm(this.tmp, { force: true });
  }
}

/** `path` parsed by csv-parse. pipe() does not forward the file's errors (a missing file, a folder): they are handed to the parser, so the reader's loop throws them instead of an unhandled 'error' event ending the process. */
function parsed(path: string, options: Options) {
  const file = createReadStream(path);
  const checked = strictUtf8Stream(path);
  const parser = parse(options);
  file.on('error', (e) => parser.destroy(e));
  checked.on('error', (e) => parser.destroy(e));
  return file.pipe(checked).pipe(parser);
}

/** A CSV that cannot be parsed (an unclosed quote, …), named with the parser's line. */
export class CsvFileError extends Error {}

/** Why a CSV whose bytes are not UTF-8 is refused, and what to do. */
export function notUtf8Message(path: string, line: number, byte: number): string {
  return `${path}: is not UTF-8 text (line ${line}, byte ${byte}); save it as UTF-8 (in Excel: "CSV UTF-8"): a Korean Windows program may have written it as CP949/EUC-KR, whose paths would match no file`;
}

/**
 * Passes a file's bytes on when they are UTF-8, else fails naming the line and byte: decoded
 * leniently, CP949 paths became U+FFFD and every row a "file not found".
 */
function strictUtf8Stream(path: string): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let offset = 0;
  const fail = (chunk: Uint8Array) => {
    const at = firstInvalidUtf8(chunk) ?? { line: 1, byte: chunk.length };
    return new CsvFileError(notUtf8Message(path, line + at.line - 1, offset + at.byte));
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        done(fail(chunk));
        return;
      }
      for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) line++;
      offset += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      try {
        decoder.decode();
        done();
      } catch {
        done(fail(new Uint8Array(0)));
      }
    },
  });
}

/** Rows of a CSV file with a header, as objects keyed by column name. */
export async function* readCsv(path: string): AsyncGenerator<CsvRecord> {
  try {
    for await (const record of parsed(path, { columns: true, bom: true, skip_empty_lines: true, relax_column_count: true })) yield record as CsvRecord;
  } catch (e) {
    // csv-parse's errors (code CSV_…) say the line but not the file.
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('CSV_')) throw new CsvFileError(`${path}: not a valid CSV: ${(e as Error).message}`);
    throw e;
  }
}

/** The header of a CSV file (its column names). */
export async function readCsvColumns(path: string): Promise<string[]> {
  for await (const record of parsed(path, { to_line: 1, bom: true })) return record as string[];
  return [];
}

/**
 * A row's `path` as it must be written in a CSV at `toCsv` when it was read from `fromCsv`: paths
 * are relative to their CSV's folder (as `saturi embed` reads them), so a relative one is rebased
 * onto the new CSV's folder; absolute ones are kept.
 */
export function rebasedPath(path: string, fromCsv: string, toCsv: string): string {
  if (!path || isAbsolute(path)) return path;
  const from = dirname(resolve(fromCsv));
  const to = dirname(resolve(toCsv));
  return from === to ? path : relative(to, resolve(from, path)).split(sep).join('/');
}
