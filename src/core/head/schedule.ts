// Learning-rate schedule of transformers' get_linear_schedule_with_warmup:
// the optimizer step with index `step` (0-based, i.e. before the scheduler has
// stepped `step` times) uses lr · λ(step), with λ rising linearly from 0 over
// `warmupSteps` and then falling linearly to 0 at `totalSteps`.

export function linearScheduleFactor(step: number, warmupSteps: number, totalSteps: number): number {
  if (step < warmupSteps) return step / Math.max(1, warmupSteps);
  return Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
}

export function learningRateAt(baseLr: number, step: number, warmupSteps: number, totalSteps: number): number {
  return baseLr * linearScheduleFactor(step, warmupSteps, totalSteps);
}

/** Steps per epoch with the last, smaller batch kept (drop_last false). */
export function stepsPerEpoch(numSamples: number, batchSize: number): number {
  return Math.ceil(numSamples / batchSize);
}
