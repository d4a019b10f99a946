// A pass-through stream that follows the 512-byte block structure of a tar stream and reports,
// for each entry, where its headers start and where its padded data ends (absolute offsets).
//
// Why not just tar-stream: it parses entries but does not expose byte offsets, and the AIHub
// downloader needs them to resume a tar with an HTTP Range request at an entry boundary (or in
// the middle of an entry); unpack needs to know the end-of-archive marker was reached (tar-stream
// finishes silently when a tar is cut exactly between two entries). This reads only the size,
// type and checksum fields and the size records of pax headers; tar-stream still does the real
// parsing downstream.
import { Transform, type TransformCallback } from 'node:stream';

export interface TarBlockRecord {
  /** Offset of the first header of this entry (including pax / GNU long-name headers before it). */
  start: number;
  /** Offset of the entry's data. */
  dataStart: number;
  size: number;
  /** Offset after the data and its padding: where the next entry's headers begin. */
  end: number;
  /** ustar type flag character ('0' file, '5' directory, …). */
  type: string;
  /** The pax global size in force after this entry's headers (to resume after it: TarBlockTrackerOptions). */
  paxGlobalSize: number | null;
}

export class TarFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    /** The bytes where a header was expected, as text (an error message sent instead of a tar, say). */
    readonly preview: string,
    /** The stream ended inside a header block (short answer or cut stream), rather than a bad header. */
    readonly endedInHeader = false,
  ) {
    super(message);
    this.name = 'TarFormatError';
  }
}

const META_TYPES = new Set(['x', 'g', 'L', 'K']);

/** tar-stream refuses pax / GNU long headers larger than this ("Header exceeds max size"). */
const MAX_META_SIZE = 1024 * 1024;

function parseSize(h: Buffer): number {
  // GNU base-256 for sizes >= 8 GiB: high bit of the first byte set, big-endian in the rest.
  if (h[124] & 0x80) {
    let v = h[124] & 0x7f;
    for (let i = 125; i < 136; i++) v = v * 256 + h[i];
    return v;
  }
  const text = h.toString('latin1', 124, 136).replace(/[\0 ]+$/g, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

export function tarHeaderChecksumOk(h: Buffer): boolean {
  const text = h.toString('latin1', 148, 156).replace(/[\0 ]+$/g, '').trim();
  if (!/^[0-7]+$/.test(text)) return false;
  const stored = parseInt(text, 8);
  let sum = 8 * 0x20;
  for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += h[i];
  return sum === stored;
}

/** Writes `size` into a header's size field (octal, or base-256 past 11 octal digits) and its checksum. */
function setHeaderSize(h: Buffer, size: number): void {
  h.fill(0, 124, 136);
  if (size < 8 ** 11) {
    h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  } else {
    h[124] = 0x80;
    let v = size;
    for (let i = 135; i > 124; i--) {
      h[i] = v % 256;
      v = Math.floor(v / 256);
    }
  }
  setChecksum(h);
}

function setChecksum(h: Buffer): void {
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i];
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
}

/**
 * The `size` record of a pax extended header's data (records are "<len> <key>=<value>\n", len
 * counting the whole record): undefined when there is none, null for an empty value (POSIX: the
 * record deletes the size given by a global header, the ustar field applies). Malformed records end
 * the parse, as in tar-stream.
 */
export function paxSizeRecord(data: Buffer, offset: number): number | null | undefined {
  let size: number | null | undefined;
  let i = 0;
  while (i < data.length) {
    let sp = i;
    while (sp < data.length && data[sp] !== 0x20) sp++;
    const len = parseInt(data.toString('latin1', i, sp), 10);
    if (!(len > 0) || i + len > data.length) break;
    const record = data.toString('utf8', sp + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (eq === -1) break;
    if (record.slice(0, eq) === 'size') {
      const value = record.slice(eq + 1);
      if (value === '') size = null;
      else if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) size = Number(value);
      else throw new TarFormatError(`bad pax size record ${JSON.stringify(value.slice(0, 40))} in the extended header at byte ${offset}`, offset, record.slice(0, 300));
    }
    i += len;
  }
  return size;
}

export interface TarBlockTrackerOptions {
  /**
   * The size of a pax global header ('g') read before `baseOffset` (a resumed stream does not see
   * it again): it applies to entries that give no size of their own.
   */
  paxGlobalSize?: number | null;
  /** The stream starts with a synthetic resume header: its size field is exact, no global size applies to it. */
  startsWithResumeHeader?: boolean;
}

export class TarBlockTracker extends Transform {
  /** Absolute offset of the next byte this stream will see. */
  position: number;
  /** True once a zero block (end-of-archive marker) was seen where a header belonged. */
  sawEnd = false;
  /** Entries in stream order, as soon as their header passed. Consumers shift() them. */
  readonly records: TarBlockRecord[] = [];
  /** The size set by the last pax global header ('g') seen, null when none applies. */
  paxGlobalSize: number | null;
  private nextHeaderAt: number;
  private readonly header = Buffer.alloc(512);
  private headerFill = 0;
  private metaStart: number | null = null;
  /** The size from the pax extended header ('x') of the next entry: undefined none, null deleted. */
  private paxSize: number | null | undefined = undefined;
  /** The data of the pax header being read: collected to find its size record. */
  private meta: { type: string; start: number; data: Buffer; fill: number } | null = null;
  private exactNext: boolean;

  constructor(baseOffset = 0, opts: TarBlockTrackerOptions = {}) {
    super();
    this.position = baseOffset;
    this.nextHeaderAt = baseOffset;
    this.paxGlobalSize = opts.paxGlobalSize ?? null;
    this.exactNext = opts.startsWithResumeHeader ?? false;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.scan(chunk);
    } catch (e) {
      cb(e as Error);
      return;
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.headerFill > 0 && !this.sawEnd) {
      const start = this.nextHeaderAt;
      const preview = this.header.toString('utf8', 0, this.headerFill).replace(/\0+$/g, '').slice(0, 300);
      cb(new TarFormatError(`stream ended inside a tar header at byte ${start}`, start, preview, true));
      return;
    }
    cb();
  }

  // Data passes through as it comes; a header block is held until it is whole, because the size
  // field of an entry whose size comes from a pax header is rewritten (see onHeader).
  private scan(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && !this.sawEnd) {
      const at = this.position + i;
      if (at < this.nextHeaderAt) {
        const n = Math.min(chunk.length - i, this.nextHeaderAt - at);
        if (this.meta) this.collectMeta(chunk.subarray(i, i + n));
        this.push(chunk.subarray(i, i + n));
        i += n;
        continue;
      }
      const take = Math.min(512 - this.headerFill, chunk.length - i);
      chunk.copy(this.header, this.headerFill, i, i + take);
      this.headerFill += take;
      i += take;
      if (this.headerFill === 512) {
        this.headerFill = 0;
        this.onHeader(this.nextHeaderAt);
        this.push(Buffer.from(this.header));
      }
    }
    if (i < chunk.length) this.push(chunk.subarray(i)); // after the end-of-archive marker
    this.position += chunk.length;
  }

  private collectMeta(part: Buffer): void {
    const meta = this.meta!;
    const n = Math.min(part.length, meta.data.length - meta.fill);
    part.copy(meta.data, meta.fill, 0, n);
    meta.fill += n;
    if (meta.fill < meta.data.length) return;
    this.meta = null;
    const size = paxSizeRecord(meta.data, meta.start);
    if (meta.type === 'x') {
      this.paxSize = size;
    } else if (size !== undefined) {
      // A global record holds until another global record of the same keyword changes it.
      this.paxGlobalSize = size;
    }
  }

  private onHeader(start: number): void {
    const h = this.header;
    if (h.every((b) => b === 0)) {
      this.sawEnd = true;
      return;
    }
    if (!tarHeaderChecksumOk(h)) {
      const preview = h.toString('utf8').replace(/\0+$/g, '').slice(0, 300);
      throw new TarFormatError(`not a tar header at byte ${start} (bad checksum)`, start, preview);
    }
    const type = h[156] === 0 ? '0' : String.fromCharCode(h[156]);
    const dataStart = start + 512;
    if (META_TYPES.has(type)) {
      const size = parseSize(h);
      this.nextHeaderAt = dataStart + Math.ceil(size / 512) * 512;
      this.metaStart ??= start;
      if (type === 'x' || type === 'g') {
        if (size > MAX_META_SIZE) {
          throw new TarFormatError(`pax header of ${size} bytes at byte ${start} (more than ${MAX_META_SIZE})`, start, '');
        }
        if (type === 'x') this.paxSize = undefined; // a second one replaces the first
        if (size > 0) this.meta = { type, start, data: Buffer.alloc(size), fill: 0 };
      }
      return;
    }
    // pax (POSIX.1-2001): a size record of the entry's own extended header overrides the ustar
    // field, and one of a global header applies to every later entry without its own. Writers put
    // 0 in the ustar field for entries >= 8 GiB (python tarfile PAX_FORMAT does).
    const field = parseSize(h);
    let size = field;
    if (this.exactNext) this.exactNext = false;
    else if (this.paxSize !== undefined) size = this.paxSize ?? field;
    else if (this.paxGlobalSize !== null) size = this.paxGlobalSize;
    this.paxSize = undefined;
    // tar-stream, which parses the stream downstream, applies a global size only through an 'x'
    // header (and not at all after a resume, where the global header is not sent again): the field
    // is rewritten so that it reads the same size in every case.
    if (size !== field) setHeaderSize(h, size);
    const end = dataStart + Math.ceil(size / 512) * 512;
    this.nextHeaderAt = end;
    this.records.push({ start: this.metaStart ?? start, dataStart, size, end, type, paxGlobalSize: this.paxGlobalSize });
    this.metaStart = null;
  }
}

/** A minimal ustar file header (no name needed): used to resume a tar stream in the middle of an entry. */
export function syntheticFileHeader(size: number, name = 'saturi-resume'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h[156] = 0x30; // '0' regular file
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  setHeaderSize(h, size);
  return h;
}
