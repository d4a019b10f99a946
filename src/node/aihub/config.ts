// configs/aihub.json: the AIHub datasets and filekeys of the presets (`dialect`, `elder`, `all`),
// validated on load so a typo names the file and the key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseJsonConfig, validateConfig } from '../../core/config/validate.ts';

export interface AihubDatasetConfig {
  name: string;
  /** Top folder the dataset's files land in after download. */
  folder: string;
  /** The filekeys used by the presets (one audio archive and its label archive per region). */
  filekeys: number[];
}

export interface AihubConfig {
  base_url: string;
  api_version: string;
  datasets: Record<string, AihubDatasetConfig>;
  presets: Record<string, string[]>;
}

export const REQUIRED_PRESETS = ['dialect', 'elder', 'all'] as const;

export const DEFAULT_AIHUB_CONFIG = join(import.meta.dirname, '..', '..', '..', 'configs', 'aihub.json');

export function validateAihubConfig(value: unknown, source: string): AihubConfig {
  const cfg = validateConfig<AihubConfig>(
    value,
    {
      base_url: { type: 'string', required: true },
      api_version: { type: 'string', required: true },
      datasets: { type: 'object', required: true },
      presets: { type: 'object', required: true },
    },
    source,
  );
  if (!/^https?:\/\//.test(cfg.base_url)) throw new ConfigError(source, 'base_url', `must be an http(s) URL, got ${JSON.stringify(cfg.base_url)}`);
  for (const [key, ds] of Object.entries(cfg.datasets)) {
    const path = `datasets.${key}`;
    if (!/^\d+$/.test(key)) throw new ConfigError(source, path, 'must be a numeric AIHub datasetkey');
    validateConfig(
      ds,
      { name: { type: 'string', required: true }, folder: { type: 'string', required: true }, filekeys: { type: 'array', required: true } },
      source,
      path + '.',
    );
    if (ds.filekeys.length === 0) throw new ConfigError(source, `${path}.filekeys`, 'must list at least one filekey');
    const seen = new Set<number>();
    ds.filekeys.forEach((fk, i) => {
      if (typeof fk !== 'number' || !Number.isInteger(fk) || fk <= 0) {
        throw new ConfigError(source, `${path}.filekeys[${i}]`, `must be a positive integer, got ${JSON.stringify(fk)}`);
      }
      if (seen.has(fk)) throw new ConfigError(source, `${path}.filekeys[${i}]`, `repeats filekey ${fk}`);
      seen.add(fk);
    });
  }
  for (const [name, list] of Object.entries(cfg.presets)) {
    const path = `presets.${name}`;
    if (!Array.isArray(list) || list.length === 0) throw new ConfigError(source, path, 'must be a non-empty array of datasetkeys');
    list.forEach((k, i) => {
      if (typeof k !== 'string' || !Object.hasOwn(cfg.datasets, k)) {
        throw new ConfigError(source, `${path}[${i}]`, `must name a dataset in "datasets", got ${JSON.stringify(k)}`);
      }
    });
  }
  for (const p of REQUIRED_PRESETS) if (!Object.hasOwn(cfg.presets, p)) throw new ConfigError(source, `presets.${p}`, 'is required');
  return cfg;
}

export function loadAihubConfig(path = DEFAULT_AIHUB_CONFIG): AihubConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, '', `cannot be read: ${(e as Error).message}`);
  }
  return validateAihubConfig(parseJsonConfig(text, path), path);
}

export interface DownloadJob {
  dataset: string;
  filekey: string;
}

/** The (dataset, filekey) pairs of a preset, in config order. */
export function presetJobs(cfg: AihubConfig, preset: string, source = 'configs/aihub.json'): DownloadJob[] {
  const list = cfg.presets[preset];
  if (!list) throw new ConfigError(source, `presets.${preset}`, `is not defined (known: ${Object.keys(cfg.presets).join(', ')})`);
  return list.flatMap((dataset) => cfg.datasets[dataset].filekeys.map((fk) => ({ dataset, filekey: String(fk) })));
}
