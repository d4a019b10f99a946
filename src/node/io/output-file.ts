// Checks made before a command writes a file: a missing folder or a folder given as the file is a
// clear error naming the path, not a stack trace after the work is done.
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UserError } from '../cli/errors.ts';

export async function checkOutputFile(out: string): Promise<void> {
  const dir = dirname(resolve(out));
  if (!(await stat(dir).catch(() => null))?.isDirectory()) throw new UserError(`${out}: its folder ${dir} does not exist`);
  if ((await stat(out).catch(() => null))?.isDirectory()) throw new UserError(`${out}: is a folder, not a file name`);
}
