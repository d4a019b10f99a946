// Zip entry names: AIHub archives are made on Korean Windows and store names as CP949 (EUC-KR)
// bytes WITHOUT the UTF-8 flag; the zip spec says such names are CP437, which turns Korean into
// mojibake. Order of trust: UTF-8 flag (bit 11) or an Info-ZIP Unicode Path field (yauzl decodes
// both), then plain ASCII, then bytes that are valid UTF-8 (macOS tools write UTF-8 without the
// flag), and only then CP949; in an archive that shows itself CP949, UTF-8 by accident is CP949.
import iconv from 'iconv-lite';
import yauzl from 'yauzl';

const UTF8_FLAG = 0x0800;
const UNICODE_PATH_FIELD = 0x7075;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return false;
  return true;
}

function tryUtf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

const flagged = (generalPurposeBitFlag: number, extraFields: { id: number; data: Buffer }[]): boolean =>
  (generalPurposeBitFlag & UTF8_FLAG) !== 0 || extraFields.some((f) => f.id === UNICODE_PATH_FIELD);

/**
 * Whether an archive's unflagged names are CP949, judged from all of them: some name that is not
 * valid UTF-8 says the tool wrote CP949. Then a name that is valid UTF-8 only by accident is read
 * as CP949 too: 345 Hangul syllables (회, 화, 천, 청, 징…) are a lead byte C2–C8 and a trail byte
 * ≤ BF, a valid 2-byte UTF-8 sequence, so '회화/a.wav' alone looks like UTF-8 'ȸȭ/a.wav'.
 */
export function archiveWritesCp949(names: readonly { raw: Buffer; generalPurposeBitFlag: number; extraFields: { id: number; data: Buffer }[] }[]): boolean {
  return names.some((n) => !flagged(n.generalPurposeBitFlag, n.extraFields) && !isAscii(n.raw) && tryUtf8(n.raw) === null);
}

/** Below U+0800 a UTF-8 character is two bytes: the only kind CP949 Hangul pairs can pass for. */
function onlyTwoByteUtf8(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x800) return false;
  return true;
}

/** How an entry name was read: what a collision report says, since two such names can look the same. */
export type ZipNameEncoding = 'UTF-8 with the UTF-8 flag' | 'ASCII' | 'UTF-8 without the flag' | 'CP949';

/**
 * `cp949Archive` (archiveWritesCp949 over the archive's names): read unflagged names that are
 * UTF-8 only as two-byte sequences as CP949. Names with longer UTF-8 characters (Hangul written by
 * macOS tools is three bytes each) stay UTF-8, so a mixed archive keeps both.
 */
export function decodeZipEntryNameWithEncoding(
  raw: Buffer,
  generalPurposeBitFlag: number,
  extraFields: { id: number; data: Buffer }[],
  cp949Archive = false,
): { name: string; encoding: ZipNameEncoding } {
  if (flagged(generalPurposeBitFlag, extraFields)) {
    // strictFileNames=false would turn `\` into `/`; we keep the raw name and check paths ourselves.
    return { name: yauzl.getFileNameLowLevel(generalPurposeBitFlag, raw, extraFields, true), encoding: 'UTF-8 with the UTF-8 flag' };
  }
  if (isAscii(raw)) return { name: raw.toString('latin1'), encoding: 'ASCII' };
  const utf8 = tryUtf8(raw);
  if (utf8 !== null && !(cp949Archive && onlyTwoByteUtf8(utf8))) return { name: utf8, encoding: 'UTF-8 without the flag' };
  return { name: iconv.decode(raw, 'cp949'), encoding: 'CP949' };
}

/** The decoded name alone; see decodeZipEntryNameWithEncoding. */
export function decodeZipEntryName(raw: Buffer, generalPurposeBitFlag: number, extraFields: { id: number; data: Buffer }[], cp949Archive = false): string {
  return decodeZipEntryNameWithEncoding(raw, generalPurposeBitFlag, extraFields, cp949Archive).name;
}
