import type { Command } from 'commander';

const SORT_KEYS = ['f1', 'accuracy', 'precision', 'recall', 'loss', 'name', 'none'];

export function register(program: Command): void {
  const runs = program
    .command('runs')
    .description('list and compare training runs (best eval metrics per run); `runs plot` writes loss/eval curves')
    .argument('[dirs...]', 'run folders, or folders holding runs (default: --runs-dir)')
    .option('--runs-dir <dir>', 'folder holding the runs', 'runs')
    .option('--sort <key>', `order rows by ${SORT_KEYS.join('|')}`, 'f1')
    .option('--json', 'print the runs and their best evaluations as JSON')
    .action(async (dirs: string[], opts: { runsDir: string; sort: string; json?: boolean }) => {
      const { UserError } = await import('../errors.ts');
      if (!SORT_KEYS.includes(opts.sort)) throw new UserError(`--sort must be one of ${SORT_KEYS.join(', ')}, got "${opts.sort}"`);
      const { findRuns, readRun } = await import('../../runs/read-run.ts');
      const { renderRunsTable, sortRuns } = await import('../../runs/runs-table.ts');
      const infos = await Promise.all((await findRuns(dirs.length ? dirs : [opts.runsDir])).map(readRun));
      for (const r of infos) for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
      const sorted = sortRuns(infos, opts.sort as Parameters<typeof sortRuns>[1]);
      if (opts.json) {
        const out = sorted.map((r) => ({ name: r.name, dir: r.dir, head: r.head, learning_rate: r.learningRate, steps: r.steps, best: r.best, evals: r.evals.length }));
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        return;
      }
      process.stdout.write(renderRunsTable(sorted));
    });

  runs
    .command('plot')
    .description('write the training loss and eval curves of runs as SVG (or PNG)')
    .argument('<runs...>', 'run folders, or folders holding runs')
    .requiredOption('--out <file>', 'output .svg or .png')
    .action(async (dirs: string[], opts: { out: string }) => {
      const { findRuns, readRun } = await import('../../runs/read-run.ts');
      const { writeRunPlot } = await import('../../runs/plot-runs.ts');
      const infos = await Promise.all((await findRuns(dirs)).map(readRun));
      for (const r of infos) for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
      await writeRunPlot(infos, opts.out);
      process.stdout.write(`${opts.out}: curves of ${infos.map((r) => r.name).join(', ')}\n`);
    });
}
