// An embedding-set folder as labelled vectors for the head: label names from
// the index column `label_column_name`, mapped to configs/labels.json ids.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { LABEL_NAMES, labelIndex } from '../../core/config/labels.ts';
import { ConfigError } from '../../core/config/validate.ts';
import type { EmbeddingManifest } from '../../core/encoder/embedding-set.ts';
import type { LabelledVectors } from '../../core/head/worker-api.ts';
import { readEmbeddingSet } from '../embeddings/io.ts';

export interface LoadedSet extends LabelledVectors {
  manifest: EmbeddingManifest;
  dir: string;
}

export async function loadLabelledSet(dir: string, labelColumn: string, configSource: string, configKey: string): Promise<LoadedSet> {
  const abs = resolve(dir);
  let set;
  try {
    // The app exports a set as one .zip; the CLI reads the folder it unzips to.
    if (abs.toLowerCase().endsWith('.zip') && statSync(abs, { throwIfNoEntry: false })?.isFile()) {
      throw new ConfigError(configSource, configKey, `names ${dir}, a zipped embedding set (the app's export): unzip it and give the folder holding manifest.json`);
    }
    set = await readEmbeddingSet(abs);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(configSource, configKey, `names ${dir}, which cannot be read as an embedding set: ${(e as Error).message}`);
  }
  const labels = new Int32Array(set.rows.length);
  set.rows.forEach((row, i) => {
    const value = (row as unknown as Record<string, unknown>)[labelColumn];
    if (value === undefined) throw new ConfigError(configSource, 'label_column_name', `"${labelColumn}" is not a column of ${abs}/index.jsonl (row ${i + 1} has ${Object.keys(row).join(', ')})`);
    const id = labelIndex(String(value));
    if (id < 0) throw new ConfigError(`${abs}/index.jsonl`, `row ${i + 1} ${labelColumn}`, `is "${value}", not a label of configs/labels.json (${LABEL_NAMES.join(', ')})`);
    labels[i] = id;
  });
  return { vectors: set.vectors, labels, dim: set.manifest.dim, manifest: set.manifest, dir: abs };
}
