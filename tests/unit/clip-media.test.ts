import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/paths.ts';
import { parseTime } from '../../src/node/clip/parse-time.ts';
import { clipMedia } from '../../src/node/clip/media-clip.ts';

// Fixture: 3 s of a 300 Hz tone, then 3 s of 1200 Hz. A clip's content is
// checked by where its zero-crossing rate jumps, which pins the range to ms.
const SWITCH_AT = 3;
const LOW_HZ = 300;
const HIGH_HZ = 1200;

const { dir, cleanup } = tempDir('saturi-clip-');
const media: Record<string, string> = {};

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
}

function readWav16(file: string): { sampleRate: number; channels: number; bits: number; samples: Int16Array } {
  const b = readFileSync(file);
  expect(b.toString('ascii', 0, 4)).toBe('RIFF');
  expect(b.toString('ascii', 8, 12)).toBe('WAVE');
  expect(b.readUInt16LE(20)).toBe(1);
  const dataBytes = b.readUInt32LE(40);
  expect(b.toString('ascii', 36, 40)).toBe('data');
  expect(44 + dataBytes).toBe(b.length);
  const samples = new Int16Array(b.buffer.slice(b.byteOffset + 44, b.byteOffset + 44 + dataBytes));
  return { sampleRate: b.readUInt32LE(24), channels: b.readUInt16LE(22), bits: b.readUInt16LE(34), samples };
}

/** Zero crossings per second in each 10 ms window. */
function crossingRates(s: Int16Array, rate: number): number[] {
  const win = rate / 100;
  const out: number[] = [];
  for (let w = 0; w + win <= s.length; w += win) {
    let n = 0;
    for (let i = w + 1; i < w + win; i++) if ((s[i - 1]! < 0) !== (s[i]! < 0)) n++;
    out.push(n * 100);
  }
  return out;
}

/** Seconds into the clip where the tone switches from low to high (first window well above the midpoint rate). */
function switchTime(s: Int16Array, rate: number): number {
  const rates = crossingRates(s, rate);
  const mid = LOW_HZ + HIGH_HZ; // crossing rate is 2·f: midpoint of 2·LOW and 2·HIGH
  const w = rates.findIndex((r) => r > mid);
  return w < 0 ? Infinity : w / 100;
}

beforeAll(() => {
  const tone = ['-f', 'lavfi', '-i', `sine=f=${LOW_HZ}:d=${SWITCH_AT}:sample_rate=44100`, '-f', 'lavfi', '-i', `sine=f=${HIGH_HZ}:d=3:sample_rate=44100`];
  const concat = '[0:a][1:a]concat=n=2:v=0:a=1[a]';
  media.m4a = join(dir, 'tone.m4a');
  ffmpeg([...tone, '-filter_complex', concat, '-map', '[a]', '-c:a', 'aac', '-b:a', '128k', media.m4a]);
  media.ogg = join(dir, 'tone.ogg');
  ffmpeg([...tone, '-filter_complex', concat, '-map', '[a]', '-c:a', 'libvorbis', media.ogg]);
  // Video files with a stereo 48 kHz track: the clip must still be mono 16 kHz.
  const video = ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=6'];
  const stereo = '[0:a][1:a]concat=n=2:v=0:a=1,aformat=channel_layouts=stereo,aresample=48000[a]';
  media.mp4 = join(dir, 'tone.mp4');
  ffmpeg([...tone, ...video, '-filter_complex', stereo, '-map', '2:v', '-map', '[a]', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', media.mp4]);
  media.mkv = join(dir, 'tone.mkv');
  ffmpeg([...tone, ...video, '-filter_complex', stereo, '-map', '2:v', '-map', '[a]', '-c:v', 'mpeg4', '-c:a', 'flac', media.mkv]);
}, 60_000);

afterAll(() => cleanup());

describe('clip time parsing', () => {
  it('accepts seconds and clock forms', () => {
    expect(parseTime('51')).toBe(51);
    expect(parseTime('51.5')).toBe(51.5);
    expect(parseTime('0:51')).toBe(51);
    expect(parseTime('1:14.25')).toBeCloseTo(74.25, 9);
    expect(parseTime('01:02:03.5')).toBeCloseTo(3723.5, 9);
    expect(parseTime('90:00')).toBe(5400);
  });
  it('rejects what is not a time', () => {
    for (const bad of ['', 'abc', '-3', '1:60', '1:75:00', '1::2', '5s', '1:2:3:4']) expect(parseTime(bad), bad).toBeNull();
  });
});

describe('saturi clip', () => {
  it.each(['m4a', 'ogg', 'mp4', 'mkv'])('cuts exactly the range from a .%s file', async (ext) => {
    const out = join(dir, `clip-${ext}.wav`);
    const start = 2.37;
    const end = 4.1;
    const r = await clipMedia({ source: media[ext]!, start, end, out });
    expect(r.samples).toBe(Math.round((end - start) * 16000));
    const wav = readWav16(out);
    expect(wav.sampleRate).toBe(16000);
    expect(wav.channels).toBe(1);
    expect(wav.bits).toBe(16);
    expect(wav.samples.length).toBe(Math.round((end - start) * 16000));
    // The tone switches SWITCH_AT − start seconds into the clip (10 ms windows).
    expect(Math.abs(switchTime(wav.samples, 16000) - (SWITCH_AT - start))).toBeLessThanOrEqual(0.011);
    // And the content before / after is the right tone, at full level.
    const rates = crossingRates(wav.samples, 16000);
    const before = rates.slice(5, Math.floor((SWITCH_AT - start) * 100) - 3);
    const after = rates.slice(Math.ceil((SWITCH_AT - start) * 100) + 3, -2);
    for (const x of before) expect(Math.abs(x - 2 * LOW_HZ)).toBeLessThanOrEqual(100);
    for (const x of after) expect(Math.abs(x - 2 * HIGH_HZ)).toBeLessThanOrEqual(100);
  });

  it('reads a local file whose name ffmpeg would take for a protocol or an option (take1:2.m4a, -x.m4a)', async () => {
    for (const name of ['take1:2.m4a', '-x.m4a']) {
      const file = join(dir, name);
      copyFileSync(media.m4a!, file);
      const out = join(dir, `named-${name.replace(/\W/g, '_')}.wav`);
      // Relative to the working folder, as typed: the case ffmpeg misread.
      const r = await runCli(['clip', '--start', '1', '--end', '2', '--out', out, '--', name], { cwd: dir });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(readWav16(out).samples.length).toBe(16000);
    }
  });

  it('accepts hh:mm:ss and fractional starts, with a sample count of round((end − start)·16000)', async () => {
    const out = join(dir, 'clip-clock.wav');
    const r = await runCli(['clip', media.m4a!, '--start', '00:00:01.23456', '--end', '00:00:05.0001', '--out', out]);
    expect(r.code).toBe(0);
    const wav = readWav16(out);
    expect(wav.samples.length).toBe(Math.round((5.0001 - 1.23456) * 16000));
    expect(Math.abs(switchTime(wav.samples, 16000) - (SWITCH_AT - 1.23456))).toBeLessThanOrEqual(0.011);
  });

  it('rejects end ≤ start, a start beyond the duration, bad times and unreadable media, naming the file', async () => {
    const out = join(dir, 'never.wav');
    const r = await runCli(['clip', media.m4a!, '--start', '1:00', '--end', '1:05', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`saturi: ${media.m4a}: --start 1:00.000 is beyond the media's duration 0:06.000\n`);
    await expect(clipMedia({ source: media.m4a!, start: 4, end: 4, out })).rejects.toThrow(/--end .* must be after --start/);
    await expect(clipMedia({ source: media.m4a!, start: 4, end: 3.5, out })).rejects.toThrow(/--end .* must be after --start/);
    await expect(clipMedia({ source: media.m4a!, start: 5, end: 9, out })).rejects.toThrow(`${media.m4a}: --end 0:09.000 is beyond the media's duration`);
    const junk = join(dir, 'junk.mp4');
    writeFileSync(junk, 'this is not a video file at all');
    await expect(clipMedia({ source: junk, start: 0, end: 1, out })).rejects.toThrow(`${junk}: cannot be read as media`);
    await expect(clipMedia({ source: join(dir, 'missing.mkv'), start: 0, end: 1, out })).rejects.toThrow(`${join(dir, 'missing.mkv')}: no such file`);
    await expect(clipMedia({ source: media.m4a!, start: 0, end: 1, out: join(dir, 'no-dir', 'x.wav') })).rejects.toThrow(`${join(dir, 'no-dir', 'x.wav')}: its folder`);
    // A folder given as the output: said before any work, nothing left behind.
    await expect(clipMedia({ source: media.m4a!, start: 0, end: 1, out: dir })).rejects.toThrow(`${dir}: is a folder, not a file name`);
    expect(existsSync(`${dir}.part`)).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects a time that is not a time', async () => {
    const r = await runCli(['clip', media.m4a!, '--start', 'soon', '--end', '5', '--out', join(dir, 'never.wav')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--start: "soon" is not a time/);
  });

  it('fetches a URL through yt-dlp, and says how to install yt-dlp or ffmpeg when they are missing', async () => {
    // A PATH with ffmpeg/ffprobe but no yt-dlp.
    const bin = join(dir, 'bin-no-ytdlp');
    mkdirSync(bin, { recursive: true });
    for (const tool of ['ffmpeg', 'ffprobe']) symlinkSync(execFileSync('which', [tool]).toString().trim(), join(bin, tool));
    const out = join(dir, 'url.wav');
    let r = await runCli(['clip', 'https://www.youtube.com/watch?v=abc', '--start', '1', '--end', '2', '--out', out], { env: { PATH: bin } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/yt-dlp was not found/);
    expect(r.stderr).toContain('apt-get install yt-dlp');
    expect(r.stderr).toContain('pip install yt-dlp');

    // A stand-in yt-dlp on PATH: copies the fixture to the -o template, recording the URL it was given.
    const bin2 = join(dir, 'bin-fake-ytdlp');
    mkdirSync(bin2, { recursive: true });
    for (const tool of ['ffmpeg', 'ffprobe']) symlinkSync(execFileSync('which', [tool]).toString().trim(), join(bin2, tool));
    const urlLog = join(dir, 'yt-dlp-url.txt');
    writeFileSync(
      join(bin2, 'yt-dlp'),
      `#!/bin/sh\nout=""\nwhile [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2;; -f) shift 2;; -*) shift;; *) url="$1"; shift;; esac; done\n` +
        `echo "$url" > '${urlLog}'\ncp '${media.ogg}' "$(echo "$out" | sed 's/%(ext)s/ogg/')"\n`,
    );
    chmodSync(join(bin2, 'yt-dlp'), 0o755);
    r = await runCli(['clip', 'https://www.youtube.com/watch?v=abc', '--start', '2.5', '--end', '3.5', '--out', out], { env: { PATH: `${bin2}:/bin:/usr/bin` } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(urlLog, 'utf8').trim()).toBe('https://www.youtube.com/watch?v=abc');
    const wav = readWav16(out);
    expect(wav.samples.length).toBe(16000);
    expect(Math.abs(switchTime(wav.samples, 16000) - 0.5)).toBeLessThanOrEqual(0.011);

  });

  it('says how to install ffmpeg when it is missing', async () => {
    const empty = join(dir, 'bin-empty');
    mkdirSync(empty, { recursive: true });
    const saved = process.env.PATH;
    process.env.PATH = empty;
    try {
      await expect(clipMedia({ source: media.m4a!, start: 1, end: 2, out: join(dir, 'never.wav') })).rejects.toThrow(/ffprobe was not found on PATH; .*apt-get install ffmpeg/);
    } finally {
      process.env.PATH = saved;
    }
  });
});
