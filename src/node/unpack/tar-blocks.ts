// A pass-through stream that follows the 512-byte block structure of a tar stream and reports,
// for each entry, where its headers start and where its padded data ends (absolute offsets).
//
// Why not just tar-stream: it parses entries but does not expose byte offsets, and the AIHub
// downloader needs them to resume a tar with an HTTP Range request at an entry boundary (or in
// the middle of an entry); unpack needs to know the end-of-archive marker was reached (tar-stream
// finishes silently when a tar is cut exactly between two entries). This reads only the size,
// type and checksum fields; tar-stream still does the real parsing downstream.
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

export class TarBlockTracker extends Transform {
  /** Absolute offset of the next byte this stream will see. */
  position: number;
  /** True once a zero block (end-of-archive marker) was seen where a header belonged. */
  sawEnd = false;
  /** Entries in stream order, as soon as their header passed. Consumers shift() them. */
  readonly records: TarBlockRecord[] = [];
  private nextHeaderAt: number;
  private readonly header = Buffer.alloc(512);
  private headerFill = 0;
  private metaStart: number | null = null;

  constructor(baseOffset = 0) {
    super();
    this.position = baseOffset;
    this.nextHeaderAt = baseOffset;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.scan(chunk);
    } catch (e) {
      cb(e as Error);
      return;
    }
    cb(null, chunk);
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

  private scan(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && !this.sawEnd) {
      const at = this.position + i;
      if (at < this.nextHeaderAt) {
        i += Math.min(chunk.length - i, this.nextHeaderAt - at);
        continue;
      }
      const take = Math.min(512 - this.headerFill, chunk.length - i);
      chunk.copy(this.header, this.headerFill, i, i + take);
      this.headerFill += take;
      i += take;
      if (this.headerFill === 512) {
        this.headerFill = 0;
        this.onHeader(this.nextHeaderAt);
      }
    }
    this.position += chunk.length;
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
    const size = parseSize(h);
    const type = h[156] === 0 ? '0' : String.fromCharCode(h[156]);
    const dataStart = start + 512;
    const end = dataStart + Math.ceil(size / 512) * 512;
    this.nextHeaderAt = end;
    if (META_TYPES.has(type)) {
      this.metaStart ??= start;
      return;
    }
    this.records.push({ start: this.metaStart ?? start, dataStart, size, end, type });
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
  h.write('00000000000\0', 136, 'latin1');
  h[156] = 0x30; // '0' regular file
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i];
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}
