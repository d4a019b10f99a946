// Heads: the active one, and turning a stored head into predictions.
import { transfer } from 'comlink';
import type { StoredHead } from '../store/store.ts';
import type { EngineKind, EvalReport, Head, LabelledVectors } from '../../core/head/worker-api.ts';
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

/** Work (multiply-adds) under which the exact TypeScript reference engine beats creating an onnxruntime session. */
const SMALL_WORK = 2e8;

export function engineFor(head: Head, rows: number): EngineKind | 'auto' {
  return rows * head.spec.inputDim * head.spec.hiddenSize < SMALL_WORK ? 'reference' : 'auto';
}

/** Softmax probabilities [n, labels] of a head for [n, dim] vectors (computed in the trainer worker). */
export async function predict(head: StoredHead, vectors: Float32Array): Promise<Float32Array> {
  if (vectors.length % head.head.spec.inputDim !== 0) {
    throw new Error(`the head "${head.name}" expects ${head.head.spec.inputDim}-dimensional embeddings, got vectors of another size`);
  }
  const rows = vectors.length / head.head.spec.inputDim;
  return trainerWorker().predict(head.head, transfer(vectors, [vectors.buffer]), { engine: engineFor(head.head, rows) });
}

export async function evaluateHead(head: Head, set: LabelledVectors): Promise<EvalReport> {
  const rows = set.labels.length;
  return trainerWorker().evaluate(head, transfer(set, [set.vectors.buffer, set.labels.buffer]), { engine: engineFor(head, rows) });
}
