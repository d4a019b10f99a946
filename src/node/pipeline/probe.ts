// `saturi filter`'s check of one CSV row: the file opens, is mono and lasts at
// least minSeconds, judged from the WAV header alone (readWavInfo).
import { AudioError } from '../../core/audio/errors.ts';
import { readWavInfo } from '../../core/audio/wav.ts';
import { fileSource } from '../io/file-source.ts';
import type { ProbeOutcome, ProbeResult, ProbeTask } from './tasks.ts';

export async function probeFile(path: string, minSeconds: number): Promise<ProbeOutcome> {
  if (path.trim() === '') return { reason: 'bad_row', detail: 'empty path', duration: 0 };
  const src = fileSource(path);
  try {
    const info = await readWavInfo(src);
    if (info.channels !== 1) return { reason: 'not_mono', detail: `${info.channels} channels`, duration: info.durationSeconds };
    // The original compared the wrong quantities here and kept nearly everything: compare seconds to seconds.
    if (!(info.durationSeconds >= minSeconds)) {
      // Samples as well as seconds: a file one sample short would read "3.000 s < 3 s".
      const need = Math.ceil(minSeconds * info.sampleRate);
      return { reason: 'too_short', detail: `${info.frames} samples at ${info.sampleRate} Hz (${info.durationSeconds.toFixed(3)} s) < ${need} samples (${minSeconds} s)`, duration: info.durationSeconds };
    }
    return { detail: '', duration: info.durationSeconds };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const detail = e instanceof AudioError ? e.reason : code === 'ENOENT' ? 'file not found' : code ? `cannot open (${code})` : (e as Error).message;
    return { reason: 'unreadable_file', detail, duration: 0 };
  } finally {
    await src.close().catch(() => undefined);
  }
}

/** A batch of rows: a few header reads in flight at once (they are I/O-bound). */
export async function runProbeTask(t: ProbeTask): Promise<ProbeResult> {
  const outcomes: ProbeOutcome[] = new Array(t.paths.length);
  let next = 0;
  const lane = async () => {
    while (next < t.paths.length) {
      const i = next++;
      outcomes[i] = await probeFile(t.paths[i]!, t.minSeconds);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, t.paths.length) }, lane));
  return { outcomes };
}
