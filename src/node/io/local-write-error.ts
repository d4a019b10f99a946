// Errors of the local file system while writing (full disk, permissions…): a retry cannot help and
// the data being read is not at fault, so callers stop, keep what they have and say what to fix.

const LOCAL_FATAL_CODES = new Map([
  ['ENOSPC', 'disk full'],
  ['EDQUOT', 'disk quota exceeded'],
  ['EFBIG', 'file too large for this file system'],
  ['EROFS', 'read-only file system'],
  ['EACCES', 'permission denied'],
  ['EPERM', 'operation not permitted'],
  ['EISDIR', 'is a folder'],
  ['ENOTDIR', 'a parent path is a file, not a folder'],
  ['ENAMETOOLONG', 'name too long'],
  ['EIO', 'input/output error'],
  ['EMFILE', 'too many open files'],
  ['ENFILE', 'too many open files in the system'],
]);

/** The errno code of `e` when it is a local file system error no retry can fix, else null. */
export function localWriteCode(e: unknown): string | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && LOCAL_FATAL_CODES.has(code) ? code : null;
}

/** `cannot write <path>: disk full (ENOSPC)` — the first part of a local write error's message. */
export function localWriteMessage(path: string, cause: NodeJS.ErrnoException): string {
  const code = cause.code ?? 'EIO';
  return `cannot write ${path}: ${LOCAL_FATAL_CODES.get(code) ?? cause.message} (${code})`;
}
