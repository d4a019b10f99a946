// Generated data for head tests: separable Gaussian clusters per dialect,
// written as embedding-set folders like the encoder produces.
import { LABEL_NAMES } from '../../src/core/config/labels.ts';
import type { EmbeddingIndexRow, EmbeddingManifest } from '../../src/core/encoder/embedding-set.ts';
import { Rng } from '../../src/core/random/rng.ts';
import type { LabelledVectors } from '../../src/core/head/worker-api.ts';
import { writeEmbeddingSet } from '../../src/node/embeddings/io.ts';

export function clusteredVectors(n: number, dim: number, seed: number, spread = 1): LabelledVectors {
  const centres = new Rng(1234, 'centres');
  const c = Array.from({ length: LABEL_NAMES.length }, () => Float32Array.from({ length: dim }, () => centres.uniform(-1, 1)));
  const rng = new Rng(seed, 'samples');
  const vectors = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    // Unbalanced classes so class weights matter: label frequencies ∝ 1..6.
    const y = Math.min(LABEL_NAMES.length - 1, Math.floor(Math.sqrt(rng.nextFloat()) * LABEL_NAMES.length));
    labels[i] = y;
    for (let k = 0; k < dim; k++) vectors[i * dim + k] = c[y][k] + spread * (rng.nextFloat() + rng.nextFloat() + rng.nextFloat() - 1.5);
  }
  return { vectors, labels, dim };
}

/** The training-config keys the CLI head tests share: an hf head on the fixture sets, logged every 2 steps. */
export function sharedTrainConfig(trainDir: string, testDir: string) {
  return { train_file: trainDir, eval_file: testDir, label_column_name: 'dialect', learning_rate: 5e-3, per_device_train_batch_size: 16, logging_steps: 2, head_type: 'hf' };
}

export function manifestFor(dim: number, count: number): EmbeddingManifest {
  return {
    format: 'saturi-embeddings',
    version: 1,
    encoder: { id: 'facebook/w2v-bert-2.0', revision: 'main' },
    dtype: 'fp32',
    dim,
    pooling: 'masked-mean',
    feature_config: { feature_size: 80, num_mel_bins: 80, sampling_rate: 16000, stride: 2, padding_value: 1 },
    max_length_seconds: 20,
    labels: [...LABEL_NAMES],
    count,
    created: '2026-01-01T00:00:00.000Z',
  };
}

export async function writeLabelledSet(dir: string, set: LabelledVectors, split: string, labelOverride?: (i: number) => string, extraLabels: string[] = [], manifestOver: Partial<EmbeddingManifest> = {}): Promise<void> {
  const n = set.labels.length;
  const rows: EmbeddingIndexRow[] = Array.from({ length: n }, (_, i) => ({
    id: `${split}-${i}`,
    name: `seg${i}.wav`,
    path: `audio/${split}/seg${i}.wav`,
    dialect: labelOverride?.(i) ?? LABEL_NAMES[set.labels[i]],
    split,
    duration: 3 + (i % 5),
  }));
  const manifest = { ...manifestFor(set.dim, n), ...manifestOver };
  manifest.labels.push(...extraLabels);
  await writeEmbeddingSet(dir, manifest, set.vectors, rows);
}

/** max |a − b| / max |b| over one tensor. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / (m || 1);
}
