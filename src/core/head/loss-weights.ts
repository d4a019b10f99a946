// Class weights of the original training: max_count / count_c over the
// training labels, so rare dialects weigh as much as common ones in total.

/** Per-class counts of integer labels. */
export function classCounts(labels: ArrayLike<number>, numLabels: number): number[] {
  const counts = new Array<number>(numLabels).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!(y >= 0 && y < numLabels && Number.isInteger(y))) throw new Error(`label ${y} at row ${i} is not in 0..${numLabels - 1}`);
    counts[y]++;
  }
  return counts;
}

/**
 * `max_count / count_c`; a class absent from the training labels gets weight 0
 * (it never occurs as a target in training, and the ratio would be infinite).
 * With `enabled` false every class weighs 1 (plain mean cross entropy).
 */
export function classWeights(labels: ArrayLike<number>, numLabels: number, enabled = true): Float32Array {
  const w = new Float32Array(numLabels).fill(1);
  if (!enabled) return w;
  const counts = classCounts(labels, numLabels);
  const max = Math.max(...counts);
  for (let c = 0; c < numLabels; c++) w[c] = counts[c] > 0 ? max / counts[c] : 0;
  return w;
}

/**
 * Target matrix `yw[i, c] = weight[c]` if c is row i's label, else 0. Every
 * engine takes the loss as −Σ yw ⊙ log_softmax / Σ yw, which is PyTorch's
 * weighted-mean cross entropy Σ w_yᵢ·lossᵢ / Σ w_yᵢ without integer gathers.
 */
export function weightedTargets(labels: ArrayLike<number>, indices: ArrayLike<number>, weights: Float32Array, out?: Float32Array): Float32Array {
  const L = weights.length;
  const yw = out ?? new Float32Array(indices.length * L);
  yw.fill(0, 0, indices.length * L);
  for (let i = 0; i < indices.length; i++) {
    const y = labels[indices[i]];
    yw[i * L + y] = weights[y];
  }
  return yw;
}

/** A class with evaluation rows and no training rows: the head never learns it. */
export interface ClassMissingFromTraining {
  label: number;
  evalRows: number;
}

/**
 * Classes the eval labels hold and the training labels do not. With class_weights their weight
 * is 0 (above), so eval_loss, which picks the best checkpoint, leaves their rows out, while
 * accuracy and F1 count them: a trainer says so rather than report a loss that ignores rows.
 */
export function classesMissingFromTraining(trainLabels: ArrayLike<number>, evalLabels: ArrayLike<number>, numLabels: number): ClassMissingFromTraining[] {
  const train = classCounts(trainLabels, numLabels);
  const evalCounts = classCounts(evalLabels, numLabels);
  const out: ClassMissingFromTraining[] = [];
  for (let c = 0; c < numLabels; c++) if (train[c] === 0 && evalCounts[c]! > 0) out.push({ label: c, evalRows: evalCounts[c]! });
  return out;
}
