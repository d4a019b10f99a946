import { localWriteMessage } from '../io/local-write-error.ts';

/** A corrupt, truncated or unreadable archive: message `"<archive>: <reason>"`. */
export class ArchiveError extends Error {
  constructor(
    readonly archive: string,
    readonly reason: string,
  ) {
    super(`${archive}: ${reason}`);
    this.name = 'ArchiveError';
  }
}

/**
 * Writing the extraction failed on the local disk (full, read-only, permissions): the archive is
 * not at fault. It is kept, and `saturi unpack` starts no further archive, which would fail alike.
 */
export class UnpackWriteError extends Error {
  override name = 'UnpackWriteError';
  constructor(
    readonly path: string,
    cause: NodeJS.ErrnoException,
  ) {
    super(`${localWriteMessage(path, cause)}; the archive is not at fault: run the same command again once this is fixed`, { cause });
  }
}

/** An entry that was not extracted (path escaping the target, link, device…), with why. */
export interface RefusedEntry {
  name: string;
  reason: string;
}

/** What one archive extraction produced; checked before the archive may be deleted. */
export interface ExtractResult {
  /** Entries listed by the archive (zip: central directory count; tar: headers seen). */
  entries: number;
  files: number;
  dirs: number;
  bytes: number;
  refused: RefusedEntry[];
}
