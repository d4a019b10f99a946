// Classification metrics of the original evaluation (sklearn semantics):
// accuracy, macro precision / recall / F1 with zero_division = 0, a per-class
// report and the confusion matrix (rows = true label, columns = prediction).

export interface ClassReport {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Number of samples whose true label is this class. */
  support: number;
}

export interface ClassificationMetrics {
  numSamples: number;
  accuracy: number;
  /**
   * Macro averages over the classes present in the labels or the predictions, as sklearn's
   * `average='macro'` without `labels=` (the original evaluation): a class with samples but no
   * predictions, or predictions but no samples, contributes 0; a class with neither (the elder
   * corpora have no 서울·경기) is left out rather than counted as 0.
   */
  precision: number;
  recall: number;
  f1: number;
  perClass: ClassReport[];
  /** confusion[true][predicted] */
  confusion: number[][];
}

export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numLabels: number): number[][] {
  if (yTrue.length !== yPred.length) throw new Error(`confusionMatrix: ${yTrue.length} labels but ${yPred.length} predictions`);
  const m = Array.from({ length: numLabels }, () => new Array<number>(numLabels).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (!(t >= 0 && t < numLabels) || !(p >= 0 && p < numLabels)) throw new Error(`confusionMatrix: label out of range at ${i} (true ${t}, predicted ${p})`);
    m[t][p]++;
  }
  return m;
}

const safeDiv = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export function classificationMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, labels: readonly string[]): ClassificationMetrics {
  const L = labels.length;
  const confusion = confusionMatrix(yTrue, yPred, L);
  let correct = 0;
  const perClass: ClassReport[] = [];
  let present = 0;
  for (let c = 0; c < L; c++) {
    correct += confusion[c][c];
    let predicted = 0;
    let support = 0;
    for (let k = 0; k < L; k++) {
      predicted += confusion[k][c];
      support += confusion[c][k];
    }
    const tp = confusion[c][c];
    const precision = safeDiv(tp, predicted);
    const recall = safeDiv(tp, support);
    const f1 = safeDiv(2 * precision * recall, precision + recall);
    perClass.push({ label: labels[c], precision, recall, f1, support });
    if (support + predicted > 0) present++;
  }
  // Absent classes have precision = recall = f1 = 0, so summing all and dividing by the present count is the same.
  const mean = (k: 'precision' | 'recall' | 'f1'): number => safeDiv(perClass.reduce((s, r) => s + r[k], 0), present);
  return {
    numSamples: yTrue.length,
    accuracy: safeDiv(correct, yTrue.length),
    precision: mean('precision'),
    recall: mean('recall'),
    f1: mean('f1'),
    perClass,
    confusion,
  };
}

/** Index of the largest value of each row of a [B, L] matrix (first one on ties, like numpy argmax). */
export function argmaxRows(values: ArrayLike<number>, batch: number, L: number): Int32Array {
  const out = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    let best = 0;
    for (let c = 1; c < L; c++) if (values[b * L + c] > values[b * L + best]) best = c;
    out[b] = best;
  }
  return out;
}

/** A fixed-width text report like sklearn's classification_report, plus the confusion matrix. */
export function formatReport(m: ClassificationMetrics, evalLoss?: number): string {
  const w = Math.max(12, ...m.perClass.map((r) => r.label.length)) + 2;
  const f = (x: number): string => x.toFixed(4).padStart(10);
  const lines = [`${''.padEnd(w)}${'precision'.padStart(10)}${'recall'.padStart(10)}${'f1'.padStart(10)}${'support'.padStart(10)}`];
  for (const r of m.perClass) lines.push(`${r.label.padEnd(w)}${f(r.precision)}${f(r.recall)}${f(r.f1)}${String(r.support).padStart(10)}`);
  lines.push('');
  lines.push(`${'accuracy'.padEnd(w)}${''.padStart(20)}${f(m.accuracy)}${String(m.numSamples).padStart(10)}`);
  lines.push(`${'macro avg'.padEnd(w)}${f(m.precision)}${f(m.recall)}${f(m.f1)}${String(m.numSamples).padStart(10)}`);
  if (evalLoss !== undefined) lines.push(`${'eval loss'.padEnd(w)}${f(evalLoss)}`);
  lines.push('', 'confusion matrix (rows: true, columns: predicted)');
  const cw = Math.max(6, ...m.confusion.flat().map((v) => String(v).length + 1));
  lines.push(''.padEnd(w) + m.perClass.map((_, i) => String(i).padStart(cw)).join(''));
  m.confusion.forEach((row, i) => lines.push(`${`${i} ${m.perClass[i].label}`.padEnd(w)}${row.map((v) => String(v).padStart(cw)).join('')}`));
  return lines.join('\n');
}
