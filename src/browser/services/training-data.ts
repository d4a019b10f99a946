// Stored embedding sets → labelled vectors for the trainer (optionally only some splits).
import { t } from '../i18n/i18n.ts';
import { LABEL_NAMES, labelIndex } from '../../core/config/labels.ts';
import type { LabelledVectors } from '../../core/head/worker-api.ts';
import type { SaturiStore } from '../store/store.ts';

export const EVAL_SPLITS = ['dev', 'eval', 'evaluation', 'valid', 'validation', 'test', 'testing'];

/** Rows of `setId` whose split passes `keep` (all rows when keep is undefined), with label ids. */
export async function labelledVectors(store: SaturiStore, setId: string, keep?: (split: string) => boolean): Promise<LabelledVectors & { count: number }> {
  const { vectors, dim, rows } = await store.readSet(setId);
  const picked: number[] = [];
  rows.forEach((r, i) => {
    if (!keep || keep(r.split)) picked.push(i);
  });
  // A row whose dialect is not a label of configs/labels.json (a set imported with its own label
  // names) has no label id: refused naming the set, the first such row and how many there are,
  // as the CLI refuses it (src/node/head/labelled-set.ts), where it was left out without a word.
  const unknown = picked.filter((i) => labelIndex(rows[i]!.dialect) < 0);
  if (unknown.length) {
    const first = rows[unknown[0]!]!;
    throw new Error(
      t('data.unknownDialect', { set: (await store.getSet(setId))?.name ?? setId, id: first.id, dialect: first.dialect, count: unknown.length, labels: LABEL_NAMES.join(', ') }),
    );
  }
  // One NaN (an fp16 overflow in an embedding) trains an all-NaN head that looks done: refused, naming the row.
  for (const row of picked) {
    for (let i = row * dim; i < (row + 1) * dim; i++) {
      const v = vectors[i]!;
      if (v - v !== 0) throw new Error(t('data.nonFinite', { set: (await store.getSet(setId))?.name ?? setId, id: rows[row]!.id }));
    }
  }
  if (picked.length === rows.length) {
    return { vectors, labels: Int32Array.from(rows, (r) => labelIndex(r.dialect)), dim, count: rows.length };
  }
  const out = new Float32Array(picked.length * dim);
  const labels = new Int32Array(picked.length);
  picked.forEach((src, j) => {
    out.set(vectors.subarray(src * dim, (src + 1) * dim), j * dim);
    labels[j] = labelIndex(rows[src].dialect);
  });
  return { vectors: out, labels, dim, count: picked.length };
}

export async function splitsOf(store: SaturiStore, setId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const r of await store.readRows(setId)) counts[r.split] = (counts[r.split] ?? 0) + 1;
  return counts;
}
