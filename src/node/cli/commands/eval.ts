import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate a head on an embedding set (configs/eval-head.json): accuracy, macro P/R/F1, per-class report, confusion matrix')
    .argument('<config>', 'evaluation config JSON')
    .option('--json', 'print the metrics as JSON')
    .action(async (config: string, opts: { json?: boolean }) => {
      const { runEvalFromConfig } = await import('../../head/eval-run.ts');
      const { formatReport } = await import('../../../core/metrics/classification.ts');
      const { ConfigError } = await import('../../../core/config/validate.ts');
      const { UserError } = await import('../errors.ts');
      try {
        const r = await runEvalFromConfig(config);
        if (opts.json) {
          const { metrics, ...scalars } = r;
          process.stdout.write(JSON.stringify({ ...scalars, per_class: metrics.perClass, confusion_matrix: metrics.confusion }, null, 2) + '\n');
        } else {
          process.stdout.write(formatReport(r.metrics, r.eval_loss) + '\n');
        }
      } catch (e) {
        if (e instanceof ConfigError) throw new UserError(e.message);
        if ((e as Error).name === 'EmbeddingSetError' || (e as Error).name === 'HeadFormatError' || (e as Error).name === 'SafetensorsError') throw new UserError((e as Error).message);
        throw e;
      }
    });
}
