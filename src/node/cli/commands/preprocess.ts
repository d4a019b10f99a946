import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { intFlag } from '../int-flag.ts';

interface PreprocessFlags {
  config?: string;
  input?: string;
  labels?: string;
  out?: string;
  csv?: string;
  rejects?: string;
  workers?: string;
  maxPerSpeaker?: string;
  minSeconds?: string;
  pathPattern?: string;
  report?: string;
  progress: boolean;
}

export function register(program: Command): void {
  program
    .command('preprocess')
    .description('cut an unpacked AIHub corpus into 16 kHz mono segment WAVs + CSV (dialect: 한국어 방언 발화, seoul: 한국인 대화음성 서울·경기, elder: 중·노년층 방언)')
    .argument('<set>', 'dialect | seoul | elder')
    .option('--config <file>', 'preprocess config (roots and options; default: ./configs/preprocess.json, else the one shipped with saturi)')
    .option('--input <root>', 'folder searched for the audio (overrides the config)')
    .option('--labels <root>', 'folder searched for the label files (default: the input folder)')
    .option('--out <dir>', 'output folder for segments, CSVs and done-markers (default: <out_dir>/<set>)')
    .option('--csv <file>', 'segment CSV (default: <out>/segments.csv)')
    .option('--rejects <file>', 'CSV of skipped items with reasons (default: <out>/rejects.csv)')
    .option('--workers <n>', 'worker threads (default: config, 0 = one per core)')
    .option('--max-per-speaker <n>', 'elder: most segments per speaker (default: config, 30)')
    .option('--min-seconds <s>', 'shortest segment kept (default: config, 3)')
    .option('--path-pattern <regex>', "only files whose path matches are read (default: the set's path_pattern in the config; '' reads every file)")
    .option('--report <file>', 'also write the summary as JSON')
    .option('--no-progress', 'no progress bar')
    .action(async (set: string, flags: PreprocessFlags) => {
      const { PREPROCESS_SETS, defaultPreprocessConfigPath, loadPreprocessConfig } = await import('../../pipeline/preprocess-config.ts');
      const { ConfigError } = await import('../../../core/config/validate.ts');
      if (!(PREPROCESS_SETS as readonly string[]).includes(set)) throw new UserError(`unknown set "${set}": use one of ${PREPROCESS_SETS.join(', ')}`);
      const setName = set as (typeof PREPROCESS_SETS)[number];
      // Only the elder corpus is capped per speaker (the original recipe); silently ignoring the
      // flag elsewhere would leave a user believing their dialect CSV is capped.
      if (flags.maxPerSpeaker !== undefined && setName !== 'elder') {
        throw new UserError(`--max-per-speaker applies to the elder set only; ${setName} recordings are all kept (cap rows per class later with saturi split --per-class-train)`);
      }
      const configPath = flags.config ?? defaultPreprocessConfigPath();
      let config;
      try {
        config = await loadPreprocessConfig(configPath);
      } catch (e) {
        if (e instanceof ConfigError) throw new UserError(e.message);
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`config not found: ${configPath}`);
        throw e;
      }
      const { join, resolve } = await import('node:path');
      const { writeFile } = await import('node:fs/promises');
      const { runPreprocess, PreprocessInputError } = await import('../../pipeline/preprocess.ts');
      const { poolSize } = await import('../../pipeline/pool.ts');
      const { formatPreprocessSummary } = await import('../../pipeline/summary.ts');
      const setConfig = config[setName];
      const input = resolve(flags.input ?? setConfig.input);
      const labels = resolve(flags.labels ?? (flags.input === undefined ? setConfig.labels ?? setConfig.input : input));
      const outDir = resolve(flags.out ?? join(config.out_dir, setName));
      const minSeconds = flags.minSeconds === undefined ? config.min_seconds : Number(flags.minSeconds);
      if (!(minSeconds >= 0)) throw new UserError(`--min-seconds must be a non-negative number, got "${flags.minSeconds}"`);
      const patternSource = flags.pathPattern ?? setConfig.path_pattern ?? '';
      let pathPattern: RegExp | undefined;
      try {
        pathPattern = patternSource ? new RegExp(patternSource, 'u') : undefined;
      } catch (e) {
        throw new UserError(`${flags.pathPattern === undefined ? `${configPath}: ${setName}.path_pattern` : '--path-pattern'} is not a valid regular expression: ${(e as Error).message}`);
      }
      const workers = poolSize(flags.workers === undefined ? config.workers : intFlag(flags.workers, '--workers', 0));
      const { createProgress } = await import('../../pipeline/progress.ts');
      const progress = createProgress(flags.progress, `preprocess ${setName}`);
      try {
        const summary = await runPreprocess({
          set: setName,
          input,
          labels,
          outDir,
          csv: resolve(flags.csv ?? join(outDir, 'segments.csv')),
          rejectsCsv: resolve(flags.rejects ?? join(outDir, 'rejects.csv')),
          workers,
          minSeconds,
          sampleRate: config.sampling_rate,
          pathPattern,
          skipFirstUtterance: setConfig.skip_first_utterance ?? true,
          maxPerSpeaker: flags.maxPerSpeaker === undefined ? (setConfig.max_per_speaker ?? 30) : intFlag(flags.maxPerSpeaker, '--max-per-speaker', 0),
          onProgress: progress.update,
        });
        progress.stop();
        process.stdout.write(formatPreprocessSummary(summary));
        if (summary.recordings === 0) {
          const why = summary.outsidePattern > 0 ? `; ${summary.outsidePattern} files were left out by the path pattern /${summary.pathPattern}/ (if your folders are named otherwise, pass --path-pattern '' or one that matches them)` : '';
          // The usual cause: the set was never downloaded (--preset dialect leaves the elder sets out).
          process.stderr.write(`warning: no ${setName} recordings found under ${input}${why}; if the set is not downloaded yet: saturi aihub download --preset ${setName === 'elder' ? 'elder' : 'dialect'}\n`);
        }
        if (flags.report) await writeFile(flags.report, JSON.stringify(summary, null, 2) + '\n');
      } catch (e) {
        progress.stop();
        if (e instanceof PreprocessInputError) throw new UserError(e.message);
        throw e;
      }
    });
}
