// The `preprocessor_config.json` of w2v-BERT 2.0 (Hugging Face `SeamlessM4TFeatureExtractor`),
// parsed and validated. Keys follow the Hugging Face file, so the real file loads unchanged.
import { ConfigError, validateConfig, type Schema } from '../config/validate.ts';
import defaultConfigJson from '../../../configs/preprocessor_config.json' with { type: 'json' };

export interface PreprocessorConfig {
  feature_extractor_type: 'SeamlessM4TFeatureExtractor';
  /** Mel bins per frame (the encoder sees `feature_size · stride` values per row). */
  feature_size: number;
  num_mel_bins: number;
  sampling_rate: number;
  /** Frames stacked into one encoder row. */
  stride: number;
  /** Value of padded features (odd frame count, shorter clips in a batch). */
  padding_value: number;
  return_attention_mask: boolean;
  padding_side: 'right';
  processor_class?: string;
}

const schema: Schema = {
  feature_extractor_type: { type: 'string', required: true, oneOf: ['SeamlessM4TFeatureExtractor'] },
  feature_size: { type: 'integer', required: true, min: 1, max: 256 },
  num_mel_bins: { type: 'integer', required: true, min: 1, max: 256 },
  // The Kaldi framing (400/160 samples, FFT 512) is fixed in samples, as in the reference
  // implementations, so it is only the 25 ms / 10 ms recipe at 16 kHz.
  sampling_rate: { type: 'integer', required: true, oneOf: [16000] },
  stride: { type: 'integer', required: true, min: 1, max: 16 },
  padding_value: { type: 'number', required: true },
  return_attention_mask: { type: 'boolean', required: true },
  // transformers.js (our parity reference) only pads on the right.
  padding_side: { type: 'string', required: true, oneOf: ['right'] },
  processor_class: { type: 'string' },
};

/** Validates a parsed `preprocessor_config.json`; errors name `source` and the bad key. */
export function parsePreprocessorConfig(json: unknown, source: string): PreprocessorConfig {
  const cfg = validateConfig<PreprocessorConfig>(json, schema, source);
  if (cfg.feature_size !== cfg.num_mel_bins) {
    throw new ConfigError(source, 'feature_size', `must equal num_mel_bins (${cfg.num_mel_bins}), got ${cfg.feature_size}`);
  }
  return Object.freeze({ ...cfg });
}

/** `configs/preprocessor_config.json`: the w2v-BERT 2.0 defaults. */
export const DEFAULT_PREPROCESSOR_CONFIG: PreprocessorConfig = parsePreprocessorConfig(defaultConfigJson, 'configs/preprocessor_config.json');
