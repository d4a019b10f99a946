// Checks made before a command writes a file: a missing folder or a folder given as the file is a
// clear error naming the path, not a stack trace after the work is done.
import { mkdirSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
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
