// Generated audio for the app's browser tests: six classes the tiny encoder can
// tell apart (band-limited noise at a class frequency, pulsed at a class rate:
// per-bin normalisation of the features removes anything stationary, so the
// classes differ in band AND in time structure), and the dataset folder layout
// of the Node pipeline (wav/ + CSV with name,path,dialect,split).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '../../src/core/audio/wav.ts';
import { LABEL_NAMES } from '../../src/core/config/labels.ts';

const CENTER_HZ = [350, 700, 1300, 2200, 3400, 5200];
const PULSE_HZ = [1.5, 2.5, 4, 6, 9, 13];

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** One clip of class `k` (0..5) at `rate` Hz. */
export function classClip(k: number, seconds: number, seed: number, rate = 16000): Float32Array {
  const r = rng(seed * 7919 + k * 104729 + 1);
  const n = Math.round(seconds * rate);
  const out = new Float32Array(n);
  const partials = 10;
  const f0 = CENTER_HZ[k];
  const freqs = Array.from({ length: partials }, () => f0 * (0.85 + 0.3 * r()));
  const phases = Array.from({ length: partials }, () => 2 * Math.PI * r());
  const pulse = PULSE_HZ[k] * (0.95 + 0.1 * r());
  const offset = r();
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const on = ((t * pulse + offset) % 1) < 0.5 ? 1 : 0.05;
    let v = 0;
    for (let p = 0; p < partials; p++) v += Math.sin(2 * Math.PI * freqs[p] * t + phases[p]);
    out[i] = (0.5 * on * v) / partials + 0.01 * (r() * 2 - 1);
  }
  return out;
}

export interface DatasetSpec {
  trainPerClass: number;
  devPerClass: number;
  seconds: number;
}

/** Writes `<dir>/<name>/` with wav/*.wav (mixed 16 and 22.05 kHz) and segments.csv; returns the folder and row count. */
export function writeDatasetFolder(dir: string, name: string, spec: DatasetSpec): { folder: string; rows: number } {
  const folder = join(dir, name);
  mkdirSync(join(folder, 'wav'), { recursive: true });
  const lines = ['name,path,dialect,split,speaker'];
  let rows = 0;
  for (let k = 0; k < 6; k++) {
    for (let j = 0; j < spec.trainPerClass + spec.devPerClass; j++) {
      const split = j < spec.trainPerClass ? 'train' : 'dev';
      const sr = j % 3 === 2 ? 22050 : 16000;
      const file = `c${k}_${split}_${j}.wav`;
      writeFileSync(join(folder, 'wav', file), encodeWav(classClip(k, spec.seconds * (0.9 + 0.05 * (j % 4)), j + 1, sr), sr));
      lines.push(`${file},wav/${file},${LABEL_NAMES[k]},${split},spk${k}_${j % 3}`);
      rows++;
    }
  }
  writeFileSync(join(folder, 'segments.csv'), lines.join('\n') + '\n');
  return { folder, rows };
}

export function writeWav(path: string, samples: Float32Array, rate = 16000): string {
  writeFileSync(path, encodeWav(samples, rate));
  return path;
}
