// Any audio or video file the browser can decode → 16 kHz mono samples.
// WAV goes to the audio worker whole (same decoder and resampler as the Node
// pipeline); other formats are decoded by the browser (decodeAudioData runs on
// its own decoder thread) and only downmixed/resampled in the worker.
import { transfer, type Remote } from 'comlink';
import type { AudioWorkerApi } from '../../../workers/audio.worker.ts';
import { isWavHeader } from './wav-header.ts';
import { t } from '../i18n/i18n.ts';
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

export async function decodeTo16k(blob: Blob, name = (blob as File).name ?? 'audio'): Promise<Float32Array> {
  const buf = await blob.arrayBuffer();
  const bytes = new Uint8Array(buf);
  if (isWavHeader(bytes)) {
    try {
      const r = await audioWorker().wavTo16k(transfer(bytes, [bytes.buffer]), name);
      return r.samples;
    } catch (e) {
      throw new DecodeError(name, (e as Error).message.replace(`${name}: `, ''));
    }
  }
  let decoded: AudioBuffer;
  try {
    // The decoder resamples to the context rate: 16 kHz straight away.
    const ctx = new OfflineAudioContext({ numberOfChannels: 1, length: 1, sampleRate: 16000 });
    decoded = await ctx.decodeAudioData(buf);
  } catch (e) {
    throw new DecodeError(name, t('audio.cannotDecode', { why: (e as Error).message || 'unknown format' }));
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
  const read = await Promise.all(files.map(async (f) => new Uint8Array(await f.blob.arrayBuffer())));
  const batch = await audioWorker().manyTo16k(
    transfer(read, read.map((b) => b.buffer)),
    files.map((f) => f.name),
  );
  return Promise.all(
    batch.map(async (r, i): Promise<Float32Array | DecodeError> => {
      const name = files[i].name;
      if ('samples' in r) return r.samples;
      if ('error' in r) return new DecodeError(name, r.error.replace(`${name}: `, ''));
      try {
        return await decodeTo16k(files[i].blob, name);
      } catch (e) {
        return e instanceof DecodeError ? e : new DecodeError(name, (e as Error).message);
      }
    }),
  );
}
