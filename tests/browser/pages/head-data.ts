// Deterministic toy embeddings for the head browser test, generated the same
// way in the page and in the Node test process.
import { Rng } from '../../../src/core/random/rng.ts';

export function toyEmbeddings(n: number, dim: number, seed: number): { vectors: Float32Array; labels: Int32Array; dim: number } {
  const centres = new Rng(99, 'toy-centres');
  const c = Array.from({ length: 6 }, () => Float32Array.from({ length: dim }, () => centres.uniform(-1, 1)));
  const rng = new Rng(seed, 'toy');
  const vectors = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = i % 6 === 5 && i % 4 === 0 ? 2 : i % 6;
    labels[i] = y;
    for (let k = 0; k < dim; k++) vectors[i * dim + k] = c[y][k] + rng.uniform(-1, 1);
  }
  return { vectors, labels, dim };
}

export const TOY_LABELS = ['Gyeongsang-do', 'Jeolla-do', 'Chungcheong-do', 'Jeju-do', 'Gangwon-do', 'Seoul_Gyeonggi-do'];
