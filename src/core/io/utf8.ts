// Strict UTF-8: text files (CSVs, index files) whose bytes are not UTF-8 are refused, naming
// where, instead of having U+FFFD put in place of Korean paths that then match no file.

/** Where the first invalid UTF-8 sequence of `bytes` starts (1-based line, 0-based byte), or null when all of it decodes. */
export function firstInvalidUtf8(bytes: Uint8Array): { line: number; byte: number } | null {
  const decodes = (n: number, stream: boolean) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream });
      return true;
    } catch {
      return false;
    }
  };
  if (decodes(bytes.length, false)) return null;
  // Found by halves (decoding growing prefixes is too slow on big files).
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (decodes(mid, true)) lo = mid;
    else hi = mid - 1;
  }
  // `lo` ends the longest prefix that decodes as a stream, which may stop inside a character cut
  // short (the stream waits for its continuation bytes): the bad character starts where the
  // prefix decodes whole, at most three bytes back.
  let at = lo;
  while (at > 0 && !decodes(at, false)) at--;
  const line = 1 + bytes.subarray(0, at).reduce((n, b) => n + (b === 0x0a ? 1 : 0), 0);
  return { line, byte: at };
}

/** `bytes` as UTF-8 text; invalid bytes throw `fail(line, byte)`'s error. */
export function strictUtf8(bytes: Uint8Array, fail: (line: number, byte: number) => Error): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes)!;
    throw fail(at.line, at.byte);
  }
}
