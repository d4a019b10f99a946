import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { intFlag } from '../int-flag.ts';

interface FilterFlags {
  csv: string[];
  out: string;
  dropped?: string;
  minSeconds: string;
  workers?: string;
}

export function register(program: Command): void {
  program
    .command('filter')
    .description('keep the CSV rows whose WAV opens, is mono and lasts at least --min-seconds (header only, in parallel)')
    .requiredOption('--csv <files...>', "input CSV(s) with a path column, relative paths from the CSV's folder (several: rows of all, same columns)")
    .requiredOption('--out <file>', 'CSV of the kept rows (relative paths rebased onto its folder)')
    .option('--dropped <file>', 'CSV of the dropped rows with reason and detail')
    .option('--min-seconds <s>', 'shortest file kept', '3')
    .option('--workers <n>', 'worker threads (default: one per core)')
    .action(async (flags: FilterFlags) => {
      const minSeconds = Number(flags.minSeconds);
      if (!(minSeconds >= 0)) throw new UserError(`--min-seconds must be a non-negative number, got "${flags.minSeconds}"`);
      const workersFlag = flags.workers === undefined ? undefined : intFlag(flags.workers, '--workers', 0);
      const { resolve } = await import('node:path');
      const { runFilter, FilterInputError } = await import('../../pipeline/filter.ts');
      const { CsvFileError } = await import('../../pipeline/csv-io.ts');
      const { poolSize } = await import('../../pipeline/pool.ts');
      const { formatReasons } = await import('../../pipeline/summary.ts');
      try {
        const s = await runFilter({
          csv: flags.csv.map((c) => resolve(c)),
          out: resolve(flags.out),
          dropped: flags.dropped ? resolve(flags.dropped) : undefined,
          minSeconds,
          workers: poolSize(workersFlag),
        });
        process.stdout.write(`filter: ${s.total} rows, kept ${s.kept}, dropped ${s.dropped} (${s.workers} workers, ${(s.elapsedMs / 1000).toFixed(1)} s)\n`);
        if (s.dropped) process.stdout.write(formatReasons(s.reasons));
        process.stdout.write(`kept → ${resolve(flags.out)}\n${flags.dropped ? `dropped → ${resolve(flags.dropped)}\n` : ''}`);
      } catch (e) {
        if (e instanceof FilterInputError || e instanceof CsvFileError) throw new UserError(e.message);
        throw e;
      }
    });
}
