import type { Command } from 'commander';
import { intOption } from '../int-flag.ts';

export function register(program: Command): void {
  program
    .command('train')
    .description('train the classifier head on embedding sets (configs/train-head.json); resumes from the last checkpoint when rerun')
    .argument('<config>', 'training config JSON (keys of the original Hugging Face configs)')
    .option('--stop-after <step>', 'stop after this optimizer step as if interrupted (rerun to resume)', intOption('--stop-after'))
    .action(async (config: string, opts: { stopAfter?: number }) => {
      const { runTrainFromConfig } = await import('../../head/train-run.ts');
      const { TrainControl } = await import('../../../core/head/trainer.ts');
      const { ConfigError } = await import('../../../core/config/validate.ts');
      const { UserError } = await import('../errors.ts');
      const control = new TrainControl();
      const onSigint = (): void => {
        process.stderr.write('\ninterrupt: stopping after this step (run again to resume from the last checkpoint)\n');
        control.cancel();
      };
      process.once('SIGINT', onSigint);
      try {
        const r = await runTrainFromConfig(config, { stopAfter: opts.stopAfter, control });
        process.stdout.write(`${r.finished ? 'finished' : 'stopped'} at step ${r.steps}: ${r.outputDir}\n`);
      } catch (e) {
        if (e instanceof ConfigError) throw new UserError(e.message);
        if ((e as Error).name === 'EmbeddingSetError' || (e as Error).name === 'HeadFormatError' || (e as Error).name === 'SafetensorsError') throw new UserError((e as Error).message);
        throw e;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
