// configs/preprocess.json: where each AIHub corpus lies after unpacking, and the
// segmenting options. Flags override it; every key is checked on load.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, parseJsonConfig, validateConfig, type Schema } from '../../core/config/validate.ts';

export type PreprocessSet = 'dialect' | 'seoul' | 'elder';
export const PREPROCESS_SETS: readonly PreprocessSet[] = ['dialect', 'seoul', 'elder'];

/** ./configs/preprocess.json when the working folder has one, else the one shipped with saturi. */
export function defaultPreprocessConfigPath(): string {
  return existsSync('configs/preprocess.json') ? 'configs/preprocess.json' : join(import.meta.dirname, '..', '..', '..', 'configs', 'preprocess.json');
}

export interface SetConfig {
  /** Root searched (recursively) for the audio. */
  input: string;
  /** Root searched for the label files; null = the input root. */
  labels: string | null;
  /** Regular expression a file's path must match (''/absent = any): keeps one corpus out of another's run when both sit under data/raw. */
  path_pattern?: string;
  skip_first_utterance?: boolean;
  max_per_speaker?: number;
}

export interface PreprocessConfig {
  out_dir: string;
  /** 0 = one per available core. */
  workers: number;
  min_seconds: number;
  sampling_rate: number;
  dialect: SetConfig;
  seoul: SetConfig;
  elder: SetConfig;
}

const rootSchema: Schema = {
  out_dir: { type: 'string', required: true },
  workers: { type: 'integer', required: true, min: 0 },
  min_seconds: { type: 'number', required: true, min: 0 },
  sampling_rate: { type: 'integer', required: true, min: 1000, max: 192000 },
  dialect: { type: 'object', required: true },
  seoul: { type: 'object', required: true },
  elder: { type: 'object', required: true },
};

const setSchema = (set: PreprocessSet): Schema => ({
  input: { type: 'string', required: true },
  labels: { type: 'string|null' },
  path_pattern: { type: 'string' },
  ...(set === 'dialect' ? { skip_first_utterance: { type: 'boolean' } } : {}),
  ...(set === 'elder' ? { max_per_speaker: { type: 'integer', min: 0 } } : {}),
});

export function parsePreprocessConfig(value: unknown, source: string): PreprocessConfig {
  const root = validateConfig<PreprocessConfig>(value, rootSchema, source);
  for (const set of PREPROCESS_SETS) {
    const c = validateConfig<SetConfig>(root[set], setSchema(set), source, `${set}.`);
    if (c.path_pattern) {
      try {
        new RegExp(c.path_pattern, 'u');
      } catch (e) {
        throw new ConfigError(source, `${set}.path_pattern`, `is not a valid regular expression: ${(e as Error).message}`);
      }
    }
  }
  return root;
}

export async function loadPreprocessConfig(path: string): Promise<PreprocessConfig> {
  return parsePreprocessConfig(parseJsonConfig(await readFile(path, 'utf8'), path), path);
}
