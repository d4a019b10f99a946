import type { Command } from 'commander';
import { UserError } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('features')
    .description('write the w2v-BERT input_features of a WAV recording (any sample rate, resampled to 16 kHz mono) as NumPy .npy')
    .argument('<file.wav>', 'recording to read')
    .requiredOption('--out <file.npy>', 'input_features: float32, shape [T, 160] (T = encoder frames, 50 per second; the encoder batch dimension is left out)')
    .option('--mask <file.npy>', 'attention_mask: int64, shape [T] (1 = real frame, 0 = padding)')
    .option('--config <preprocessor_config.json>', 'feature extractor config (default: configs/preprocessor_config.json)')
    .action(async (file: string, opts: { out: string; mask?: string; config?: string }) => {
      const { writeFile, readFile } = await import('node:fs/promises');
      const { readWavFile } = await import('../../io/file-source.ts');
      const { toMono16k } = await import('../../../core/audio/resample.ts');
      const { AudioError } = await import('../../../core/audio/errors.ts');
      const { SeamlessFeatureExtractor, FeatureError, parsePreprocessorConfig, DEFAULT_PREPROCESSOR_CONFIG } = await import('../../../core/features/index.ts');
      const { ConfigError, parseJsonConfig } = await import('../../../core/config/validate.ts');
      const { encodeNpy } = await import('../../../core/io/npy.ts');

      try {
        let config = DEFAULT_PREPROCESSOR_CONFIG;
        if (opts.config) {
          let text: string;
          try {
            text = await readFile(opts.config, 'utf8');
          } catch (e) {
            throw new UserError(`${opts.config}: cannot read config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
          }
          config = parsePreprocessorConfig(parseJsonConfig(text, opts.config), opts.config);
        }
        const audio = await readWavFile(file);
        const samples = toMono16k(audio);
        const { features, mask, frames } = new SeamlessFeatureExtractor(config).extract(samples, file);
        await writeOut(opts.out, encodeNpy(features, [frames, features.length / frames]));
        if (opts.mask) await writeOut(opts.mask, encodeNpy(BigInt64Array.from(mask, (v) => BigInt(v)), [frames]));
        process.stderr.write(`${file}: ${(samples.length / 16000).toFixed(2)} s → ${frames} frames × ${features.length / frames}\n`);
      } catch (e) {
        if (e instanceof AudioError || e instanceof FeatureError || e instanceof ConfigError) throw new UserError(e.message);
        throw e;
      }

      async function writeOut(path: string, bytes: Uint8Array): Promise<void> {
        try {
          await writeFile(path, bytes);
        } catch (e) {
          throw new UserError(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
      }
    });
}
