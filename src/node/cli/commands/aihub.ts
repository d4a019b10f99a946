import type { Command } from 'commander';
import type { DownloadJob } from '../../aihub/config.ts';
import { UserError } from '../errors.ts';
import { intOption } from '../int-flag.ts';

interface CommonOpts {
  apikey?: string;
  baseUrl?: string;
  config?: string;
}

function addCommon(cmd: Command): Command {
  return cmd
    .option('--apikey <key>', 'AIHub API key (default: AIHUB_APIKEY from the environment or ./.env)')
    .option('--base-url <url>', 'AIHub API base URL (default: AIHUB_BASE_URL or configs/aihub.json)')
    .option('--config <path>', 'datasets and presets file', undefined);
}

/** Builds the client; the key is handed over and never printed. */
async function makeClient(opts: CommonOpts, needKey: boolean) {
  const { loadAihubConfig, DEFAULT_AIHUB_CONFIG } = await import('../../aihub/config.ts');
  const { ConfigError } = await import('../../../core/config/validate.ts');
  const { resolveApiKey, resolveBaseUrl } = await import('../../aihub/api-key.ts');
  const { AihubClient } = await import('../../aihub/client.ts');
  let cfg;
  try {
    cfg = loadAihubConfig(opts.config ?? DEFAULT_AIHUB_CONFIG);
  } catch (e) {
    if (e instanceof ConfigError) throw new UserError(e.message);
    throw e;
  }
  const key = resolveApiKey(opts.apikey);
  if (needKey && !key.value) throw new UserError('no AIHub API key: set AIHUB_APIKEY (environment or .env in this folder) or pass --apikey');
  const baseUrl = resolveBaseUrl(opts.baseUrl, cfg.base_url);
  if (!/^https?:\/\//.test(baseUrl)) throw new UserError(`--base-url must be an http(s) URL, got "${baseUrl}"`);
  return { cfg, client: new AihubClient({ baseUrl, apiKey: key.value, apiVersion: cfg.api_version }) };
}

/** AihubError (server answers) becomes a UserError: printed as the server's message, no stack. */
async function asUserError<T>(fn: () => Promise<T>): Promise<T> {
  const { AihubError } = await import('../../aihub/errors.ts');
  const { NetworkError } = await import('../../aihub/http-client.ts');
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AihubError || e instanceof NetworkError) throw new UserError(e.message, 1);
    throw e;
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - [...c].length))).join('  ')).join('\n');
}

export function register(program: Command): void {
  const aihub = program.command('aihub').description('AIHub datasets: list, check the API key, download (parallel, resumable)');

  addCommon(
    aihub
      .command('list')
      .description('list the datasets, or the files (path, size, filekey) of one dataset')
      .argument('[datasetkey]', 'dataset to show the file tree of (e.g. 118)')
      .option('--json', 'print JSON rows'),
  ).action(async (datasetkey: string | undefined, opts: CommonOpts & { json?: boolean }) => {
    const { client } = await makeClient(opts, false);
    await asUserError(async () => {
      if (!datasetkey) {
        const rows = await client.datasetList();
        if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        else process.stdout.write(table([['datasetkey', 'name'], ...rows.map((r) => [r.datasetkey, r.name])]) + '\n');
        return;
      }
      if (!/^\d+$/.test(datasetkey)) throw new UserError(`datasetkey must be a number, got "${datasetkey}"`);
      const rows = await client.fileTree(datasetkey);
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      process.stdout.write(table([['filekey', 'size', 'path'], ...rows.map((r) => [r.filekey, r.size, r.path])]) + '\n');
      process.stdout.write(`${rows.length} files\n`);
    });
  });

  addCommon(aihub.command('check').description('check the AIHub API key')).action(async (opts: CommonOpts) => {
    const { client } = await makeClient(opts, true);
    await asUserError(async () => {
      const answer = await client.validateKey();
      process.stdout.write(`API key accepted${answer.trim() ? `: ${answer.trim()}` : ''}\n`);
    });
  });

  addCommon(
    aihub
      .command('download')
      .description(
        'download AIHub files: one request per filekey, several at once; the tar answer is extracted while it arrives, ' +
          '.partN pieces are merged; interrupted downloads resume (rerun the same command)',
      )
      .option('--dataset <key>', 'datasetkey (e.g. 118)')
      .option('--filekey <keys>', 'comma-separated filekeys (default with --dataset: every file of the dataset)')
      .option('--preset <name>', 'datasets and filekeys from configs/aihub.json: dialect, elder or all')
      .option('--out <dir>', 'output folder', 'data/raw')
      .option('--concurrency <n>', 'requests at once', intOption('--concurrency'), 4)
      .option('--retries <n>', 'retries per filekey after failures without progress', intOption('--retries', 0), 5)
      .option('--retry-delay <ms>', 'first retry delay in ms (doubles each time)', intOption('--retry-delay', 0), 1000)
      .option('--quiet', 'no progress bars or notices')
      .option('--json', 'print the summary as JSON'),
  ).action(
    async (
      opts: CommonOpts & {
        dataset?: string;
        filekey?: string;
        preset?: string;
        out: string;
        concurrency: number;
        retries: number;
        retryDelay: number;
        quiet?: boolean;
        json?: boolean;
      },
    ) => {
      if (!opts.preset && !opts.dataset) throw new UserError('give --dataset <key> [--filekey a,b] or --preset dialect|elder|all');
      if (opts.preset && (opts.dataset || opts.filekey)) throw new UserError('--preset cannot be combined with --dataset/--filekey');
      if (opts.filekey && !opts.dataset) throw new UserError('--filekey needs --dataset');
      if (opts.dataset && !/^\d+$/.test(opts.dataset)) throw new UserError(`--dataset must be a number, got "${opts.dataset}"`);
      const filekeys = (opts.filekey ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const fk of filekeys) if (!/^\d+$/.test(fk)) throw new UserError(`--filekey: "${fk}" is not a number`);

      const { cfg, client } = await makeClient(opts, true);
      const { presetJobs } = await import('../../aihub/config.ts');
      const { downloadDataset, downloadFiles } = await import('../../aihub/download.ts');
      const { createPlainReporter, createProgressBars } = await import('../../aihub/progress.ts');
      let jobs: DownloadJob[] | undefined;
      if (opts.preset) {
        if (!Object.hasOwn(cfg.presets, opts.preset)) throw new UserError(`unknown preset "${opts.preset}" (known: ${Object.keys(cfg.presets).join(', ')})`);
        jobs = presetJobs(cfg, opts.preset);
      }
      const reporter = process.stderr.isTTY && !opts.quiet && !opts.json ? createProgressBars() : createPlainReporter(!!opts.quiet || !!opts.json);
      const common = {
        client,
        outDir: opts.out,
        concurrency: opts.concurrency,
        retries: opts.retries,
        retryDelayMs: opts.retryDelay,
        events: reporter,
      };
      let summary;
      try {
        summary = await asUserError(() => (jobs ? downloadFiles({ ...common, jobs }) : downloadDataset({ ...common, dataset: opts.dataset!, filekeys })));
      } finally {
        reporter.stop();
      }
      if (opts.json) {
        process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      } else {
        for (const o of summary.outcomes) {
          const id = `dataset ${o.dataset} filekey ${o.filekey}`;
          if (o.error) {
            process.stdout.write(`FAILED  ${id}: ${o.error}\n`);
            continue;
          }
          const r = o.result!;
          const what = r.status === 'skipped' ? 'done    ' : 'ok      ';
          process.stdout.write(`${what}${id}: ${r.files.length} files${r.merged.length ? `, ${r.merged.length} merged from pieces` : ''}${r.status === 'skipped' ? ' (already downloaded)' : ''}\n`);
          for (const f of r.files) process.stdout.write(`          ${f}\n`);
          for (const x of r.refused) process.stdout.write(`          refused ${JSON.stringify(x.name)}: ${x.reason}\n`);
        }
        const failed = summary.outcomes.filter((o) => o.error).length;
        process.stdout.write(`download: ${summary.outcomes.length - failed} of ${summary.outcomes.length} filekeys complete in ${opts.out}\n`);
      }
      if (!summary.ok) process.exitCode = 1;
    },
  );
}
