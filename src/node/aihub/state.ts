// Per-filekey download state, so an interrupted download continues where it stopped.
// Stored as `<out>/.saturi-aihub/<dataset>-<filekey>.json`, written atomically (tmp + rename)
// at every entry start and end.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CompletedEntry {
  /** Entry name in the tar (path relative to the output folder). */
  name: string;
  size: number;
  type: 'file' | 'directory';
}

export interface CurrentEntry {
  name: string;
  /** Absolute tar offset of the entry's data. */
  dataStart: number;
  size: number;
}

export interface DownloadState {
  version: 1;
  dataset: string;
  filekey: string;
  /** Length of the whole tar as the server reported it. */
  totalBytes: number | null;
  /** Tar offset right after the last completed entry (an entry boundary). */
  committedOffset: number;
  /** The entry being written when the state was saved; its bytes so far are in `<path>.saturi-partial`. */
  current: CurrentEntry | null;
  completed: CompletedEntry[];
  refused: { name: string; reason: string }[];
  /**
   * The entry size a pax global header ('g') set before the resume point (a resumed request does
   * not receive that header again); absent or null when none applies.
   */
  paxGlobalSize?: number | null;
  /** The whole tar was received and extracted. */
  tarComplete: boolean;
  /** Pieces merged and checked: nothing left to do for this filekey. */
  done: boolean;
}

export const STATE_DIR = '.saturi-aihub';

export function statePath(outDir: string, dataset: string, filekey: string): string {
  return join(outDir, STATE_DIR, `${dataset}-${filekey}.json`);
}

export function freshState(dataset: string, filekey: string): DownloadState {
  return { version: 1, dataset, filekey, totalBytes: null, committedOffset: 0, current: null, paxGlobalSize: null, completed: [], refused: [], tarComplete: false, done: false };
}

export async function loadState(outDir: string, dataset: string, filekey: string): Promise<DownloadState | null> {
  try {
    const s = JSON.parse(await readFile(statePath(outDir, dataset, filekey), 'utf8')) as DownloadState;
    return s.version === 1 && s.dataset === dataset && s.filekey === filekey ? s : null;
  } catch {
    return null;
  }
}

export async function saveState(outDir: string, state: DownloadState): Promise<void> {
  const path = statePath(outDir, state.dataset, state.filekey);
  await mkdir(join(outDir, STATE_DIR), { recursive: true });
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, path);
}

export async function removeState(outDir: string, dataset: string, filekey: string): Promise<void> {
  await rm(statePath(outDir, dataset, filekey), { force: true });
}
