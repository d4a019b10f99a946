// Layout and batching of an audio-folder dataset for the Hub:
//   train/<dialect>/<file>.wav … train/metadata.csv   (file_name,dialect)
//   test/<dialect>/<file>.wav  … test/metadata.csv
// Audio goes up in batches of N files, one commit each, then the metadata (and
// a dataset card README.md when the repo is given) in a last commit, so the dataset only looks complete when it is. The plan is
// deterministic for the same input, and its id lets a rerun check that a
// saved upload state belongs to the same file list before resuming.
import { stringify } from 'csv-stringify/sync';
import { buildDatasetCard } from './dataset-card.ts';

export type DatasetSplit = 'train' | 'test';

export interface DatasetSourceFile {
  split: DatasetSplit;
  /** Where the audio is (a local path for the CLI). */
  source: string;
  dialect: string;
  size: number;
}

export interface PlannedFile {
  repoPath: string;
  source: string;
  size: number;
}

export interface PlannedBatch {
  index: number;
  /** Audio files, or none for the final metadata batch. */
  files: PlannedFile[];
  /** In-memory files (metadata.csv) that go up with this batch. */
  generated: { repoPath: string; text: string }[];
  bytes: number;
}

export interface DatasetPlan {
  id: string;
  files: PlannedFile[];
  batches: PlannedBatch[];
  counts: Record<DatasetSplit, Record<string, number>>;
  totalBytes: number;
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}

/** cyrb53: a fast 53-bit string hash; identifies a plan, not a security boundary. */
export function hash53(text: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

export function planDataset(sources: DatasetSourceFile[], batchSize: number, opts: { repo?: string } = {}): DatasetPlan {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  const files: PlannedFile[] = [];
  const used = new Set<string>();
  const metaRows: Record<DatasetSplit, [string, string][]> = { train: [], test: [] };
  const counts: Record<DatasetSplit, Record<string, number>> = { train: {}, test: {} };
  for (const s of sources) {
    // Dialect sub-folders keep folders small; a repeated name gets a numbered suffix.
    const name = baseName(s.source);
    const dot = name.lastIndexOf('.');
    const stem = dot > 0 ? name.slice(0, dot) : name;
    const ext = dot > 0 ? name.slice(dot) : '';
    let rel = `${s.dialect}/${name}`;
    for (let k = 2; used.has(`${s.split}/${rel}`); k++) rel = `${s.dialect}/${stem}_${k}${ext}`;
    used.add(`${s.split}/${rel}`);
    files.push({ repoPath: `${s.split}/${rel}`, source: s.source, size: s.size });
    metaRows[s.split].push([rel, s.dialect]);
    counts[s.split][s.dialect] = (counts[s.split][s.dialect] ?? 0) + 1;
  }
  const batches: PlannedBatch[] = [];
  for (let i = 0; i < files.length; i += batchSize) {
    const chunk = files.slice(i, i + batchSize);
    batches.push({ index: batches.length, files: chunk, generated: [], bytes: chunk.reduce((n, f) => n + f.size, 0) });
  }
  const generated = (['train', 'test'] as const)
    .filter((split) => metaRows[split].length > 0)
    .map((split) => ({ repoPath: `${split}/metadata.csv`, text: stringify(metaRows[split], { header: true, columns: ['file_name', 'dialect'] }) }));
  if (opts.repo) generated.push({ repoPath: 'README.md', text: buildDatasetCard(opts.repo, counts) });
  const metaBytes = generated.reduce((n, g) => n + new TextEncoder().encode(g.text).length, 0);
  batches.push({ index: batches.length, files: [], generated, bytes: metaBytes });
  const id = hash53(JSON.stringify({ batchSize, files: files.map((f) => [f.repoPath, f.size]), meta: generated.map((g) => g.text) }));
  return { id, files, batches, counts, totalBytes: files.reduce((n, f) => n + f.size, 0) + metaBytes };
}
