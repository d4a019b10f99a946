// Streams a .tar / .tar.gz / .tgz into a folder with tar-stream. Sizes are checked per entry
// and the end-of-archive marker must be reached, so a tar cut between two entries is caught.
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import { writeEntryTo } from './write-entry.ts';
import { ArchiveError, UnpackWriteError, type ExtractResult } from './errors.ts';
import { collisionReason, EntryPathRegistry, stagingWriteError } from './entry-names.ts';
import { isRootEntry, resolveEntryPath, unsafeReason } from './safe-path.ts';
import { TarBlockTracker } from './tar-blocks.ts';

export async function extractTar(archive: string, targetDir: string, opts: { gzip: boolean }): Promise<ExtractResult> {
  const result: ExtractResult = { entries: 0, files: 0, dirs: 0, bytes: 0, refused: [] };
  await mkdir(targetDir, { recursive: true });
  const tracker = new TarBlockTracker();
  // A tar may hold one path twice (`tar -r` appends a newer copy): that would overwrite a file,
  // so it is refused like a zip with colliding names.
  const registry = new EntryPathRegistry(targetDir);
  let collision: string | null = null;
  const extractor = tarExtract();
  let current: { destroy(e?: Error): void } | null = null;
  const handled = (async () => {
    for await (const entry of extractor) {
      current = entry;
      const h = entry.header;
      result.entries++;
      const name = h.name;
      if (h.type === 'directory' && isRootEntry(name)) {
        entry.resume();
        continue;
      }
      const target = resolveEntryPath(targetDir, name);
      if (target === null) {
        result.refused.push({ name, reason: unsafeReason(name) });
        entry.resume();
        continue;
      }
      if (h.type === 'directory' || h.type === 'file' || h.type === 'contiguous-file') {
        const c = registry.add(target, { index: result.entries, name }, h.type === 'directory');
        if (c) {
          collision = collisionReason([c]);
          throw new Error(collision);
        }
      }
      if (h.type === 'directory') {
        await mkdir(target, { recursive: true }).catch((e: unknown) => {
          throw stagingWriteError(e, name, target);
        });
        result.dirs++;
        entry.resume();
        continue;
      }
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        result.refused.push({ name, reason: `${h.type} entry (not extracted)` });
        entry.resume();
        continue;
      }
      let written: number;
      try {
        await mkdir(dirname(target), { recursive: true });
        written = await writeEntryTo(entry as unknown as AsyncIterable<Buffer>, target, 'wx');
      } catch (e) {
        throw stagingWriteError(e, name, target);
      }
      if (written !== (h.size ?? 0)) throw new Error(`${name}: ${written} bytes extracted, header says ${h.size}`);
      result.files++;
      result.bytes += written;
    }
  })();
  try {
    const source = createReadStream(archive);
    const feed = opts.gzip ? pipeline(source, createGunzip(), tracker, extractor) : pipeline(source, tracker, extractor);
    await Promise.all([feed, handled]);
  } catch (e) {
    // A truncated tar leaves the entry being written waiting for data: end it with the error.
    (current as { destroy(e?: Error): void } | null)?.destroy(e as Error);
    extractor.destroy();
    // When the entry loop failed, the feed fails too ("Premature close"): the loop's error is the cause.
    const own = await handled.then(
      () => null,
      (err: unknown) => err,
    );
    if (own instanceof UnpackWriteError) throw own;
    throw new ArchiveError(archive, collision ?? describe(e));
  }
  if (!tracker.sawEnd) throw new ArchiveError(archive, 'truncated: the end-of-archive marker is missing');
  return result;
}

function describe(e: unknown): string {
  const msg = (e as Error)?.message ?? String(e);
  if (/unexpected end/i.test(msg)) return `truncated: ${msg}`;
  return msg;
}
