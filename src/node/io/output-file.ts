// Checks made before a command writes a file: a missing folder or a folder given as the file is a
// clear error naming the path, not a stack trace after the work is done.
import { mkdirSync, realpathSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../cli/errors.ts';

export async function checkOutputFile(out: string): Promise<void> {
  const dir = dirname(resolve(out));
  if (!(await stat(dir).catch(() => null))?.isDirectory()) throw new UserError(`${out}: its folder ${dir} does not exist`);
  if ((await stat(out).catch(() => null))?.isDirectory()) throw new UserError(`${out}: is a folder, not a file name`);
}

/**
 * For a command whose output path may name a folder not made yet (eval's output_file): makes that
 * folder and says why the file cannot be written there, or null. The caller names the flag or key.
 */
export function prepareOutputFile(out: string): string | null {
  try {
    if (statSync(out, { throwIfNoEntry: false })?.isDirectory()) return `${out} is a folder, not a file name`;
    mkdirSync(dirname(resolve(out)), { recursive: true });
    return null;
  } catch (e) {
    return `cannot make the folder of ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
}

/** `p` absolute with symbolic links resolved as far as it exists (a file not written yet included). */
export function realPathOf(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(realPathOf(parent), basename(abs));
  }
}

/**
 * Refuses a command whose output is one of its inputs, or another of its outputs: the output is
 * renamed over the input (its rows lost for good) or over the other output.
 */
export function refuseClashingPaths(inputs: readonly { what: string; path: string }[], outputs: readonly { what: string; path: string }[]): void {
  const seen = new Map<string, string>();
  for (const i of inputs) seen.set(realPathOf(i.path), `the input ${i.what}`);
  for (const o of outputs) {
    const key = realPathOf(o.path);
    const clash = seen.get(key);
    if (clash) throw new UserError(`${o.what} ${o.path} is also ${clash}: writing it would replace that file; choose another output`);
    seen.set(key, o.what);
  }
}
