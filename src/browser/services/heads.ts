// Heads: the active one, and turning a stored head into predictions.
import { transfer } from 'comlink';
import type { StoredHead } from '../store/store.ts';
import { getSettings, saveSettings, store } from './app-state.ts';
import { trainerWorker } from './workers.ts';

export async function activeHead(): Promise<StoredHead | undefined> {
  const s = await store();
  const settings = await getSettings();
  if (settings.activeHeadId) {
    const h = await s.getHead(settings.activeHeadId);
    if (h) return h;
  }
  const all = await s.listHeads();
  return all.at(-1);
}

export async function makeActive(id: string): Promise<void> {
  await saveSettings({ activeHeadId: id });
}

/** Softmax probabilities [n, labels] of a head for [n, dim] vectors (computed in the trainer worker). */
export async function predict(head: StoredHead, vectors: Float32Array): Promise<Float32Array> {
  if (vectors.length % head.head.spec.inputDim !== 0) {
    throw new Error(`the head "${head.name}" expects ${head.head.spec.inputDim}-dimensional embeddings, got vectors of another size`);
  }
  return trainerWorker().predict(head.head, transfer(vectors, [vectors.buffer]));
}
