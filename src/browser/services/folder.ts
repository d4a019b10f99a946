// A folder the user opened: File System Access handle (walked lazily) or the
// files of an <input webkitdirectory>. Paths are relative to the folder, '/'-separated.
export interface FolderSource {
  name: string;
  paths: string[];
  file(path: string): Promise<File | undefined>;
  handle?: FileSystemDirectoryHandle;
}

export function folderFromFiles(files: FileList | File[]): FolderSource {
  const list = Array.from(files);
  const map = new Map<string, File>();
  let name = '';
  for (const f of list) {
    const rel = (f.webkitRelativePath || f.name).replace(/\\/g, '/');
    const parts = rel.split('/');
    // webkitRelativePath starts with the folder's own name: strip it.
    if (parts.length > 1) {
      name ||= parts[0];
      map.set(parts.slice(1).join('/'), f);
    } else map.set(rel, f);
  }
  return { name: name || 'files', paths: [...map.keys()].sort(), file: async (p) => map.get(normalise(p)) };
}

export async function folderFromHandle(handle: FileSystemDirectoryHandle): Promise<FolderSource> {
  const handles = new Map<string, FileSystemFileHandle>();
  async function walk(dir: FileSystemDirectoryHandle, prefix: string) {
    for await (const [name, h] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      if (h.kind === 'file') handles.set(prefix + name, h as FileSystemFileHandle);
      else await walk(h as FileSystemDirectoryHandle, `${prefix}${name}/`);
    }
  }
  await walk(handle, '');
  return {
    name: handle.name,
    paths: [...handles.keys()].sort(),
    handle,
    file: async (p) => {
      const h = handles.get(normalise(p));
      if (!h) return undefined;
      try {
        return await h.getFile();
      } catch (e) {
        // Deleted or renamed since the folder was opened: the same as a path the folder never had
        // (the job rejects that one item and goes on), unless the folder itself is gone.
        if ((e as Error).name === 'NotFoundError' && (await folderStillThere(handle))) return undefined;
        throw new FolderReadError(handle.name, p, e as Error);
      }
    },
  };
}

/**
 * A file of an opened folder that cannot be read for a reason other than its being gone (the
 * folder moved or deleted, the permission withdrawn): the job stops naming it, resumable once the
 * folder is opened again.
 */
export class FolderReadError extends Error {
  constructor(
    readonly folder: string,
    readonly path: string,
    cause: Error,
  ) {
    super(`${path}: cannot be read from the folder "${folder}" (${cause.name}: ${cause.message})`);
    this.name = 'FolderReadError';
  }
}

/** Whether the opened folder can still be listed (a moved or deleted folder cannot). */
async function folderStillThere(handle: FileSystemDirectoryHandle): Promise<boolean> {
  try {
    await (handle as unknown as { keys(): AsyncIterator<string> }).keys().next();
    return true;
  } catch {
    return false;
  }
}

/** Resolves `a/./b/../c` and strips a leading './' or '/'. */
export function normalise(path: string): string {
  const out: string[] = [];
  for (const part of path.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}
