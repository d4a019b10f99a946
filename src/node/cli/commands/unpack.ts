import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { intOption } from '../int-flag.ts';

export function register(program: Command): void {
  program
    .command('unpack')
    .description(
      'extract every .zip/.tar/.tar.gz under a folder (in parallel) into a folder named after the archive; ' +
        'decodes CP949 zip names, refuses paths escaping the target, deletes an archive only after a verified extraction',
    )
    .argument('<dir>', 'folder to search for archives (e.g. data/raw)')
    .option('--concurrency <n>', 'archives extracted at once (default: number of cores, at least 2)', intOption('--concurrency'))
    .option('--keep', 'keep archives after a verified extraction')
    .option('--json', 'print the summary as JSON')
    .option('--quiet', 'print only failures and the summary')
    .action(async (dir: string, opts: { concurrency?: number; keep?: boolean; json?: boolean; quiet?: boolean }) => {
      const { stat } = await import('node:fs/promises');
      const st = await stat(dir).catch(() => null);
      if (!st?.isDirectory()) throw new UserError(`${dir}: not a folder`);
      const { unpackDir } = await import('../../unpack/unpack-dir.ts');
      const { formatOutcome, formatSummary } = await import('../../unpack/report.ts');
      const summary = await unpackDir(dir, {
        concurrency: opts.concurrency,
        keep: opts.keep,
        onArchiveDone: (o) => {
          if (opts.json) return;
          if (opts.quiet && (o.status === 'extracted' || o.status === 'skipped')) return;
          process.stdout.write(formatOutcome(o) + '\n');
        },
      });
      if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      else process.stdout.write(formatSummary(summary) + '\n');
      if (!summary.ok) process.exitCode = 1;
    });
}
