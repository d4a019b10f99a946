import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('labels')
    .description('print the six dialect labels in their fixed order (configs/labels.json)')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { LABELS } = await import('../../../core/config/labels.ts');
      if (opts.json) {
        process.stdout.write(JSON.stringify(LABELS, null, 2) + '\n');
        return;
      }
      for (const l of LABELS) process.stdout.write(`${l.id}\t${l.label}\t${l.korean}\t${l.aihub_region_code ?? '-'}\n`);
    });
}
