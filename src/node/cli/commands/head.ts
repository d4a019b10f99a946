import type { Command } from 'commander';

async function asUserError<T>(fn: () => Promise<T>): Promise<T> {
  const { UserError } = await import('../errors.ts');
  try {
    return await fn();
  } catch (e) {
    const name = (e as Error).name;
    if (['HeadFormatError', 'SafetensorsError', 'HttpSourceError', 'ConfigError'].includes(name)) throw new UserError((e as Error).message);
    throw e;
  }
}

export function register(program: Command): void {
  const head = program.command('head').description('import, export and inspect classifier heads (Hugging Face Wav2Vec2BertForSequenceClassification layout)');
  head
    .command('import')
    .description('import the head of a fine-tuned model (hub repo, URL, .safetensors file or folder), reading only the header and the head tensors')
    .argument('<source>', 'e.g. HERIUN/wav2vec-bert-korean-dialect-recognition, a URL, a file or folder')
    .requiredOption('--out <dir>', 'folder to write the exported head to')
    .option('--revision <rev>', 'hub revision', 'main')
    .option('--endpoint <url>', 'hub base URL (default $HF_ENDPOINT or https://huggingface.co)')
    .option('--base <model>', 'base encoder to compare layer norms with (repo, URL or file)', 'facebook/w2v-bert-2.0')
    .option('--no-check-encoder', 'skip the frozen-encoder check')
    .action(async (source: string, opts: { out: string; revision: string; endpoint?: string; base: string; checkEncoder: boolean }) => {
      const { importHeadCommand } = await import('../../head/head-commands.ts');
      const token = await hubToken();
      const s = await asUserError(() => importHeadCommand(source, { out: opts.out, revision: opts.revision, endpoint: opts.endpoint, base: opts.base, checkEncoder: opts.checkEncoder, token }));
      const read = s.bytesRead !== undefined ? `, read ${s.bytesRead} of ${s.modelSize} bytes` : '';
      process.stdout.write(`imported head ${s.inputDim}→${s.hiddenSize}→${s.labels.length} (${s.dtype}${read}) to ${opts.out}\nlabels: ${s.labels.join(', ')}\n`);
    });
  head
    .command('export')
    .description('write the head of a checkpoint, run folder or head folder as a Hugging Face head folder (model.safetensors, config.json, saturi_head.json)')
    .argument('<from>', 'checkpoint-<step>/, a run folder (its head/), or a head folder')
    .requiredOption('--out <dir>', 'destination folder')
    .action(async (from: string, opts: { out: string }) => {
      const { exportHeadCommand } = await import('../../head/head-commands.ts');
      await asUserError(() => exportHeadCommand(from, opts.out));
      process.stdout.write(`exported ${from} to ${opts.out}\n`);
    });
  head
    .command('info')
    .description('show a head: sizes, labels, dtype (reads only the header and the head tensors)')
    .argument('<source>', 'hub repo, URL, file or folder')
    .option('--revision <rev>', 'hub revision', 'main')
    .option('--endpoint <url>', 'hub base URL (default $HF_ENDPOINT or https://huggingface.co)')
    .action(async (source: string, opts: { revision: string; endpoint?: string }) => {
      const { loadHead } = await import('../../head/head-source.ts');
      const token = await hubToken();
      const h = await asUserError(() => loadHead(source, { revision: opts.revision, endpoint: opts.endpoint, token }));
      process.stdout.write(
        JSON.stringify({ type: h.head.spec.type, input_dim: h.head.spec.inputDim, hidden_size: h.head.spec.hiddenSize, labels: h.head.labels, dtype: h.dtype, use_weighted_layer_sum: h.useWeightedLayerSum, warnings: h.warnings }, null, 2) + '\n',
      );
    });
}

/** The token for private repos: HF_TOKEN in the environment or in ./.env (as the hub commands read it). */
async function hubToken(): Promise<string | undefined> {
  const { resolveToken } = await import('../../hub/token.ts');
  return (await resolveToken(undefined)).token ?? undefined;
}
