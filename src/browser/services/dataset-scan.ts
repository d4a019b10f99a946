// Reads the CSVs of a dataset folder (name,path,dialect[,split][,speaker][,duration])
// into embedding-job items; paths are relative to the CSV's folder.
import { parse } from 'csv-parse/browser/esm/sync';
import { LABEL_NAMES } from '../../core/config/labels.ts';
import type { JobItem } from '../store/store.ts';
import { dirname, normalise, type FolderSource } from './folder.ts';

export interface ScanResult {
  csvs: string[];
  items: (JobItem & { duration?: number })[];
  /** Rows that cannot be used, with the reason (file named in it). */
  problems: string[];
  /** Label counts of the usable rows. */
  counts: Record<string, number>;
  /** The folder holds an embedding set (manifest.json, vectors.f32, index.jsonl) rather than audio. */
  embeddingSet: { dir: string } | null;
}

const SPLIT_FROM_NAME = /(train|dev|valid|validation|eval|test)/i;

export async function scanFolder(folder: FolderSource): Promise<ScanResult> {
  const manifest = folder.paths.find((p) => p === 'manifest.json' || p.endsWith('/manifest.json'));
  if (manifest) {
    const dir = dirname(manifest);
    const prefix = dir ? `${dir}/` : '';
    if (folder.paths.includes(`${prefix}vectors.f32`) && folder.paths.includes(`${prefix}index.jsonl`)) {
      return { csvs: [], items: [], problems: [], counts: {}, embeddingSet: { dir } };
    }
  }
  const csvs = folder.paths.filter((p) => p.toLowerCase().endsWith('.csv'));
  const items: ScanResult['items'] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const fileSet = new Set(folder.paths);
  for (const csv of csvs) {
    const file = await folder.file(csv);
    if (!file) continue;
    let records: Record<string, string>[];
    try {
      records = parse(await file.text(), { columns: true, skip_empty_lines: true, bom: true, trim: true }) as Record<string, string>[];
    } catch (e) {
      problems.push(`${csv}: ${(e as Error).message}`);
      continue;
    }
    if (records.length && !['name', 'path', 'dialect'].every((c) => c in records[0])) {
      problems.push(`${csv}: needs the columns name, path, dialect`);
      continue;
    }
    const fallbackSplit = SPLIT_FROM_NAME.exec(csv.split('/').pop() ?? '')?.[1]?.toLowerCase() ?? '';
    const base = dirname(csv);
    records.forEach((r, i) => {
      const where = `${csv}:${i + 2}`;
      if (!LABEL_NAMES.includes(r.dialect)) {
        problems.push(`${where}: unknown dialect "${r.dialect}"`);
        return;
      }
      const path = normalise(base ? `${base}/${r.path}` : r.path);
      if (!fileSet.has(path)) {
        problems.push(`${where}: ${r.path} is not in the folder`);
        return;
      }
      const split = (r.split || fallbackSplit || 'train').toLowerCase();
      const id = `${split}/${r.name || path}`;
      if (seen.has(id)) {
        problems.push(`${where}: duplicate row ${r.name}`);
        return;
      }
      seen.add(id);
      const duration = r.duration ? Number(r.duration) : undefined;
      items.push({ id, name: r.name || path.split('/').pop()!, path, dialect: r.dialect, split, ...(r.speaker ? { speaker: r.speaker } : {}), ...(duration && Number.isFinite(duration) ? { duration } : {}) });
    });
  }
  const counts: Record<string, number> = {};
  for (const it of items) counts[it.dialect] = (counts[it.dialect] ?? 0) + 1;
  return { csvs, items, problems, counts, embeddingSet: null };
}

/**
 * The unfinished job a freshly scanned folder continues: same folder name and the same items
 * (id, file, label, split, speaker), not merely as many. A folder edited since (a label fixed, a
 * file swapped for another of the same count) starts a new set instead of resuming the old
 * job's labels.
 */
export function resumableJob<J extends { status: string; folderName: string; items: readonly JobItem[] }>(
  jobs: readonly J[],
  folderName: string,
  items: readonly JobItem[],
  available: (job: J) => boolean,
): J | undefined {
  const key = (it: JobItem) => JSON.stringify([it.id, it.path, it.dialect, it.split, it.speaker ?? '']);
  const wanted = items.map(key).sort().join('\n');
  return jobs.find((j) => j.status !== 'done' && j.folderName === folderName && j.items.length === items.length && available(j) && j.items.map(key).sort().join('\n') === wanted);
}
