// Evaluation of a head on a labelled set: logits in batches from any engine,
// eval loss with the training loss function, and the classification metrics.
import { argmaxRows, classificationMetrics } from '../metrics/classification.ts';
import type { HeadEngine } from './engine.ts';
import { weightedTargets } from './loss-weights.ts';
import { weightedCrossEntropy } from './reference.ts';
import type { EvalReport, LabelledVectors } from './worker-api.ts';

export async function logitsInBatches(engine: HeadEngine, vectors: Float32Array, dim: number, batchSize: number): Promise<Float32Array> {
  const n = vectors.length / dim;
  const L = engine.spec.numLabels;
  const out = new Float32Array(n * L);
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    out.set(await engine.logits(vectors.subarray(start * dim, (start + b) * dim), b), start * L);
  }
  return out;
}

/**
 * Metrics from logits; the eval loss is the weighted-mean cross entropy with `classWeights` (all 1 =
 * plain mean) over the whole set. With class weights this differs on purpose from the Hugging Face
 * Trainer, which averages each eval batch's weighted mean (weighted by batch size), so its value
 * depends on per_device_eval_batch_size; with equal weights the two are the same. An eval set with
 * no row of a weighted class gets the plain mean.
 */
export function reportFromLogits(logits: Float32Array, labels: Int32Array, labelNames: readonly string[], classWeights: Float32Array): EvalReport {
  const n = labels.length;
  const L = labelNames.length;
  const all = new Uint32Array(n).map((_, i) => i);
  let yw = weightedTargets(labels, all, classWeights);
  // No eval row of a trained class (class weights 0 for every one): the weighted mean is 0/0, which
  // read as a perfect loss and froze the best checkpoint at the first evaluation. The plain mean then.
  if (n > 0 && yw.every((w) => w === 0)) yw = weightedTargets(labels, all, new Float32Array(L).fill(1));
  const loss = weightedCrossEntropy(logits, yw, n, L);
  const metrics = classificationMetrics(labels, argmaxRows(logits, n, L), labelNames);
  return {
    eval_loss: loss,
    eval_accuracy: metrics.accuracy,
    eval_precision: metrics.precision,
    eval_recall: metrics.recall,
    eval_f1: metrics.f1,
    metrics,
  };
}

export async function evaluateEngine(engine: HeadEngine, set: LabelledVectors, labelNames: readonly string[], batchSize: number, classWeights: Float32Array): Promise<EvalReport> {
  if (set.dim !== engine.spec.inputDim) throw new Error(`eval set has dimension ${set.dim}, the head expects ${engine.spec.inputDim}`);
  const logits = await logitsInBatches(engine, set.vectors, set.dim, batchSize);
  return reportFromLogits(logits, set.labels, labelNames, classWeights);
}
