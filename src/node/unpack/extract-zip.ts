// Streams every entry of a zip into a folder. yauzl checks entry sizes but NOT the data CRC-32,
// so the CRC is computed here while the entry is written (zlib.crc32, incremental).
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { ArchiveError, type ExtractResult } from './errors.ts';
import { resolveEntryPath, unsafeReason } from './safe-path.ts';
import { archiveWritesCp949, decodeZipEntryName } from './zip-names.ts';

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

class Crc32Counter extends Transform {
  crc = 0;
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.crc = crc32(chunk, this.crc);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/** Extracts `archive` into `targetDir`. Throws ArchiveError when the zip is corrupt or truncated. */
export async function extractZip(archive: string, targetDir: string): Promise<ExtractResult> {
  let zip: ZipFile;
  try {
    zip = await openZip(archive);
  } catch (e) {
    throw new ArchiveError(archive, `cannot open zip: ${(e as Error).message}`);
  }
  // The names' encoding is judged over the whole central directory first (a second, cheap walk).
  let cp949: boolean;
  try {
    cp949 = archiveWritesCp949(await rawNames(zip));
    zip = await openZip(archive);
  } catch (e) {
    zip.close();
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
    if (e instanceof ArchiveError) throw e;
    throw new ArchiveError(archive, (e as Error).message);
  }
  if (seen !== result.entries) throw new ArchiveError(archive, `central directory lists ${result.entries} entries but ${seen} were read`);
  return result;
}

const rawName = (entry: Entry): Buffer => {
  const raw = entry.fileNameRaw ?? (entry.fileName as unknown as Buffer);
  return Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
};

/** Every entry's raw name and flags, read from the central directory; closes `zip`. */
function rawNames(zip: ZipFile): Promise<{ raw: Buffer; generalPurposeBitFlag: number; extraFields: { id: number; data: Buffer }[] }[]> {
  return new Promise((resolve, reject) => {
    const names: { raw: Buffer; generalPurposeBitFlag: number; extraFields: { id: number; data: Buffer }[] }[] = [];
    zip.on('error', reject);
    zip.on('end', () => {
      zip.close();
      resolve(names);
    });
    zip.on('entry', (entry: Entry) => {
      names.push({ raw: rawName(entry), generalPurposeBitFlag: entry.generalPurposeBitFlag, extraFields: entry.extraFields });
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
  const unixMode = entry.externalFileAttributes >>> 16;
  if ((unixMode & S_IFMT) === S_IFLNK) {
    result.refused.push({ name, reason: 'symbolic link (not extracted)' });
    return;
  }
  if (name.endsWith('/') || name.endsWith('\\')) {
    await mkdir(target, { recursive: true });
    result.dirs++;
    return;
  }
  await mkdir(dirname(target), { recursive: true });
  const counter = new Crc32Counter();
  const stream = await openEntry(zip, entry);
  await pipeline(stream, counter, createWriteStream(target));
  if (counter.bytes !== entry.uncompressedSize) {
    throw new Error(`${name}: ${counter.bytes} bytes extracted, header says ${entry.uncompressedSize}`);
  }
  if (counter.crc >>> 0 !== entry.crc32 >>> 0) {
    throw new Error(`${name}: CRC-32 mismatch (data corrupt)`);
  }
  result.files++;
  result.bytes += counter.bytes;
}
