// RIFF/WAVE header parsing, written once as a generator that asks for byte
// ranges, so the same code runs synchronously over bytes in memory and
// asynchronously over a ByteSource that reads only the header chunks.
import { AudioError, UnsupportedCodecError } from './errors.ts';
import type { WavInfo } from './types.ts';

/** A byte range the parser needs next. */
export interface ByteRequest {
  offset: number;
  length: number;
}

/** Parser protocol: yields ranges, receives their bytes, returns the info. */
export type WavHeaderParser = Generator<ByteRequest, WavInfo, Uint8Array>;

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Codec names for the error message of formats we do not decode. */
const CODEC_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0006: 'A-law',
  0x0007: 'mu-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0040: 'G.721 ADPCM',
  0x0050: 'MPEG audio',
  0x0055: 'MP3',
  0x00ff: 'AAC',
  0x0160: 'WMA v1',
  0x0161: 'WMA v2',
  0x1610: 'AAC (ADTS)',
  0xf1ac: 'FLAC',
};

/** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID; bytes 0..1 hold the format tag. */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

interface FmtChunk {
  format: 'pcm' | 'float';
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
}

function fourCC(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
}

function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function hex4(tag: number): string {
  return '0x' + tag.toString(16).padStart(4, '0');
}

function printableId(id: string): string {
  return JSON.stringify(id);
}

function unsupportedCodec(name: string, tag: number): AudioError {
  const codec = CODEC_NAMES[tag] ?? 'unknown codec';
  return new UnsupportedCodecError(
    name,
    `unsupported codec: ${codec} (format tag ${hex4(tag)}); only PCM and IEEE float WAV can be read`,
  );
}

function parseFmt(b: Uint8Array, size: number, name: string): FmtChunk {
  let tag = u16(b, 0);
  const channels = u16(b, 2);
  const sampleRate = u32(b, 4);
  const declaredBlockAlign = u16(b, 12);
  const bits = u16(b, 14);
  if (tag === FORMAT_EXTENSIBLE) {
    if (size < 40) {
      throw new AudioError(name, `truncated header: WAVE_FORMAT_EXTENSIBLE fmt chunk has ${size} bytes, needs 40`);
    }
    // Valid bits (offset 18) do not change the layout: samples are left-justified in their container.
    const subTag = u16(b, 24);
    for (let i = 0; i < GUID_TAIL.length; i++) {
      if (b[26 + i] !== GUID_TAIL[i]) {
        const guid = Array.from(b.subarray(24, 40), (x) => x.toString(16).padStart(2, '0')).join('');
        throw new UnsupportedCodecError(name, `unsupported codec: WAVE_FORMAT_EXTENSIBLE sub-format GUID ${guid} is not PCM or IEEE float`);
      }
    }
    tag = subTag;
  }
  if (tag !== FORMAT_PCM && tag !== FORMAT_FLOAT) throw unsupportedCodec(name, tag);
  const format = tag === FORMAT_PCM ? 'pcm' : 'float';
  if (channels === 0) throw new AudioError(name, 'bad fmt chunk: 0 channels');
  if (sampleRate === 0) throw new AudioError(name, 'bad fmt chunk: sample rate 0');
  if (bits === 0) throw new AudioError(name, 'bad fmt chunk: 0 bits per sample');

  // The container of one sample: normally ceil(bits/8) bytes; block align wins
  // when it says a larger container (e.g. 20-bit samples in 32-bit words).
  const minBytes = Math.ceil(bits / 8);
  let sampleBytes = minBytes;
  if (declaredBlockAlign !== 0 && declaredBlockAlign !== channels * minBytes) {
    const perChannel = declaredBlockAlign / channels;
    if (!Number.isInteger(perChannel) || perChannel < minBytes) {
      throw new AudioError(
        name,
        `bad fmt chunk: block align ${declaredBlockAlign} does not fit ${channels} channel(s) of ${bits}-bit samples`,
      );
    }
    sampleBytes = perChannel;
  }
  const ok = format === 'pcm' ? sampleBytes >= 1 && sampleBytes <= 4 : (sampleBytes === 4 || sampleBytes === 8) && bits === sampleBytes * 8;
  if (!ok) {
    throw new AudioError(name, `unsupported sample size: ${bits}-bit ${format === 'pcm' ? 'PCM' : 'IEEE float'} in ${sampleBytes * 8}-bit containers`);
  }
  return { format, channels, sampleRate, blockAlign: channels * sampleBytes, bitsPerSample: sampleBytes * 8 };
}

/**
 * True when the 8 bytes at `at` look like a RIFF chunk header (a printable
 * four-character id and a size that fits the file, give or take the pad byte)
 * or an appended ID3 tag, rather than audio samples.
 */
function looksLikeChunk(h: Uint8Array, at: number, fileSize: number): boolean {
  if (h[0] === 0x49 && h[1] === 0x44 && h[2] === 0x33) return true; // "ID3"
  for (let i = 0; i < 4; i++) {
    const c = h[i]!;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return at + 8 + u32(h, 4) <= fileSize + 1;
}

/** The longest run of trailing zero bytes after a data chunk read as padding rather than audio. */
const ZERO_PAD_PROBE = 64 * 1024;

function allZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * Walks the chunks of a WAV file of `fileSize` bytes up to the data chunk.
 * Skips unknown chunks (LIST, fact, cue, bext, …) honouring the pad byte of
 * odd-sized chunks. The data size comes from the file itself when the field is
 * 0, 0xFFFFFFFF, larger than the file, or clearly short (what follows is not a
 * chunk, nor up to 64 KiB of zero padding): recorders that stream to disk often never patch it.
 */
export function* parseWavHeader(fileSize: number, name: string): WavHeaderParser {
  if (fileSize < 4) throw new AudioError(name, `not a WAV file: only ${fileSize} bytes`);
  const riff = yield { offset: 0, length: Math.min(12, fileSize) };
  const magic = fourCC(riff, 0);
  if (magic !== 'RIFF' && magic !== 'RF64') {
    throw new AudioError(name, `not a WAV file: starts with ${printableId(magic)}, expected "RIFF"`);
  }
  if (fileSize < 12) throw new AudioError(name, `truncated header: ${fileSize} bytes, a WAV header needs at least 44`);
  const form = fourCC(riff, 8);
  if (form !== 'WAVE') throw new AudioError(name, `not a WAV file: RIFF form type is ${printableId(form)}, expected "WAVE"`);

  let fmt: FmtChunk | undefined;
  let ds64DataSize: number | undefined;
  let pos = 12;
  for (;;) {
    if (pos + 8 > fileSize) {
      throw new AudioError(name, `truncated header: file ends at byte ${fileSize} before ${fmt ? 'a data' : 'the fmt'} chunk`);
    }
    const h = yield { offset: pos, length: 8 };
    const id = fourCC(h, 0);
    const size = u32(h, 4);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new AudioError(name, `bad fmt chunk: ${size} bytes, needs at least 16`);
      const want = Math.min(size, 40);
      if (body + want > fileSize) throw new AudioError(name, 'truncated header: fmt chunk runs past the end of the file');
      fmt = parseFmt(yield { offset: body, length: want }, size, name);
    } else if (id === 'ds64' && magic === 'RF64') {
      if (body + 16 > fileSize) throw new AudioError(name, 'truncated header: ds64 chunk runs past the end of the file');
      const d = yield { offset: body, length: 16 };
      ds64DataSize = u32(d, 8) + u32(d, 12) * 2 ** 32;
    } else if (id === 'data') {
      if (!fmt) throw new AudioError(name, 'bad header: data chunk comes before any fmt chunk');
      const available = fileSize - body;
      let dataBytes = size;
      let unknownSize = size === 0 || size === 0xffffffff;
      if (magic === 'RF64' && size === 0xffffffff && ds64DataSize !== undefined) {
        dataBytes = ds64DataSize;
        unknownSize = ds64DataSize === 0;
      }
      if (size === 0 && available >= 8 && looksLikeChunk(yield { offset: body, length: 8 }, body, fileSize)) {
        dataBytes = 0; // a genuinely empty data chunk followed by another chunk
      } else if (unknownSize || dataBytes > available) {
        dataBytes = available;
      } else if (dataBytes < available) {
        // A size field that is too small leaves audio where the next chunk should be.
        const next = body + dataBytes + (dataBytes & 1);
        if (next + 8 <= fileSize) {
          let chunkFollows = looksLikeChunk(yield { offset: next, length: 8 }, next, fileSize);
          if (!chunkFollows && dataBytes & 1) chunkFollows = looksLikeChunk(yield { offset: next - 1, length: 8 }, next - 1, fileSize);
          // Zero bytes after the data (writers that pad files to a sector) are not audio: 8-bit
          // zeros would decode as full-scale −1. A stale size over real audio leaves non-zero bytes.
          const tail = available - dataBytes;
          if (!chunkFollows && !(tail <= ZERO_PAD_PROBE && allZero(yield { offset: body + dataBytes, length: tail }))) dataBytes = available;
        }
      }
      const frames = Math.floor(dataBytes / fmt.blockAlign);
      if (frames === 0) throw new AudioError(name, 'no audio samples: the data chunk is empty');
      return {
        sampleRate: fmt.sampleRate,
        channels: fmt.channels,
        bitsPerSample: fmt.bitsPerSample,
        format: fmt.format,
        blockAlign: fmt.blockAlign,
        dataOffset: body,
        dataBytes: frames * fmt.blockAlign,
        frames,
        durationSeconds: frames / fmt.sampleRate,
      };
    }
    pos = body + size + (size & 1);
  }
}

/**
 * Runs the parser synchronously, `read(offset, length)` giving each part it asks for (bytes in
 * memory, or a file read at a position); a short answer is a truncated header.
 */
export function runWavHeaderParser(fileSize: number, name: string, read: (offset: number, length: number) => Uint8Array): WavInfo {
  const parser = parseWavHeader(fileSize, name);
  let step = parser.next();
  while (!step.done) {
    const { offset, length } = step.value;
    const bytes = read(offset, length);
    if (bytes.byteLength < length) throw new AudioError(name, `truncated header: read ${bytes.byteLength} of ${length} bytes at offset ${offset}`);
    step = parser.next(bytes);
  }
  return step.value;
}

/** Runs the parser over bytes in memory. */
export function parseWavHeaderSync(bytes: Uint8Array, name: string): WavInfo {
  return runWavHeaderParser(bytes.byteLength, name, (offset, length) => bytes.subarray(offset, offset + length));
}
