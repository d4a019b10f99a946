// A folder opened through the File System Access API is walked once; a file deleted or renamed
// after that made getFile() reject with NotFoundError, thrown out of FolderSource.file() as the
// browser's generic message: the whole embedding job stopped without naming the file, and Resume
// (the same cached listing) stopped again. Now a missing file reads as not there (the job rejects
// that item and goes on); any other failure names the file, and a folder that is gone says so.
import { describe, expect, it } from 'vitest';
import { folderFromHandle } from '../../src/browser/services/folder.ts';

const domError = (name: string, message: string): Error => Object.assign(new Error(message), { name });

/** A fake directory handle: files by path; `gone` paths and a `moved` folder fail like Chromium does. */
function fakeFolder(name: string, files: string[]) {
  const state = { gone: new Set<string>(), locked: new Set<string>(), moved: false };
  const notFound = () => domError('NotFoundError', 'A requested file or directory could not be found at the time an operation was processed.');
  const dir = (prefix: string, dirName: string): unknown => {
    const children = new Map<string, unknown>();
    for (const f of files.filter((p) => p.startsWith(prefix))) {
      const rest = f.slice(prefix.length);
      const [head, ...tail] = rest.split('/');
      if (tail.length) children.set(head!, dir(`${prefix}${head}/`, head!));
      else
        children.set(head!, {
          kind: 'file',
          name: head,
          getFile: async () => {
            if (state.moved || state.gone.has(f)) throw notFound();
            if (state.locked.has(f)) throw domError('NotReadableError', 'The requested file could not be read.');
            return new File([f], head!);
          },
        });
    }
    async function* iterate<T>(pick: (e: [string, unknown]) => T): AsyncGenerator<T> {
      if (state.moved) throw notFound();
      for (const e of children) yield pick(e);
    }
    return { kind: 'directory', name: dirName, entries: () => iterate((e) => e), keys: () => iterate((e) => e[0]) };
  };
  return { handle: dir('', name) as FileSystemDirectoryHandle, state };
}

describe('folderFromHandle', () => {
  it('a file gone since the folder was opened reads as not there; another failure, or the folder gone, names the file', async () => {
    const { handle, state } = fakeFolder('tones', ['segments.csv', 'wav/a.wav', 'wav/b.wav', 'wav/c.wav']);
    const folder = await folderFromHandle(handle);
    expect(folder.paths).toEqual(['segments.csv', 'wav/a.wav', 'wav/b.wav', 'wav/c.wav']);
    expect(await (await folder.file('wav/a.wav'))!.text()).toBe('wav/a.wav');
    expect(await folder.file('wav/never.wav')).toBeUndefined();

    state.gone.add('wav/b.wav');
    expect(await folder.file('wav/b.wav')).toBeUndefined();
    expect(await (await folder.file('./wav/c.wav'))!.text()).toBe('wav/c.wav');

    state.locked.add('wav/c.wav');
    const locked = folder.file('wav/c.wav');
    await expect(locked).rejects.toMatchObject({ name: 'FolderReadError' });
    await expect(locked).rejects.toThrow(/wav\/c\.wav.*"tones".*NotReadableError/);

    // The whole folder moved: not every file rejected as missing for good, but the job stopped naming it.
    state.moved = true;
    await expect(folder.file('wav/a.wav')).rejects.toThrow(/wav\/a\.wav.*"tones".*NotFoundError/);
    await expect(folderFromHandle(handle)).rejects.toThrow(/could not be found/);
  });
});
