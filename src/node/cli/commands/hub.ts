import type { Command } from 'commander';

interface CommonOpts {
  token?: string;
  hubUrl?: string;
  retries: string;
  private?: boolean;
}

function intOption(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

export function register(program: Command): void {
  const hub = program.command('hub').description('share heads and datasets on the Hugging Face Hub (token: --token, HF_TOKEN, or .env)');

  const common = (c: Command) =>
    c
      .requiredOption('--repo <namespace/name>', 'Hub repository')
      .option('--private', 'make the repository private (created private, or an existing one switched to private)')
      .option('--hub-url <url>', 'Hub endpoint ($HF_ENDPOINT when set)', process.env.HF_ENDPOINT ?? 'https://huggingface.co')
      .option('--token <hf_token>', 'access token (else HF_TOKEN, else HF_TOKEN in ./.env)')
      .option('--retries <n>', 'retries per failed request (network errors, HTTP 5xx/429)', '3');

  common(
    hub
      .command('push-head')
      .description('upload an exported head (model.safetensors, config.json) with a generated model card README.md')
      .argument('<head-folder>', 'exported head folder (model.safetensors, config.json, saturi_head.json)'),
  ).action(async (folder: string, opts: CommonOpts & { repo: string }) => {
    const { UserError } = await import('../errors.ts');
    const { run } = await import('../../hub/cli-run.ts');
    await run(opts, async (target, log) => {
      const { readHeadFolder } = await import('../../hub/head-folder.ts');
      const { pushHead } = await import('../../../core/hub/push-head.ts');
      const head = await readHeadFolder(folder);
      const retries = (() => {
        try {
          return intOption('--retries', opts.retries, 0);
        } catch (e) {
          throw new UserError((e as Error).message);
        }
      })();
      const r = await pushHead(head, {
        repo: opts.repo,
        accessToken: target.accessToken,
        hubUrl: target.hubUrl,
        private: opts.private,
        retry: { ...target.retry, retries },
        onProgress: (p) => {
          if (p.kind === 'phase') log(`  ${p.phase}`);
        },
      });
      for (const f of r.files) log(`  ${f.path} (${f.bytes} bytes)`);
      if (r.visibilitySet) process.stdout.write(`model repo ${opts.repo} existed; set its visibility to ${r.visibilitySet}\n`);
      process.stdout.write(`pushed head to ${r.repoUrl} (commit ${r.commitOid})\n`);
    });
  });

  common(
    hub
      .command('upload-dataset')
      .description('upload train/eval CSVs (name,path,dialect) as an audio-folder dataset (train/, test/, metadata.csv) in resumable batches')
      .requiredOption('--train <csv>', 'training CSV (paths relative to its folder)')
      .option('--eval <csv>', 'evaluation CSV, uploaded as the test split')
      .option('--batch-size <n>', 'audio files per commit', '500')
      .option('--state <file>', 'upload state file (default ./.saturi-upload-<namespace>__<name>.json)')
      .option('--dry-run', 'list what would go up (counts, bytes, first files); no network'),
  ).action(async (opts: CommonOpts & { repo: string; train: string; eval?: string; batchSize: string; state?: string; dryRun?: boolean }) => {
    const { UserError } = await import('../errors.ts');
    const { uploadDataset, defaultStateFile } = await import('../../hub/upload-dataset.ts');
    const { checkRepoName, RepoNameError } = await import('../../../core/hub/repo-id.ts');
    let batchSize: number;
    let retries: number;
    try {
      checkRepoName(opts.repo);
      batchSize = intOption('--batch-size', opts.batchSize, 1);
      retries = intOption('--retries', opts.retries, 0);
    } catch (e) {
      if (e instanceof RepoNameError || e instanceof Error) throw new UserError(e.message);
      throw e;
    }
    const common = { train: opts.train, eval: opts.eval, repo: opts.repo, batchSize, stateFile: opts.state ?? defaultStateFile(opts.repo), private: opts.private };
    const log = (l: string) => process.stdout.write(l + '\n');
    if (opts.dryRun) {
      await uploadDataset({ ...common, dryRun: true, log });
      return;
    }
    const { run } = await import('../../hub/cli-run.ts');
    await run(opts, async (target, info) => {
      await uploadDataset({ ...common, dryRun: false, log: info, target: { ...target, retry: { ...target.retry, retries } } });
    });
  });
}
