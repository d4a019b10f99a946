// What a worker does with one source recording: read its header, cut the
// planned segments by reading only their byte ranges, resample to 16 kHz,
// write 16-bit mono WAVs, and report rows and rejects.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { AudioError } from '../../core/audio/errors.ts';
import { resample } from '../../core/audio/resample.ts';
import { encodeWav, frameAt, readWavInfo, readWavRange, type WavInfo } from '../../core/audio/wav.ts';
import { parseDialectLabel, selectDialectSegments, type SegmentPlan } from '../../core/dataset/dialect-rules.ts';
import { tooShortDetail } from '../../core/dataset/segment-length.ts';
import { parseElderLabel, selectElderSentences, speakerCapRejects } from '../../core/dataset/elder-rules.ts';
import { decodeUtf8, LabelError } from '../../core/dataset/label-error.ts';
import { segmentName, stemOf } from '../../core/dataset/paths.ts';
import type { RejectRow } from '../../core/dataset/reasons.ts';
import { formatDuration, type SegmentRow } from '../../core/dataset/rows.ts';
import { fileSource, type FileByteSource } from '../io/file-source.ts';
import { inputSignature, reusableMarker, writeMarker } from './done-marker.ts';
import type { CutOptions, DialectTask, ElderCutTask, ElderPlanTask, PlanResult, RecordingResult, SeoulTask } from './tasks.ts';

interface Output {
  rows: SegmentRow[];
  rejects: RejectRow[];
  outputs: Record<string, number>;
  written: number;
  seconds: number;
  /** A read failed for a reason of the moment (EMFILE, EIO…): no done-marker, so the next run retries. */
  retry: boolean;
}

function errorText(e: unknown): string {
  return e instanceof AudioError ? e.reason : e instanceof Error ? e.message : String(e);
}

/** How far a sentence may run past the end of its recording and still be cut (up to the end). */
export const MAX_END_OVERRUN_SECONDS = 1;

/** Errno codes of the moment: what the system was doing (open files, I/O, a permission fixed later), not what the file is. */
const PASSING_CODES = new Set(['EMFILE', 'ENFILE', 'EIO', 'EAGAIN', 'EBUSY', 'EACCES', 'EPERM', 'ETIMEDOUT', 'ESTALE', 'ENOMEM', 'EINTR']);

/**
 * A read error worth retrying: the done-marker's signature only changes when the file does, so
 * recording such a failure would skip the file for good. A verdict on the content, a missing file
 * or one too large to read is recorded.
 */
export function retryable(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return !(e instanceof AudioError) && typeof code === 'string' && PASSING_CODES.has(code);
}

/** A reject for a read error; one worth retrying keeps the recording from being marked done. */
function readFailed(out: Output, reject: RejectRow, e: unknown): void {
  if (retryable(e)) {
    out.retry = true;
    reject.detail += ' (not marked done: the next run retries it)';
  }
  out.rejects.push(reject);
}

/** Opens the WAV header; an unreadable file becomes one reject for the whole recording. */
async function openWav(wav: string, out: Output): Promise<{ src: FileByteSource; info: WavInfo } | undefined> {
  const src = fileSource(wav);
  try {
    return { src, info: await readWavInfo(src) };
  } catch (e) {
    await src.close().catch(() => undefined);
    readFailed(out, { file: wav, item: '', reason: 'unreadable_file', detail: errorText(e) }, e);
    return undefined;
  }
}

interface Naming {
  name(stem: string, seg: SegmentPlan): string;
  /** The item column of a reject. */
  item(seg: SegmentPlan): string;
}

const SEGMENT_NAMING: Naming = { name: (stem, seg) => segmentName(stem, seg.index), item: (seg) => String(seg.index) };
/** A whole file keeps its own name, not `<stem>_0.wav`. */
const WHOLE_FILE_NAMING: Naming = { name: (stem) => `${stem}.wav`, item: () => '' };

/** A limit on the segments written: once `take` are, the rest become `overCap`'s rejects. */
interface CutLimit {
  take: number;
  /** `written`: segments this recording gave. */
  overCap(seg: SegmentPlan, written: number): RejectRow;
}

/** Cuts each planned segment from an open WAV (in order, until `limit.take` are written). */
async function cutSegments(
  src: FileByteSource,
  info: WavInfo,
  wav: string,
  segments: SegmentPlan[],
  dialect: string,
  outDir: string,
  opts: CutOptions,
  out: Output,
  naming: Naming = SEGMENT_NAMING,
  limit?: CutLimit,
): Promise<void> {
  const stem = stemOf(wav);
  const dir = join(outDir, dialect);
  await mkdir(dir, { recursive: true });
  let cut = 0;
  for (const seg of segments) {
    if (limit && cut >= limit.take) {
      out.rejects.push(limit.overCap(seg, cut));
      continue;
    }
    const item = naming.item(seg);
    const first = frameAt(seg.start, info.sampleRate);
    const last = Math.min(info.frames, frameAt(seg.end, info.sampleRate));
    if (first >= info.frames) {
      out.rejects.push({ file: wav, item, reason: 'out_of_range', detail: `starts at ${seg.start} s, the recording is ${info.durationSeconds.toFixed(3)} s` });
      continue;
    }
    if (last <= first) {
      out.rejects.push({ file: wav, item, reason: 'empty_segment', detail: `[${seg.start}, ${seg.end}) s` });
      continue;
    }
    // The original's slicing cut an overrun short without a word. A little (a recording stopped
    // as the speaker finished) is kept so; far past the end, the label is not this audio's
    // (another file's labels, times in another unit), and what is left is not that sentence.
    if (seg.end - info.durationSeconds > MAX_END_OVERRUN_SECONDS) {
      out.rejects.push({ file: wav, item, reason: 'out_of_range', detail: `ends at ${seg.end} s, ${(seg.end - info.durationSeconds).toFixed(3)} s past the end of the recording (${info.durationSeconds.toFixed(3)} s)` });
      continue;
    }
    if ((last - first) / info.sampleRate < opts.minSeconds) {
      out.rejects.push({ file: wav, item, reason: 'out_of_range', detail: `only ${tooShortDetail((last - first) / info.sampleRate, opts.minSeconds)} left before the end of the recording` });
      continue;
    }
    let samples: Float32Array;
    try {
      samples = (await readWavRange(src, seg.start, seg.end, info)).samples;
    } catch (e) {
      const text = errorText(e);
      // readWavRange refuses NaN/±Inf samples of float files with assertFinite's "non-finite sample" reason.
      const nonFinite = e instanceof AudioError && /non-finite/.test(text);
      readFailed(out, { file: wav, item, reason: nonFinite ? 'nan_audio' : 'unreadable_file', detail: text }, e);
      continue;
    }
    const resampled = info.sampleRate === opts.sampleRate ? samples : resample(samples, info.sampleRate, opts.sampleRate);
    if (resampled.length === 0) {
      out.rejects.push({ file: wav, item, reason: 'empty_segment', detail: `[${seg.start}, ${seg.end}) s` });
      continue;
    }
    const bytes = encodeWav(resampled, opts.sampleRate);
    const name = naming.name(stem, seg);
    const path = join(dir, name);
    await writeFileAtomic(path, bytes);
    const seconds = resampled.length / opts.sampleRate;
    out.outputs[path] = bytes.byteLength;
    out.written++;
    out.seconds += seconds;
    out.rows.push({ name, path, dialect, speaker: seg.speaker, duration: formatDuration(seconds), source: wav });
    cut++;
  }
}

function emptyOutput(): Output {
  return { rows: [], rejects: [], outputs: {}, written: 0, seconds: 0, retry: false };
}

/**
 * Shared frame of a recording task: reuse a matching done-marker, otherwise
 * open the WAV, let `body` plan and cut, and record the marker.
 */
async function recordingTask(
  wav: string,
  label: string | undefined,
  outDir: string,
  options: unknown,
  body: (src: FileByteSource, info: WavInfo, out: Output) => Promise<void>,
): Promise<RecordingResult> {
  const stem = stemOf(wav);
  const signature = await inputSignature([wav, label], options);
  const marker = await reusableMarker(outDir, stem, signature);
  if (marker) return { rows: marker.rows, rejects: marker.rejects, reused: true, written: 0, sourceBytesRead: 0, seconds: marker.seconds };
  const out = emptyOutput();
  const opened = await openWav(wav, out);
  let bytesRead = 0;
  if (opened) {
    try {
      await body(opened.src, opened.info, out);
    } finally {
      bytesRead = opened.src.bytesRead;
      await opened.src.close().catch(() => undefined);
    }
  }
  if (!out.retry) await writeMarker(outDir, stem, { signature, rows: out.rows, rejects: out.rejects, outputs: out.outputs, seconds: out.seconds });
  return { rows: out.rows, rejects: out.rejects, reused: false, written: out.written, sourceBytesRead: bytesRead, seconds: out.seconds };
}

/** A label that could not be read; `readError` is the read's error (a retryable one keeps the recording unmarked). */
class LabelReadError extends LabelError {
  constructor(
    path: string,
    readonly readError: unknown,
  ) {
    super(path, `cannot read: ${(readError as NodeJS.ErrnoException).code ?? (readError as Error).message}`);
  }
}

async function readLabelText(path: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new LabelReadError(path, e);
  }
  return decodeUtf8(bytes);
}

/** 한국어 방언 발화: parse the label, select utterances, cut them. */
export function runDialectTask(t: DialectTask): Promise<RecordingResult> {
  const options = { set: 'dialect', dialect: t.dialect, skipFirst: t.skipFirst, ...t.cut };
  return recordingTask(t.wav, t.label, t.outDir, options, async (src, info, out) => {
    let selection;
    try {
      const label = parseDialectLabel(await readLabelText(t.label), t.label);
      selection = selectDialectSegments(label, t.label, { minSeconds: t.cut.minSeconds, skipFirst: t.skipFirst });
    } catch (e) {
      if (!(e instanceof LabelError)) throw e;
      readFailed(out, { file: t.label, item: '', reason: 'bad_label_file', detail: e.reason }, e instanceof LabelReadError ? e.readError : e);
      return;
    }
    out.rejects.push(...selection.rejects);
    await cutSegments(src, info, t.wav, selection.segments, t.dialect, t.outDir, t.cut, out);
  });
}

/**
 * 한국인 대화음성 (서울·경기): whole sentence files of at least minSeconds.
 * A file already in the output format (16 kHz mono 16-bit PCM) is used where
 * it is; others are converted once into the output folder.
 */
export function runSeoulTask(t: SeoulTask): Promise<RecordingResult> {
  const options = { set: 'seoul', dialect: t.dialect, ...t.cut };
  return recordingTask(t.wav, undefined, t.outDir, options, async (src, info, out) => {
    if (info.durationSeconds < t.cut.minSeconds) {
      out.rejects.push({ file: t.wav, item: '', reason: 'too_short', detail: tooShortDetail(info.durationSeconds, t.cut.minSeconds) });
      return;
    }
    const name = `${stemOf(t.wav)}.wav`;
    if (info.sampleRate === t.cut.sampleRate && info.channels === 1 && info.format === 'pcm' && info.bitsPerSample === 16) {
      out.seconds += info.durationSeconds;
      out.rows.push({ name, path: t.wav, dialect: t.dialect, speaker: '', duration: formatDuration(info.durationSeconds), source: t.wav });
      return;
    }
    const whole = { index: 0, start: 0, end: info.durationSeconds, speaker: '' };
    await cutSegments(src, info, t.wav, [whole], t.dialect, t.outDir, t.cut, out, WHOLE_FILE_NAMING);
  });
}

/** 중·노년층: the sentences of one label that may become segments (before the per-speaker cap). */
export async function runElderPlanTask(t: ElderPlanTask): Promise<PlanResult> {
  try {
    const sentences = parseElderLabel(await readLabelText(t.label), t.label);
    return selectElderSentences(sentences, t.label, t.speaker, t.minSeconds);
  } catch (e) {
    if (!(e instanceof LabelError)) throw e;
    // A read of the moment failing: the recording's earlier segments stay, and the next run retries it.
    const retry = e instanceof LabelReadError && retryable(e.readError);
    const detail = retry ? `${e.reason} (not marked done: the next run retries it)` : e.reason;
    return { segments: [], rejects: [{ file: t.label, item: '', reason: 'bad_label_file', detail }], ...(retry ? { retry } : {}) };
  }
}

/**
 * 중·노년층: cut the label's segments in order until `take` are written; a segment the cut
 * rejects does not count, so the next one takes its place. The rest are `speaker_cap` rejects.
 */
export function runElderCutTask(t: ElderCutTask): Promise<RecordingResult> {
  const take = Math.min(t.take, t.segments.length);
  // The speaker's count only shows (in the rejects' detail) when the cap is reached inside this recording.
  const capped = take < t.segments.length ? { speakerHas: t.speakerHas } : {};
  const options = { set: 'elder', dialect: t.dialect, segments: t.segments.map((s) => [s.index, s.start, s.end, s.speaker]), take, ...capped, ...t.cut };
  const limit: CutLimit = {
    take,
    overCap: (seg, written) => speakerCapRejects([seg], t.label, t.speaker, t.speakerHas + written)[0]!,
  };
  return recordingTask(t.wav, t.label, t.outDir, options, (src, info, out) =>
    cutSegments(src, info, t.wav, t.segments, t.dialect, t.outDir, t.cut, out, SEGMENT_NAMING, limit),
  );
}

