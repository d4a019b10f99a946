// Whether a head meets the embeddings it was trained on: the CLI's eval and the app's Evaluate page
// say so when a set was embedded otherwise. One rule for both, so they warn alike.

/**
 * Repos that hold the same encoder under another name: an ONNX conversion gives the PyTorch
 * checkpoint's outputs (a head trained in PyTorch on facebook/w2v-bert-2.0, like the published
 * one, meets embeddings of Xenova/w2v-bert-2.0, the app's and `saturi embed`'s default).
 */
const SAME_ENCODER: Readonly<Record<string, string>> = {
  'Xenova/w2v-bert-2.0': 'facebook/w2v-bert-2.0',
  'onnx-community/w2v-bert-2.0': 'facebook/w2v-bert-2.0',
};

const canonical = (id: string): string => SAME_ENCODER[id] ?? id;

export interface EncoderRecord {
  id: string;
  /** Compared only between records of the same repo (a conversion's revisions are its own). */
  revision?: string;
  /** Compared when both say it ('' or absent: unknown, e.g. a head imported from PyTorch). */
  dtype?: string;
}

/**
 * How the embeddings a head was trained on (`head`) differ from a set's (`set`), one phrase per
 * difference ("facebook/… vs …", "revision a vs b", "fp32 vs q8"); empty when they agree.
 */
export function trainedEncoderDifferences(head: EncoderRecord, set: EncoderRecord): string[] {
  const diffs: string[] = [];
  if (canonical(head.id) !== canonical(set.id)) diffs.push(`${head.id} vs ${set.id}`);
  else if (head.id === set.id && head.revision && set.revision && head.revision !== set.revision) diffs.push(`revision ${head.revision} vs ${set.revision}`);
  if (head.dtype && set.dtype && head.dtype !== set.dtype) diffs.push(`${head.dtype} vs ${set.dtype}`);
  return diffs;
}
