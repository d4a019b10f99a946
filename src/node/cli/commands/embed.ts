import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { intFlag } from '../int-flag.ts';
import type { EmbedTimings } from '../../embeddings/file-embedder.ts';
import type { SessionLayout } from '../../embeddings/session-pool-embedder.ts';

interface EmbedFlags {
  csv?: string;
  model: string;
  revision?: string;
  dtype: string;
  out?: string;
  split?: string;
  shard?: string;
  batchSize: string;
  maxLength: string;
  seed: string;
  threads?: string;
  sessions: string;
  cacheDir?: string;
  progress: boolean;
  allowPartial?: boolean;
}

const DTYPES = ['fp32', 'fp16', 'q8'];

function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/**
 * Where the run's time went. One session: the encoder's share of the run, and how long it sat
 * idle waiting for the feature worker (a large wait means reading and features bound the job,
 * not the model). Sessions side by side: each step summed over them, and their idle time.
 */
function formatTimings(t: EmbedTimings, elapsedSeconds: number, sessions: number): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const share = (ms: number): string => (elapsedSeconds > 0 ? `${Math.round(ms / 10 / elapsedSeconds / sessions)} %` : '?');
  if (sessions > 1) {
    return (
      `time, summed over ${sessions} sessions side by side: encoder ${s(t.encoderMs)} (${share(t.encoderMs)} of their time), ` +
      `reading ${s(t.readMs)}, features ${s(t.featuresMs)}, waiting for work ${s(t.waitMs)}`
    );
  }
  return (
    `time: encoder ${s(t.encoderMs)} (${share(t.encoderMs)} of the run), waiting for features ${s(t.waitMs)} (${share(t.waitMs)}); ` +
    `feature worker, beside the encoder: reading ${s(t.readMs)}, features ${s(t.featuresMs)}`
  );
}

const threadsText = (n: number): string => `${n} thread${n === 1 ? '' : 's'}`;
const layoutText = (l: SessionLayout): string => {
  if (l.sessions > 1) return `${l.sessions} sessions side by side, ${threadsText(l.threads!)} each`;
  const session = `one session${l.threads ? ` of ${threadsText(l.threads)}` : ''}`;
  return l.featureWorker ? `${session} beside a feature worker` : `${session} in a worker thread`;
};

export function register(program: Command): void {
  program
    .command('embed')
    .description(
      'turn a segment CSV into an embedding set (masked-mean w2v-BERT 2.0 vectors): resumable, shardable; bad segments go to rejects.jsonl.\n' +
        '"saturi embed merge <dirs...> --out <dir>" joins sets (e.g. the shards of one job); the same id twice must carry the same vector',
    )
    // "merge" is an argument rather than a subcommand: a subcommand could not have its own --out next to embed's.
    .argument('[merge-dirs...]', '"merge" followed by the embedding set folders to join')
    .option('--csv <file>', 'segment CSV with path,dialect (+ name, speaker, id); paths relative to the CSV folder')
    .option('--model <id|path|url>', 'Hugging Face repo id, model folder or URL (transformers.js layout)', 'Xenova/w2v-bert-2.0')
    .option('--revision <rev>', 'hub revision (branch, tag or commit)', 'main')
    .option('--dtype <dtype>', 'encoder weights: fp32 | fp16 | q8', 'q8')
    .option('--out <dir>', 'embedding set folder (created, or resumed when it exists)')
    .option('--split <split>', 'train (seeded random 20 s crop) | eval (first 20 s); default: eval when a word of the CSV name is eval, evaluation, test, testing, valid, validation or dev (eval.csv, my_test.csv), else train')
    .option('--shard <k/N>', 'embed only shard k of N (k = 0 … N−1), chosen by a hash of the id')
    // On a CPU, batch size 1 measured fastest (npm run bench:encoder); larger batches pay off on GPUs.
    .option('--batch-size <n>', 'segments per encoder run (batched by similar length)', '1')
    .option('--max-length <seconds>', 'crop length (max_length_seconds)', '20')
    .option('--seed <n>', 'seed of the training crops', '42')
    .option('--threads <n>', 'onnxruntime threads (per session)')
    .option('--sessions <n|auto>', 'encoder sessions side by side, each with its own copy of the model; auto: one per core while the copies fit in half the free memory', 'auto')
    .option('--cache-dir <dir>', 'model download cache (default $SATURI_MODEL_CACHE or ~/.cache/saturi/models)')
    .option('--no-progress', 'no progress bar')
    .option('--allow-partial', 'embed merge: join the shards that are there when some of a --shard k/N split are missing')
    .action(async (args: string[], flags: EmbedFlags) => {
      if (args.length > 0) {
        if (args[0] !== 'merge') throw new UserError(`unexpected argument "${args[0]}" (did you mean "saturi embed merge <dirs...> --out <dir>"?)`);
        if (!flags.out) throw new UserError('embed merge needs --out <dir>');
        if (args.length < 2) throw new UserError('embed merge needs at least one embedding set folder');
        await merge(args.slice(1), flags.out, !!flags.allowPartial);
        return;
      }
      if (!flags.csv) throw new UserError('embed needs --csv <file> (or use "saturi embed merge")');
      if (!flags.out) throw new UserError('embed needs --out <dir>');
      if (!DTYPES.includes(flags.dtype)) throw new UserError(`--dtype must be one of ${DTYPES.join(', ')}, got "${flags.dtype}"`);
      const { splitFromCsvName } = await import('../../embeddings/embed-job.ts');
      const split = flags.split ?? splitFromCsvName(flags.csv);
      if (split !== 'train' && split !== 'eval') throw new UserError(`--split must be train or eval, got "${split}"`);
      const { MIN_SAMPLES } = await import('../../../core/features/seamless-feature-extractor.ts');
      const maxLength = Number(flags.maxLength);
      // Shorter than two 25 ms frames, every segment would be rejected; infinite, the manifest could not record it.
      if (!(Number.isFinite(maxLength) && maxLength >= MIN_SAMPLES / 16000)) throw new UserError(`--max-length must be a number of seconds of at least ${MIN_SAMPLES / 16000} (two 25 ms frames), got "${flags.maxLength}"`);
      const seed = Number(flags.seed);
      if (!Number.isInteger(seed)) throw new UserError(`--seed must be an integer, got "${flags.seed}"`);
      const { runEmbedJob, parseShard, EmbedInputError } = await import('../../embeddings/embed-job.ts');
      const { EmbeddingSetError } = await import('../../../core/encoder/embedding-set.ts');
      const { ModelLoadError } = await import('../../../core/encoder/hf-loader.ts');
      let shard;
      try {
        shard = flags.shard ? parseShard(flags.shard) : undefined;
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const tty = flags.progress && process.stderr.isTTY;
      const { SingleBar, Presets } = await import('cli-progress');
      const { modelDownloadProgress } = await import('../download-progress.ts');
      const bar = tty
        ? new SingleBar(
            { format: 'embed {bar} {value}/{total} segments | {hours} h audio | {rejected} rejected | {speed} | ETA {eta_formatted}', hideCursor: true, etaBuffer: 50 },
            Presets.shades_classic,
          )
        : null;
      let lastLine = 0;
      const log = (s: string): void => void process.stderr.write(s + '\n');
      try {
        const summary = await runEmbedJob({
          csv: flags.csv,
          out: flags.out,
          model: { id: flags.model, revision: flags.revision },
          dtype: flags.dtype as 'fp32' | 'fp16' | 'q8',
          split,
          shard,
          batchSize: intFlag(flags.batchSize, '--batch-size'),
          maxLengthSeconds: maxLength,
          seed,
          threads: flags.threads ? intFlag(flags.threads, '--threads') : undefined,
          sessions: flags.sessions === 'auto' ? 'auto' : intFlag(flags.sessions, '--sessions'),
          cacheDir: flags.cacheDir,
          onLoadProgress: flags.progress ? modelDownloadProgress(!!tty, log) : undefined,
          onStart: (s) => {
            for (const r of s.repaired) log(`repaired after an interrupted run: ${r}`);
            if (s.updated) log(`updated ${s.updated} already embedded segment${s.updated === 1 ? '' : 's'} whose CSV line changed (dialect, name, speaker or path); their embeddings are kept`);
            log(`embedding ${s.total - s.skipped} segments (${split}${shard ? `, shard ${shard.index}/${shard.count}` : ''}; ${s.skipped} already in ${flags.out}) on ${s.backend} (${layoutText(s.layout)}), dim ${s.dim}`);
            bar?.start(s.total - s.skipped, 0, { hours: '0.00', rejected: 0, speed: '' });
          },
          onProgress: (p) => {
            const speed = p.elapsedSeconds > 0 ? `${(p.seconds / p.elapsedSeconds).toFixed(1)}× real time` : '';
            if (bar) bar.update(p.done, { hours: (p.seconds / 3600).toFixed(2), rejected: p.rejected, speed });
            else if (flags.progress && (p.done === p.total || performance.now() - lastLine > 10_000)) {
              lastLine = performance.now();
              const eta = p.done > 0 ? ((p.total - p.done) * p.elapsedSeconds) / p.done : NaN;
              log(`embed ${p.done}/${p.total} segments | ${(p.seconds / 3600).toFixed(2)} h audio | ${p.rejected} rejected | ${speed} | ETA ${fmtDuration(eta)}`);
            }
          },
        });
        bar?.stop();
        const reasons = Object.entries(summary.rejectReasons)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ');
        process.stdout.write(
          `embedded ${summary.embedded}, skipped ${summary.skipped} (already embedded), rejected ${summary.rejected}${reasons ? ` (${reasons}; see ${flags.out}/rejects.jsonl)` : ''}\n` +
            `${summary.out}: ${summary.setCount} vectors, ${(summary.audioSeconds / 3600).toFixed(3)} h audio this run, ${fmtDuration(summary.elapsedSeconds)}\n` +
            `${formatTimings(summary.timings, summary.elapsedSeconds, summary.layout.sessions)}\n`,
        );
      } catch (e) {
        bar?.stop();
        if (e instanceof EmbedInputError || e instanceof EmbeddingSetError || e instanceof ModelLoadError) throw new UserError(e.message);
        if (e instanceof Error && /no such folder|not a Hugging Face repo id|has no config\.json/.test(e.message)) throw new UserError(e.message);
        throw e;
      }
    });
}

async function merge(dirs: string[], out: string, allowPartial: boolean): Promise<void> {
  const { mergeEmbeddingSetDirs } = await import('../../embeddings/io.ts');
  const { EmbeddingSetError } = await import('../../../core/encoder/embedding-set.ts');
  const { FolderLockedError } = await import('../../io/folder-lock.ts');
  try {
    const merged = await mergeEmbeddingSetDirs(dirs, out, { allowPartial });
    process.stdout.write(`merged ${dirs.length} sets into ${out}: ${merged.manifest.count} vectors, dim ${merged.manifest.dim}\n`);
  } catch (e) {
    if (e instanceof EmbeddingSetError || e instanceof FolderLockedError) throw new UserError(e.message);
    throw e;
  }
}
