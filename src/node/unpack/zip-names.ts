// Zip entry names: AIHub archives are made on Korean Windows and store names as CP949 (EUC-KR)
// bytes WITHOUT the UTF-8 flag; the zip spec says such names are CP437, which turns Korean into
// mojibake. Order of trust: UTF-8 flag (bit 11) or an Info-ZIP Unicode Path field (yauzl decodes
// both), then plain ASCII, then bytes that are valid UTF-8 (macOS tools write UTF-8 without the
// flag), and only then CP949.
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

export function decodeZipEntryName(raw: Buffer, generalPurposeBitFlag: number, extraFields: { id: number; data: Buffer }[]): string {
  if ((generalPurposeBitFlag & UTF8_FLAG) !== 0 || extraFields.some((f) => f.id === UNICODE_PATH_FIELD)) {
    // strictFileNames=false would turn `\` into `/`; we keep the raw name and check paths ourselves.
    return yauzl.getFileNameLowLevel(generalPurposeBitFlag, raw, extraFields, true);
  }
  if (isAscii(raw)) return raw.toString('latin1');
  return tryUtf8(raw) ?? iconv.decode(raw, 'cp949');
}
