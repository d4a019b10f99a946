// Cut an exact time range out of any media file (or a URL via yt-dlp) into a
// 16-bit 16 kHz mono WAV. ffmpeg decodes and resamples; the exact sample count
// round((end − start) · 16000) is enforced here, so the file length never
// depends on codec frame sizes.
import { mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../cli/errors.ts';
import { checkOutputFile } from '../io/output-file.ts';
import { lastLine, runTool } from './external-tool.ts';
import { formatTime } from './parse-time.ts';
import { pcm16WavHeader } from './pcm-wav.ts';

export const CLIP_SAMPLE_RATE = 16000;
/** Media durations from containers are approximate; an end this close past the end is padded with silence. */
const END_TOLERANCE_SECONDS = 0.05;

export interface MediaProbe {
  /** Container duration in seconds, or null when the container does not say. */
  duration: number | null;
  hasAudio: boolean;
}

export function isUrl(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source);
}

/**
 * A local file as ffmpeg's input: given as typed, `take1:2.wav` reads as protocol `take1` and
 * `-x.wav` as an option. The file protocol with an absolute path is read as a file whatever the name.
 */
function toolInput(file: string): string {
  return isUrl(file) ? file : `file:${resolve(file)}`;
}

export async function probeMedia(file: string): Promise<MediaProbe> {
  const r = await runTool('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type', '-of', 'json', toolInput(file)]);
  if (r.code !== 0) throw new UserError(`${file}: cannot be read as media (ffprobe: ${lastLine(r.stderr)})`);
  let parsed: { format?: { duration?: string }; streams?: { codec_type?: string }[] };
  try {
    parsed = JSON.parse(r.stdout.toString('utf8'));
  } catch {
    throw new UserError(`${file}: cannot be read as media (ffprobe gave no readable answer)`);
  }
  const d = Number(parsed.format?.duration);
  return {
    duration: Number.isFinite(d) ? d : null,
    hasAudio: (parsed.streams ?? []).some((s) => s.codec_type === 'audio'),
  };
}

/** Download a URL's audio with yt-dlp into `dir`; returns the downloaded file. */
export async function downloadWithYtDlp(url: string, dir: string): Promise<string> {
  const r = await runTool('yt-dlp', ['--no-playlist', '--quiet', '--no-progress', '-f', 'bestaudio/best', '-o', join(dir, 'source.%(ext)s'), url]);
  if (r.code !== 0) throw new UserError(`${url}: yt-dlp could not download it (${lastLine(r.stderr)})`);
  const files = (await readdir(dir)).filter((f) => f.startsWith('source.') && !f.endsWith('.part'));
  if (files.length === 0) throw new UserError(`${url}: yt-dlp finished but wrote no file`);
  return join(dir, files[0]!);
}

export interface ClipOptions {
  source: string;
  start: number;
  end: number;
  out: string;
}

export interface ClipResult {
  out: string;
  samples: number;
  sampleRate: number;
  /** The local file that was cut (the download for a URL; removed afterwards). */
  media: string;
}

export async function clipMedia(opts: ClipOptions): Promise<ClipResult> {
  const { source, start, end, out } = opts;
  if (!(start >= 0)) throw new UserError(`--start must be a time of at least 0, got ${start}`);
  if (!(end > start)) throw new UserError(`--end (${formatTime(end)}) must be after --start (${formatTime(start)})`);
  await checkOutputFile(out);
  if (!isUrl(source)) {
    const st = await stat(source).catch(() => null);
    if (!st) throw new UserError(`${source}: no such file`);
    if (!st.isFile()) throw new UserError(`${source}: not a file`);
    return { ...(await clipFile(source, source, start, end, out)), media: source };
  }
  const dir = await mkdtemp(join(tmpdir(), 'saturi-clip-'));
  try {
    const file = await downloadWithYtDlp(source, dir);
    return { ...(await clipFile(file, source, start, end, out)), media: file };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function clipFile(file: string, label: string, start: number, end: number, out: string): Promise<Omit<ClipResult, 'media'>> {
  const probe = await probeMedia(file);
  if (!probe.hasAudio) throw new UserError(`${label}: has no audio stream`);
  if (probe.duration !== null) {
    if (start >= probe.duration) {
      throw new UserError(`${label}: --start ${formatTime(start)} is beyond the media's duration ${formatTime(probe.duration)}`);
    }
    if (end > probe.duration + END_TOLERANCE_SECONDS) {
      throw new UserError(`${label}: --end ${formatTime(end)} is beyond the media's duration ${formatTime(probe.duration)}`);
    }
  }
  const count = Math.round((end - start) * CLIP_SAMPLE_RATE);
  // Input-side -ss seeks fast and then decodes up to the exact start; a little
  // extra duration is asked for and cut off below.
  const r = await runTool('ffmpeg', [
    '-nostdin', '-v', 'error',
    '-ss', start.toFixed(6), '-i', toolInput(file),
    '-t', (end - start + 0.25).toFixed(6),
    '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(CLIP_SAMPLE_RATE),
    '-c:a', 'pcm_s16le', '-f', 's16le', 'pipe:1',
  ]);
  if (r.code !== 0) throw new UserError(`${label}: cannot be decoded (ffmpeg: ${lastLine(r.stderr)})`);
  const have = Math.floor(r.stdout.length / 2);
  if (count - have > END_TOLERANCE_SECONDS * CLIP_SAMPLE_RATE) {
    throw new UserError(`${label}: the media ends at ${formatTime(start + have / CLIP_SAMPLE_RATE)}, before --end ${formatTime(end)}`);
  }
  const pcm = Buffer.alloc(count * 2); // zero-filled: pads a tail of at most END_TOLERANCE_SECONDS
  r.stdout.copy(pcm, 0, 0, Math.min(have, count) * 2);
  const tmp = `${out}.part`;
  await writeFile(tmp, Buffer.concat([pcm16WavHeader(pcm.length, CLIP_SAMPLE_RATE, 1), pcm]));
  await rename(tmp, out);
  return { out, samples: count, sampleRate: CLIP_SAMPLE_RATE };
}
