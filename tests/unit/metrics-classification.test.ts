import { describe, expect, it } from 'vitest';
import { argmaxRows, classificationMetrics, confusionMatrix, formatReport } from '../../src/core/metrics/classification.ts';
import { reportFromLogits } from '../../src/core/head/evaluate.ts';

describe('classification metrics (hand-computed)', () => {
  // 3 classes; true / predicted:
  //   t: 0 0 0 1 1 2 2 2
  //   p: 0 0 1 1 0 1 1 1      → class 2 is never predicted
  const yTrue = [0, 0, 0, 1, 1, 2, 2, 2];
  const yPred = [0, 0, 1, 1, 0, 1, 1, 1];
  const labels = ['a', 'b', 'c'];

  it('confusion matrix rows are true labels, columns predictions', () => {
    expect(confusionMatrix(yTrue, yPred, 3)).toEqual([
      [2, 1, 0],
      [1, 1, 0],
      [0, 3, 0],
    ]);
  });

  it('accuracy, per-class P/R/F1 and macro averages with zero division = 0', () => {
    const m = classificationMetrics(yTrue, yPred, labels);
    expect(m.accuracy).toBeCloseTo(3 / 8, 12);
    // class a: tp 2, predicted 3, support 3 → P 2/3, R 2/3, F1 2/3
    // class b: tp 1, predicted 5, support 2 → P 1/5, R 1/2, F1 2·(0.2·0.5)/(0.7) = 2/7
    // class c: tp 0, predicted 0, support 3 → P 0 (zero division), R 0, F1 0
    expect(m.perClass[0]).toMatchObject({ label: 'a', support: 3 });
    expect(m.perClass[0].precision).toBeCloseTo(2 / 3, 12);
    expect(m.perClass[0].f1).toBeCloseTo(2 / 3, 12);
    expect(m.perClass[1].precision).toBeCloseTo(0.2, 12);
    expect(m.perClass[1].recall).toBeCloseTo(0.5, 12);
    expect(m.perClass[1].f1).toBeCloseTo(2 / 7, 12);
    expect(m.perClass[2]).toEqual({ label: 'c', precision: 0, recall: 0, f1: 0, support: 3 });
    expect(m.precision).toBeCloseTo((2 / 3 + 0.2 + 0) / 3, 12);
    expect(m.recall).toBeCloseTo((2 / 3 + 0.5 + 0) / 3, 12);
    expect(m.f1).toBeCloseTo((2 / 3 + 2 / 7 + 0) / 3, 12);
    const text = formatReport(m, 1.25);
    expect(text).toContain('macro avg');
    expect(text).toContain('confusion matrix');
  });

  it('macro averages leave out a class absent from both labels and predictions, as sklearn does', () => {
    // sklearn.metrics.precision_recall_fscore_support([0,0,1,1], [0,1,1,1], average='macro',
    // zero_division=0) → (0.8333, 0.75, 0.7333): class 2 exists in the label set only.
    const m = classificationMetrics([0, 0, 1, 1], [0, 1, 1, 1], labels);
    expect(m.precision).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(m.recall).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(m.f1).toBeCloseTo((2 / 3 + 0.8) / 2, 12);
    expect(m.perClass[2]).toEqual({ label: 'c', precision: 0, recall: 0, f1: 0, support: 0 });
    // A class that is only predicted still counts (precision 0).
    const n = classificationMetrics([0, 0, 1, 1], [0, 2, 1, 1], labels);
    expect(n.recall).toBeCloseTo((0.5 + 1 + 0) / 3, 12);
    expect(classificationMetrics([], [], labels).f1).toBe(0);
  });

  it('argmax takes the first maximum; eval loss from logits is the weighted cross entropy', () => {
    expect([...argmaxRows([1, 3, 3, 0, 0, -1], 2, 3)]).toEqual([1, 0]);
    // logits row 0 [ln 2, 0] label 0: p = 2/3; row 1 [0, 0] label 1: p = 1/2
    const logits = Float32Array.from([Math.log(2), 0, 0, 0]);
    const r = reportFromLogits(logits, Int32Array.from([0, 1]), ['x', 'y'], Float32Array.from([1, 1]));
    expect(r.eval_loss).toBeCloseTo((Math.log(3 / 2) + Math.log(2)) / 2, 6);
    expect(r.eval_accuracy).toBe(0.5); // row 1 ties → first max = class 0, which is wrong
    // Weighted: only class 1 counts.
    expect(reportFromLogits(logits, Int32Array.from([0, 1]), ['x', 'y'], Float32Array.from([0, 1])).eval_loss).toBeCloseTo(Math.log(2), 6);
    // No eval row of a weighted class (classes absent from training weigh 0): the plain mean, not 0/0 read as 0.
    const untrained = reportFromLogits(logits, Int32Array.from([0, 1]), ['x', 'y'], Float32Array.from([0, 0]));
    expect(untrained.eval_loss).toBeCloseTo((Math.log(3 / 2) + Math.log(2)) / 2, 6);
  });
});
