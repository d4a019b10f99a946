/** A label file that cannot be used (not JSON, wrong structure): names the file. */
export class LabelError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'LabelError';
  }
}

/**
 * Replaces the bare tokens NaN, Infinity and -Infinity outside strings by null.
 * Python's json.dump writes them, JSON.parse refuses them; AIHub labels made by
 * Python tools carry them in timestamps, and one bad number must not lose the file.
 */
export function nullifyNonFiniteTokens(text: string): string {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped char
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    let len = 0;
    if (text.startsWith('NaN', i)) len = 3;
    else if (text.startsWith('-Infinity', i)) len = 9;
    else if (text.startsWith('Infinity', i)) len = 8;
    if (len > 0) {
      out += text.slice(last, i) + 'null';
      i += len - 1;
      last = i + 1;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

/** JSON.parse that tolerates a leading UTF-8 BOM (AIHub label files often have one) and Python's NaN. */
export function parseJsonText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (e) {
    const repaired = nullifyNonFiniteTokens(body);
    if (repaired !== body) {
      try {
        return JSON.parse(repaired);
      } catch {
        // fall through to the original error, which points at the real problem
      }
    }
    throw new LabelError(file, `not valid JSON: ${(e as Error).message}`);
  }
}

/** UTF-8 bytes to text; the BOM is kept so parseJsonText sees and drops it either way. */
export function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}
