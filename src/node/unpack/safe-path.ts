// Keeps archive entries inside their extraction folder. Used for zip and tar entries (unpack)
// and for the tar body of AIHub downloads.
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * Resolves an archive entry name under `root`. Returns null when the name is absolute
 * (`/x`, `\x`, `C:\x`), contains a `..` segment, a NUL byte, or is empty — such entries
 * must be reported and skipped, never written.
 */
export function resolveEntryPath(root: string, entryName: string): string | null {
  if (entryName.includes('\0')) return null;
  const name = entryName.replace(/\\/g, '/');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return null;
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.some((p) => p === '..')) return null;
  const base = resolve(root);
  const target = join(base, ...parts);
  const rel = relative(base, target);
  // Belt and braces: after joining, the path must still be strictly inside root.
  if (rel === '' || rel.startsWith('..' + sep) || rel === '..' || isAbsolute(rel)) return null;
  return target;
}

/** Why an entry name was refused, for reports. */
export function unsafeReason(entryName: string): string {
  if (entryName.includes('\0')) return 'name contains a NUL byte';
  const name = entryName.replace(/\\/g, '/');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  if (name.split('/').some((p) => p === '..')) return 'path escapes the target folder (..)';
  return 'empty path';
}

/** `./` or `.`: the archive's own root folder (GNU tar of `.` starts with it); nothing to create. */
export function isRootEntry(entryName: string): boolean {
  return entryName.replace(/\\/g, '/').split('/').every((p) => p === '' || p === '.') && !entryName.startsWith('/');
}
