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
