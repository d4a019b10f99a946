// Idempotent reruns: after a recording is processed, a small JSON marker in
// `<out>/.done/` records what went in (sizes and mtimes of the source WAV and
// label, the options, the planned segments) and what came out (rows, rejects,
// output sizes). A rerun whose inputs match and whose outputs are all still
// there reuses the marker instead of reading audio or writing anything.
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.ts';
import type { RejectRow } from '../../core/dataset/reasons.ts';
import type { SegmentRow } from '../../core/dataset/rows.ts';

// 2: segment length rules exact for decimal times (3.000 s passes), WAV zero padding not audio, and
// elder caps counted by what was cut. Markers of earlier rules are not reused: their outputs are redone.
const VERSION = 2;

export interface DoneMarker {
  version: number;
  signature: string;
  rows: SegmentRow[];
  rejects: RejectRow[];
  /** Output path → size in bytes. */
  outputs: Record<string, number>;
  seconds: number;
}

async function fileStamp(path: string | undefined): Promise<string> {
  if (path === undefined) return '-';
  try {
    const s = await stat(path);
    return `${s.size}:${Math.round(s.mtimeMs)}`;
  } catch {
    return 'missing';
  }
}

/** What a recording's outputs depend on. */
export async function inputSignature(files: (string | undefined)[], options: unknown): Promise<string> {
  const stamps = await Promise.all(files.map(fileStamp));
  return JSON.stringify({ v: VERSION, files: files.map((f, i) => [f ?? '', stamps[i]]), options });
}

export function markerPath(outDir: string, stem: string): string {
  return join(outDir, '.done', `${stem}.json`);
}

/** The marker when it matches `signature` and every output it lists is still there with its size. */
export async function reusableMarker(outDir: string, stem: string, signature: string): Promise<DoneMarker | undefined> {
  let marker: DoneMarker;
  try {
    marker = JSON.parse(await readFile(markerPath(outDir, stem), 'utf8')) as DoneMarker;
  } catch {
    return undefined;
  }
  if (marker.version !== VERSION || marker.signature !== signature) return undefined;
  for (const [path, size] of Object.entries(marker.outputs)) {
    try {
      if ((await stat(path)).size !== size) return undefined;
    } catch {
      return undefined;
    }
  }
  return marker;
}

/**
 * Records a recording's outputs. Segment files the recording's previous marker listed and this
 * one does not (a label changed, fewer segments kept) are removed afterwards, so the output
 * folder holds what the CSV names and nothing a listing of it would mistake for a segment.
 */
export async function writeMarker(outDir: string, stem: string, marker: Omit<DoneMarker, 'version'>): Promise<void> {
  const path = markerPath(outDir, stem);
  const before = await previousOutputs(path);
  await mkdir(join(outDir, '.done'), { recursive: true });
  await writeFileAtomic(path, JSON.stringify({ version: VERSION, ...marker }));
  await removeOutputs(outDir, Object.keys(before).filter((old) => !(old in marker.outputs)));
}

/**
 * A recording that yields nothing this run and gets no task (an elder recording past its
 * speaker's cap): the segment files of its earlier run and its marker go.
 */
export async function dropMarker(outDir: string, stem: string): Promise<void> {
  const path = markerPath(outDir, stem);
  const before = await previousOutputs(path);
  await removeOutputs(outDir, Object.keys(before));
  await rm(path, { force: true });
}

async function previousOutputs(path: string): Promise<Record<string, number>> {
  return readFile(path, 'utf8').then((t) => (JSON.parse(t) as Partial<DoneMarker>).outputs ?? {}, () => ({}));
}

/** Only files under the output folder: a marker copied from elsewhere must not delete anything else. */
async function removeOutputs(outDir: string, paths: readonly string[]): Promise<void> {
  const inside = resolve(outDir) + sep;
  for (const old of paths) if (resolve(old).startsWith(inside)) await rm(old, { force: true });
}
