// Reads the CSVs of a dataset folder (name,path,dialect[,split][,speaker][,duration])
// into embedding-job items; paths relative to the CSV's folder, or absolute ones found in the folder.
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
  /** The embedding sets the folder holds (manifest.json, vectors.f32, index.jsonl) rather than audio: each is imported. */
  embeddingSets: { dir: string }[];
}

/** The split a CSV's name says, by its words as the CLI reads them (`latest.csv` is not a test set). */
const SPLIT_WORDS = new Set(['train', 'dev', 'valid', 'validation', 'eval', 'evaluation', 'test', 'testing']);
const splitFromName = (file: string): string => file.toLowerCase().split(/[^a-z]+/).find((w) => SPLIT_WORDS.has(w)) ?? '';

/**
 * Where a CSV's path points in the folder: relative paths from the CSV's folder; absolute ones
 * (the CLI's preprocess writes them) by the longest end of the path that is a file of the folder,
 * so a CSV made on this or another machine opens from wherever the folder was picked.
 */
function locate(raw: string, base: string, files: ReadonlySet<string>): string {
  const absolute = /^([/\\]|[A-Za-z]:[/\\])/.test(raw);
  if (!absolute) return normalise(base ? `${base}/${raw}` : raw);
  const parts = normalise(raw.replace(/^[A-Za-z]:/, '')).split('/');
  for (let k = 0; k < parts.length; k++) {
    const candidate = parts.slice(k).join('/');
    if (files.has(candidate)) return candidate;
  }
  return raw;
}

export async function scanFolder(folder: FolderSource): Promise<ScanResult> {
  const embeddingSets = folder.paths
    .filter((p) => p === 'manifest.json' || p.endsWith('/manifest.json'))
    .map((manifest) => ({ dir: dirname(manifest) }))
    .filter(({ dir }) => {
      const prefix = dir ? `${dir}/` : '';
      return folder.paths.includes(`${prefix}vectors.f32`) && folder.paths.includes(`${prefix}index.jsonl`);
    });
  if (embeddingSets.length) return { csvs: [], items: [], problems: [], counts: {}, embeddingSets };
  const csvs = folder.paths.filter((p) => p.toLowerCase().endsWith('.csv'));
  const items: ScanResult['items'] = [];
  const problems: string[] = [];
  const fileSet = new Set(folder.paths);
  const tables: { csv: string; records: Record<string, string>[]; fallbackSplit: string }[] = [];
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
    // The CLI's dropped.csv (filter) and rejects.csv (preprocess) list what was left out, with why:
    // reading them would bring filtered audio back.
    if (records.length && 'reason' in records[0]) {
      problems.push(`${csv}: a list of left-out rows (it has a reason column), not read`);
      continue;
    }
    if (records.length && !['name', 'path', 'dialect'].every((c) => c in records[0])) {
      problems.push(`${csv}: needs the columns name, path, dialect`);
      continue;
    }
    tables.push({ csv, records, fallbackSplit: splitFromName(csv.split('/').pop() ?? '') });
  }
  // A recording is read once. The CLI's data folder lists each one several times (dialect.csv,
  // all.csv, then train.csv or eval.csv): CSVs that say a split, by name or column, come first,
  // so a recording lands in its split and not also in 'train' from the unsplit lists.
  const saysSplit = (t: (typeof tables)[number]) => !!t.fallbackSplit || (t.records.length > 0 && 'split' in t.records[0]);
  tables.sort((a, b) => Number(saysSplit(b)) - Number(saysSplit(a)));
  const byPath = new Map<string, { csv: string; dialect: string }>();
  const seenIds = new Set<string>();
  for (const { csv, records, fallbackSplit } of tables) {
    const base = dirname(csv);
    const listedElsewhere = new Map<string, number>();
    records.forEach((r, i) => {
      const where = `${csv}:${i + 2}`;
      if (!LABEL_NAMES.includes(r.dialect)) {
        problems.push(`${where}: unknown dialect "${r.dialect}"`);
        return;
      }
      const path = locate(r.path, base, fileSet);
      if (!fileSet.has(path)) {
        problems.push(`${where}: ${r.path} is not in the folder`);
        return;
      }
      const first = byPath.get(path);
      if (first) {
        if (first.csv === csv) problems.push(`${where}: duplicate row ${r.name || path}`);
        else if (first.dialect !== r.dialect) problems.push(`${where}: ${path} is ${r.dialect} here but ${first.dialect} in ${first.csv}; ${first.csv} is kept`);
        else listedElsewhere.set(first.csv, (listedElsewhere.get(first.csv) ?? 0) + 1);
        return;
      }
      const split = (r.split || fallbackSplit || 'train').toLowerCase();
      const name = r.name || path.split('/').pop()!;
      const id = `${split}/${r.name || path}`;
      if (seenIds.has(id)) {
        problems.push(`${where}: duplicate row ${r.name}`);
        return;
      }
      seenIds.add(id);
      byPath.set(path, { csv, dialect: r.dialect });
      const duration = r.duration ? Number(r.duration) : undefined;
      items.push({ id, name, path, dialect: r.dialect, split, ...(r.speaker ? { speaker: r.speaker } : {}), ...(duration && Number.isFinite(duration) ? { duration } : {}) });
    });
    const again = [...listedElsewhere.values()].reduce((a, b) => a + b, 0);
    if (again) problems.push(`${csv}: ${again} rows already read from ${[...listedElsewhere.keys()].join(', ')}, not read again`);
  }
  const counts: Record<string, number> = {};
  for (const it of items) counts[it.dialect] = (counts[it.dialect] ?? 0) + 1;
  return { csvs, items, problems, counts, embeddingSets: [] };
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
