// Runs async jobs with bounded concurrency and hands their results on in input
// order. At most `window` jobs are started but not yet handed on, so memory
// stays bounded by the window however long the input is or however unevenly
// the jobs take.

export async function mapOrdered<T, R>(
  items: AsyncIterable<T> | Iterable<T>,
  window: number,
  run: (item: T, seq: number) => Promise<R>,
  emit: (result: R, item: T, seq: number) => Promise<void> | void,
): Promise<void> {
  const pending = new Map<number, { item: T; promise: Promise<R> }>();
  let next = 0; // next seq to start
  let flushed = 0; // next seq to hand on
  let failure: unknown;
  const flushOne = async () => {
    const p = pending.get(flushed)!;
    const r = await p.promise;
    pending.delete(flushed);
    await emit(r, p.item, flushed);
    flushed++;
  };
  try {
    for await (const item of items as AsyncIterable<T>) {
      while (next - flushed >= window) await flushOne();
      const seq = next++;
      const promise = run(item, seq);
      // Avoid an unhandled rejection while the job waits in the window; flushOne rethrows it.
      promise.catch((e) => (failure ??= e));
      pending.set(seq, { item, promise });
    }
    while (flushed < next) await flushOne();
  } catch (e) {
    // Let started jobs settle before the caller tears the pool down.
    await Promise.allSettled([...pending.values()].map((p) => p.promise));
    throw e;
  }
  if (failure) throw failure;
}
