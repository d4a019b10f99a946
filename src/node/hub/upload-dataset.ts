// `saturi hub upload-dataset`: train/eval CSVs (name,path,dialect; paths
// relative to the CSV's folder) → an audio-folder dataset repo, uploaded in
// resumable batches. A local state file records each committed batch; a rerun
// with the same file list continues after the last one.
import { openAsBlob } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { CsvFileError, readCsv } from '../pipeline/csv-io.ts';
import { UserError } from '../cli/errors.ts';
import { LABEL_NAMES } from '../../core/config/labels.ts';
import { commitFiles, ensureRepo, type HubTarget, type UploadProgress } from '../../core/hub/commit-files.ts';
import { planDataset, type DatasetPlan, type DatasetSourceFile, type DatasetSplit } from '../../core/hub/dataset-plan.ts';

export interface UploadState {
  repo: string;
  planId: string;
  batches: number;
  committed: { index: number; commit: string; files: number; at: string }[];
}

const STAT_CONCURRENCY = 64;

/** Read one split's CSV; every problem (bad dialect, missing audio) is collected and reported with its line. */
export async function readSplitCsv(csvFile: string, split: DatasetSplit): Promise<DatasetSourceFile[]> {
  // Streamed, keeping two strings a row: parsed whole, a 900k-row train CSV took gigabytes.
  // Through the pipeline's reader, so a CP949 file is refused as embed, filter and split refuse it.
  const rows: { path: string; dialect: string }[] = [];
  try {
    for await (const r of readCsv(csvFile)) {
      if (rows.length === 0) for (const col of ['path', 'dialect']) if (!(col in r)) throw new UserError(`${csvFile}: has no "${col}" column (expected name,path,dialect)`);
      rows.push({ path: (r.path ?? '').trim(), dialect: (r.dialect ?? '').trim() });
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (e instanceof CsvFileError) throw new UserError(e.message);
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${csvFile}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (rows.length === 0) throw new UserError(`${csvFile}: has no rows`);
  const base = dirname(resolve(csvFile));
  const problems: string[] = [];
  const out: DatasetSourceFile[] = [];
  const check = async ({ path, dialect }: { path: string; dialect: string }, i: number) => {
    const line = i + 2; // header is line 1
    if (!LABEL_NAMES.includes(dialect)) problems.push(`line ${line}: unknown dialect "${dialect}" (one of ${LABEL_NAMES.join(', ')})`);
    const source = isAbsolute(path) ? path : resolve(base, path);
    const st = await stat(source).catch(() => null);
    if (!st?.isFile()) problems.push(`line ${line}: audio file ${source} is missing`);
    else out[i] = { split, source, dialect, size: st.size };
  };
  // A bounded number of stats at once: one per row of a 900k-row CSV at once held gigabytes.
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(STAT_CONCURRENCY, rows.length) }, async () => {
      while (next < rows.length) {
        const i = next++;
        await check(rows[i]!, i);
      }
    }),
  );
  if (problems.length > 0) {
    problems.sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]));
    const shown = problems.slice(0, 10).join('\n  ');
    throw new UserError(`${csvFile}: ${problems.length} problem(s), nothing uploaded:\n  ${shown}${problems.length > 10 ? `\n  … and ${problems.length - 10} more` : ''}`);
  }
  return out;
}

export async function loadState(file: string): Promise<UploadState | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as UploadState;
  } catch {
    throw new UserError(`${file}: upload state file is not valid JSON (delete it to start over)`);
  }
}

async function saveState(file: string, state: UploadState): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n');
  await rename(tmp, file);
}

export function defaultStateFile(repo: string): string {
  return resolve(`.saturi-upload-${repo.replace('/', '__')}.json`);
}

function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) (v /= 1024), u++;
  return `${v.toFixed(1)} ${units[u]}`;
}

export function describePlan(plan: DatasetPlan, repo: string, state: UploadState | null, show = 10): string {
  const lines = [`dataset repo ${repo}: ${plan.files.length} audio files, ${fmtBytes(plan.totalBytes)} in ${plan.batches.length} commits (${plan.batches.length - 1} audio batches + metadata)`];
  for (const split of ['train', 'test'] as const) {
    const c = plan.counts[split];
    const n = Object.values(c).reduce((a, b) => a + b, 0);
    if (n > 0) lines.push(`  ${split}: ${n} files (${LABEL_NAMES.filter((l) => c[l]).map((l) => `${l} ${c[l]}`).join(', ')}) + ${split}/metadata.csv`);
  }
  if (plan.batches.at(-1)!.generated.some((g) => g.repoPath === 'README.md')) lines.push('  + README.md (dataset card)');
  const done = state && state.planId === plan.id ? state.committed.length : 0;
  if (done > 0) lines.push(`  already committed: ${done} of ${plan.batches.length} batches (a run continues with batch ${done + 1})`);
  lines.push(`  first files:`);
  for (const f of plan.files.slice(0, show)) lines.push(`    ${f.repoPath}  ←  ${f.source}  (${fmtBytes(f.size)})`);
  if (plan.files.length > show) lines.push(`    … and ${plan.files.length - show} more`);
  return lines.join('\n');
}

export interface UploadDatasetOptions {
  train: string;
  eval?: string;
  repo: string;
  batchSize: number;
  dryRun: boolean;
  stateFile: string;
  private?: boolean;
  target?: Omit<HubTarget, 'repo' | 'type'>;
  log: (line: string) => void;
  onProgress?: (p: UploadProgress) => void;
}

export async function uploadDataset(o: UploadDatasetOptions): Promise<{ plan: DatasetPlan; committed: number; skipped: number }> {
  const sources = [...(await readSplitCsv(o.train, 'train')), ...(o.eval ? await readSplitCsv(o.eval, 'test') : [])];
  const plan = planDataset(sources, o.batchSize, { repo: o.repo });
  let state = await loadState(o.stateFile);
  if (state && (state.repo !== o.repo || state.planId !== plan.id)) {
    throw new UserError(
      `${o.stateFile}: this upload state belongs to ${state.repo === o.repo ? 'a different file list or batch size' : `repo ${state.repo}`}; ` +
        'delete it to start over, or pass --state with another file',
    );
  }
  if (o.dryRun) {
    o.log(describePlan(plan, o.repo, state));
    o.log('dry run: nothing uploaded');
    return { plan, committed: 0, skipped: state?.committed.length ?? 0 };
  }
  if (!o.target) throw new Error('uploadDataset: no hub target');
  const target: HubTarget = { ...o.target, repo: o.repo, type: 'dataset' };
  state ??= { repo: o.repo, planId: plan.id, batches: plan.batches.length, committed: [] };
  const done = new Set(state.committed.map((c) => c.index));
  o.log(describePlan(plan, o.repo, state, 3));
  const { created, visibilitySet } = await ensureRepo(target, { private: o.private });
  o.log(created ? `created dataset repo ${o.repo}` : `dataset repo ${o.repo} exists`);
  if (visibilitySet) o.log(`dataset repo ${o.repo}: set its visibility to ${visibilitySet}`);
  // A repo that had to be created holds none of the commits the state remembers (another Hub, or
  // the repo deleted since): starting over is the only way to get every file there.
  if (created && done.size > 0) {
    o.log(`${o.stateFile}: the repo was just created, so the ${done.size} batches it records as committed are not there; uploading all of them`);
    state.committed = [];
    done.clear();
    await saveState(o.stateFile, state);
  }
  let committed = 0;
  for (const batch of plan.batches) {
    if (done.has(batch.index)) continue;
    const files = [
      ...(await Promise.all(batch.files.map(async (f) => ({ path: f.repoPath, content: await openAsBlob(f.source) })))),
      ...batch.generated.map((g) => ({ path: g.repoPath, content: new Blob([g.text], { type: 'text/csv' }) })),
    ];
    const n = batch.index + 1;
    const title = batch.files.length > 0 ? `Upload audio batch ${n}/${plan.batches.length - 1}` : 'Upload metadata.csv and dataset card';
    const out = await commitFiles(target, files, title, o.onProgress);
    state.committed.push({ index: batch.index, commit: out.commit.oid, files: files.length, at: new Date().toISOString() });
    await saveState(o.stateFile, state);
    committed++;
    o.log(`committed batch ${n}/${plan.batches.length}: ${files.length} files, ${fmtBytes(batch.bytes)} (${out.commit.oid.slice(0, 10)})`);
  }
  o.log(`done: ${o.repo} has all ${plan.files.length} audio files and metadata (${committed} commits this run, ${done.size} from before)`);
  return { plan, committed, skipped: done.size };
}
