import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { intFlag } from '../int-flag.ts';

interface SplitFlags {
  csv: string;
  out: string;
  perClassTrain: string;
  perClassEval: string;
  seed: string;
  speakerDisjoint: boolean;
}

export function register(program: Command): void {
  program
    .command('split')
    .description('balanced, seeded train/eval split per dialect class, speaker-disjoint by default; writes train.csv and eval.csv')
    .requiredOption('--csv <file>', 'input CSV (name,path,dialect[,speaker,…])')
    .requiredOption('--out <dir>', 'folder for train.csv and eval.csv (relative paths rebased onto it)')
    .option('--per-class-train <n>', 'training rows per class (fewer if a class has fewer)', '150000')
    .option('--per-class-eval <n>', 'evaluation rows per class (fewer if a class has fewer)', '30000')
    .option('--seed <n>', 'random seed: the same seed gives the same files', '42')
    .option('--no-speaker-disjoint', 'allow one speaker in both train and eval (rows drawn at random)')
    .action(async (flags: SplitFlags) => {
      const seed = Number(flags.seed);
      if (!Number.isInteger(seed)) throw new UserError(`--seed must be an integer, got "${flags.seed}"`);
      const { resolve } = await import('node:path');
      const { runSplit, formatSplitSummary, SplitInputError } = await import('../../pipeline/split.ts');
      const { CsvFileError } = await import('../../pipeline/csv-io.ts');
      try {
        const s = await runSplit({
          csv: resolve(flags.csv),
          outDir: resolve(flags.out),
          perClassTrain: intFlag(flags.perClassTrain, '--per-class-train', 0),
          perClassEval: intFlag(flags.perClassEval, '--per-class-eval', 0),
          seed,
          speakerDisjoint: flags.speakerDisjoint,
        });
        process.stdout.write(formatSplitSummary(s, flags.speakerDisjoint));
      } catch (e) {
        if (e instanceof SplitInputError || e instanceof CsvFileError) throw new UserError(e.message);
        throw e;
      }
    });
}
