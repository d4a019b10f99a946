// Streams every entry of a zip into a folder. yauzl checks entry sizes but NOT the data CRC-32,
// so the CRC is computed here while the entry is written (zlib.crc32, incremental), through the
// same batched writer as tar entries.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { ArchiveError, UnpackWriteError, type ExtractResult } from './errors.ts';
import { writeEntryTo } from './write-entry.ts';
import { resolveEntryPath, unsafeReason } from './safe-path.ts';
import { collisionReason, EntryPathRegistry, stagingWriteError, type EntryCollision } from './entry-names.ts';
import { archiveWritesCp949, decodeZipEntryName, decodeZipEntryNameWithEncoding } from './zip-names.ts';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: true }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    );
  });
}

function openEntry(zip: ZipFile, entry: Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

/** Extracts `archive` into `targetDir`. Throws ArchiveError when the zip is corrupt or truncated. */
export async function extractZip(archive: string, targetDir: string): Promise<ExtractResult> {
  let zip: ZipFile;
  try {
    zip = await openZip(archive);
  } catch (e) {
    throw new ArchiveError(archive, `cannot open zip: ${(e as Error).message}`);
  }
  // The names' encoding is judged over the whole central directory first (a second, cheap walk);
  // the same walk finds entries that would land on one path, before anything is written.
  let cp949: boolean;
  try {
    const names = await rawNames(zip);
    cp949 = archiveWritesCp949(names);
    const collisions = findCollisions(names, targetDir, cp949);
    if (collisions.length > 0) throw new ArchiveError(archive, collisionReason(collisions));
    zip = await openZip(archive);
  } catch (e) {
    zip.close();
    if (e instanceof ArchiveError) throw e;
    throw new ArchiveError(archive, (e as Error).message);
  }
  const result: ExtractResult = { entries: zip.entryCount, files: 0, dirs: 0, bytes: 0, refused: [] };
  let seen = 0;
  await mkdir(targetDir, { recursive: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (e: unknown) => {
        zip.close();
        reject(e);
      };
      zip.on('error', fail);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: Entry) => {
        seen++;
        handleEntry(zip, entry, targetDir, result, cp949).then(() => zip.readEntry(), fail);
      });
      zip.readEntry();
    });
  } catch (e) {
    if (e instanceof ArchiveError || e instanceof UnpackWriteError) throw e;
    throw new ArchiveError(archive, (e as Error).message);
  }
  if (seen !== result.entries) throw new ArchiveError(archive, `central directory lists ${result.entries} entries but ${seen} were read`);
  return result;
}

const rawName = (entry: Entry): Buffer => {
  const raw = entry.fileNameRaw ?? (entry.fileName as unknown as Buffer);
  return Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
};

interface RawName {
  raw: Buffer;
  generalPurposeBitFlag: number;
  extraFields: { id: number; data: Buffer }[];
  externalFileAttributes: number;
}

const isSymlink = (externalFileAttributes: number) => ((externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK;

/**
 * Entries that would be written to the same path (decoded, resolved, NFC), in central-directory
 * order. Entries that are refused (unsafe paths, links) write nothing and are left out.
 */
function findCollisions(names: readonly RawName[], targetDir: string, cp949: boolean): EntryCollision[] {
  const registry = new EntryPathRegistry(targetDir);
  const collisions: EntryCollision[] = [];
  names.forEach((n, i) => {
    const { name, encoding } = decodeZipEntryNameWithEncoding(n.raw, n.generalPurposeBitFlag, n.extraFields, cp949);
    const target = resolveEntryPath(targetDir, name);
    if (target === null || isSymlink(n.externalFileAttributes)) return;
    const isDir = name.endsWith('/') || name.endsWith('\\');
    const c = registry.add(target, { index: i + 1, name, note: encoding === 'ASCII' ? undefined : `stored as ${encoding}` }, isDir);
    if (c) collisions.push(c);
  });
  return collisions;
}

/** Every entry's raw name and flags, read from the central directory; closes `zip`. */
function rawNames(zip: ZipFile): Promise<RawName[]> {
  return new Promise((resolve, reject) => {
    const names: RawName[] = [];
    zip.on('error', reject);
    zip.on('end', () => {
      zip.close();
      resolve(names);
    });
    zip.on('entry', (entry: Entry) => {
      names.push({
        raw: rawName(entry),
        generalPurposeBitFlag: entry.generalPurposeBitFlag,
        extraFields: entry.extraFields,
        externalFileAttributes: entry.externalFileAttributes,
      });
      zip.readEntry();
    });
    zip.readEntry();
  });
}

async function handleEntry(zip: ZipFile, entry: Entry, targetDir: string, result: ExtractResult, cp949: boolean): Promise<void> {
  const name = decodeZipEntryName(rawName(entry), entry.generalPurposeBitFlag, entry.extraFields, cp949);
  const target = resolveEntryPath(targetDir, name);
  if (target === null) {
    result.refused.push({ name, reason: unsafeReason(name) });
    return;
  }
  if (isSymlink(entry.externalFileAttributes)) {
    result.refused.push({ name, reason: 'symbolic link (not extracted)' });
    return;
  }
  if (name.endsWith('/') || name.endsWith('\\')) {
    await mkdir(target, { recursive: true }).catch((e: unknown) => {
      throw stagingWriteError(e, name, target);
    });
    result.dirs++;
    return;
  }
  let crc = 0;
  let bytes: number;
  // 'wx': a staging file is written once; a second entry on the same path is an error, never an overwrite.
  try {
    await mkdir(dirname(target), { recursive: true });
    const stream = (await openEntry(zip, entry)) as AsyncIterable<Buffer>;
    bytes = await writeEntryTo(
      (async function* () {
        for await (const chunk of stream) {
          crc = crc32(chunk, crc);
          yield chunk;
        }
      })(),
      target,
      'wx',
    );
  } catch (e) {
    throw stagingWriteError(e, name, target);
  }
  if (bytes !== entry.uncompressedSize) {
    throw new Error(`${name}: ${bytes} bytes extracted, header says ${entry.uncompressedSize}`);
  }
  if (crc >>> 0 !== entry.crc32 >>> 0) {
    throw new Error(`${name}: CRC-32 mismatch (data corrupt)`);
  }
  result.files++;
  result.bytes += bytes;
}
