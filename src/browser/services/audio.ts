// Any audio or video file the browser can decode → 16 kHz mono samples.
// WAV goes to the audio worker whole (same decoder and resampler as the Node
// pipeline); other formats are decoded by the browser (decodeAudioData runs on
// its own decoder thread) and only downmixed/resampled in the worker.
import { transfer, type Remote } from 'comlink';
import type { AudioWorkerApi } from '../../../workers/audio.worker.ts';
import { isWavHeader } from './wav-header.ts';
import { formatBytes, t } from '../i18n/i18n.ts';
import { guardedWorker } from './guarded-worker.ts';

let worker: Remote<AudioWorkerApi> | undefined;

function audioWorker(): Remote<AudioWorkerApi> {
  worker ??= guardedWorker<AudioWorkerApi>(new Worker(new URL('../../../workers/audio.worker.ts', import.meta.url), { type: 'module', name: 'audio' }), 'audio');
  return worker;
}

export class DecodeError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'DecodeError';
  }
}

/** Chromium reads at most ~2 GiB of a file into one ArrayBuffer ("could not be read, typically due to permission problems" past it). */
export const MAX_DECODE_BYTES = 2 ** 31 - 1;

/** The whole file's bytes, or an error naming the file and why (too large, unreadable). */
async function readWhole(blob: Blob, name: string): Promise<ArrayBuffer> {
  if (blob.size > MAX_DECODE_BYTES) throw new DecodeError(name, t('audio.tooLarge', { size: formatBytes(blob.size), max: formatBytes(MAX_DECODE_BYTES) }));
  try {
    return await blob.arrayBuffer();
  } catch (e) {
    throw new DecodeError(name, t('audio.cannotRead', { why: (e as Error).message }));
  }
}

export async function decodeTo16k(blob: Blob, name = (blob as File).name ?? 'audio'): Promise<Float32Array> {
  const buf = await readWhole(blob, name);
  const bytes = new Uint8Array(buf);
  if (!isWavHeader(bytes)) return browserDecode(buf, name);
  try {
    const r = await audioWorker().wavTo16k(transfer(bytes, [bytes.buffer]), name);
    return r.samples;
  } catch (e) {
    const reason = (e as Error).message.replace(`${name}: `, '');
    // μ-law, A-law, MP3 in a WAV: Chromium's decoder reads what ours does not.
    if ((e as Error).name !== 'UnsupportedCodecError') throw new DecodeError(name, reason);
    return browserDecode(await readWhole(blob, name), name, reason); // the first copy went to the worker
  }
}

/**
 * The browser's decoder (its own thread), then downmix and resampling in the audio worker.
 * `wavReason`: why our WAV reader passed the file on, reported if the browser cannot read it either.
 */
async function browserDecode(buf: ArrayBuffer, name: string, wavReason = ''): Promise<Float32Array> {
  let decoded: AudioBuffer;
  try {
    // The decoder resamples to the context rate: 16 kHz straight away.
    const ctx = new OfflineAudioContext({ numberOfChannels: 1, length: 1, sampleRate: 16000 });
    decoded = await ctx.decodeAudioData(buf);
  } catch (e) {
    throw new DecodeError(name, wavReason || t('audio.cannotDecode', { why: (e as Error).message || 'unknown format' }));
  }
  const channels: Float32Array[] = [];
  for (let c = 0; c < decoded.numberOfChannels; c++) channels.push(decoded.getChannelData(c).slice());
  return audioWorker().channelsTo16k(transfer(channels, channels.map((c) => c.buffer)), decoded.sampleRate, name);
}

/**
 * Decodes several files to 16 kHz mono: their bytes are read (async) and handed to
 * the audio worker in one message each way (transferred, not copied); WAVs are
 * decoded and resampled there, other formats go through decodeTo16k. Bytes, not
 * File handles: posting a File from a folder input stats it with a synchronous
 * call to the browser, 40–100 ms of main-thread time each on a loaded machine.
 * Per file: the samples or the DecodeError.
 */
export async function decodeManyTo16k(files: { blob: Blob; name: string }[]): Promise<(Float32Array | DecodeError)[]> {
  // A file that cannot be read (too large, gone from the folder) is its own error, not the batch's.
  const read = await Promise.all(
    files.map((f) =>
      readWhole(f.blob, f.name).then(
        (b) => new Uint8Array(b),
        (e: DecodeError) => e,
      ),
    ),
  );
  const readable = read.flatMap((r, i) => (r instanceof Uint8Array ? [i] : []));
  const bytes = readable.map((i) => read[i] as Uint8Array);
  const batch = bytes.length
    ? await audioWorker().manyTo16k(
        transfer(bytes, bytes.map((b) => b.buffer as ArrayBuffer)),
        readable.map((i) => files[i].name),
      )
    : [];
  const decoded = async (k: number): Promise<Float32Array | DecodeError> => {
    const i = readable[k];
    const r = batch[k];
    const name = files[i].name;
    if ('samples' in r) return r.samples;
    if ('error' in r) return new DecodeError(name, r.error.replace(`${name}: `, ''));
    try {
      // Not a WAV, or a WAV codec ours does not read: straight to the browser's decoder.
      return await browserDecode(await readWhole(files[i].blob, name), name, r.notWav === true ? '' : r.notWav);
    } catch (e) {
      return e instanceof DecodeError ? e : new DecodeError(name, (e as Error).message);
    }
  };
  const slot = new Map(readable.map((i, k) => [i, k]));
  return Promise.all(read.map((r, i) => (r instanceof DecodeError ? r : decoded(slot.get(i)!))));
}
