// Parity with transformers.js's SeamlessM4TFeatureExtractor (the reference implementation of the recipe).
import { SeamlessM4TFeatureExtractor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { resample } from '../../src/core/audio/resample.ts';
import { DEFAULT_PREPROCESSOR_CONFIG, SeamlessFeatureExtractor } from '../../src/core/features/index.ts';
import { mulberry32 } from '../../src/core/random/mulberry32.ts';

const SR = 16000;

/** Speech-like: a few harmonics with a wandering pitch and syllable-rate envelope, plus noise. */
function speechLike(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const x = new Float32Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / SR;
    const f0 = 120 + 40 * Math.sin(2 * Math.PI * 0.7 * t);
    phase += (2 * Math.PI * f0) / SR;
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin(h * phase) / h;
    x[i] = 0.2 * env * v + 0.01 * (r() * 2 - 1);
  }
  return x;
}

/** 16-bit quantised, as decoded from a PCM WAV. */
const pcm16 = (x: Float32Array) => x.map((v) => Math.round(v * 32767) / 32768);

function noise(n: number, seed: number, amp = 1): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => amp * (r() * 2 - 1));
}

function clipped(n: number): Float32Array {
  // A loud 330 Hz tone plus noise, hard-clipped at full scale.
  const r = mulberry32(7);
  return Float32Array.from({ length: n }, (_, i) => Math.max(-1, Math.min(1, 3 * Math.sin((2 * Math.PI * 330 * i) / SR) + 0.3 * (r() * 2 - 1))));
}

const reference = new SeamlessM4TFeatureExtractor({ ...DEFAULT_PREPROCESSOR_CONFIG });

async function compare(ours: SeamlessFeatureExtractor, x: Float32Array): Promise<{ maxDiff: number; frames: number }> {
  const ref = (await reference(x)) as { input_features: { dims: number[]; data: Float32Array }; attention_mask: { dims: number[]; data: BigInt64Array } };
  const got = ours.extract(x);
  expect(ref.input_features.dims).toEqual([1, got.frames, 160]);
  expect(ref.attention_mask.dims).toEqual([1, got.frames]);
  expect(Array.from(got.mask)).toEqual(Array.from(ref.attention_mask.data, Number));
  const a = ref.input_features.data;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - got.features[i]!);
    if (!(d <= maxDiff)) maxDiff = d; // NaN propagates and fails below
  }
  return { maxDiff, frames: got.frames };
}

describe.each(['wasm', 'js'] as const)('SeamlessFeatureExtractor (%s fbank) matches transformers.js', (backend) => {
  const ours = new SeamlessFeatureExtractor(DEFAULT_PREPROCESSOR_CONFIG, backend);
  it('uses the requested backend', () => expect(ours.backend).toBe(backend));

  const cases: [string, () => Float32Array][] = [
    ['0.05 s speech-like (3 frames, odd)', () => speechLike(800, 1)],
    ['0.5 s speech-like (48 frames, even)', () => speechLike(8000, 2)],
    ['3 s speech-like (298 frames, even)', () => speechLike(48000, 3)],
    ['3.01 s speech-like (299 frames, odd)', () => speechLike(48160, 4)],
    ['20 s speech-like', () => speechLike(20 * SR, 5)],
    ['31 s speech-like (odd)', () => speechLike(31 * SR + 77, 6)],
    ['3 s silence', () => new Float32Array(3 * SR)],
    ['1 s constant DC (every bin has zero variance)', () => new Float32Array(SR).fill(0.25)],
    ['3 s full-scale noise', () => noise(3 * SR, 8)],
    ['0.5 s very quiet noise (near the log floor)', () => noise(8000, 9, 1e-6)],
    ['3 s clipped tone', () => clipped(3 * SR + 160)],
    ['560 samples (the shortest clip: 2 frames)', () => speechLike(560, 10)],
    // Spectra spanning ~100 dB, where a float32 FFT alone would be off by up to 0.3 (wasm-fbank.ts)
    ['3 s speech-like upsampled from 8 kHz (nothing above 4 kHz)', () => resample(speechLike(24000, 11), 8000, 16000)],
    ['3 s speech-like upsampled from 8 kHz, 16-bit', () => pcm16(resample(speechLike(24000, 12), 8000, 16000))],
    ['3 s speech-like, 16-bit', () => pcm16(speechLike(48000, 13))],
    ['3 s speech-like on a 0.5 DC offset', () => speechLike(48000, 14).map((v) => v + 0.5)],
    ['3 s chirp 50 Hz – 7 kHz', () => Float32Array.from({ length: 48000 }, (_, i) => 0.5 * Math.sin(2 * Math.PI * (50 * (i / SR) + 1160 * (i / SR) ** 2)))],
  ];
  for (const [name, make] of cases) {
    it(name, async () => {
      const x = make();
      const { maxDiff } = await compare(ours, x);
      expect(maxDiff).toBeLessThanOrEqual(1e-3);
    });
  }

  it('gives zeros (not NaN) for silence, like the reference', () => {
    const got = ours.extract(new Float32Array(8000));
    expect(got.features.every((v) => Math.abs(v) < 1e-6)).toBe(true);
  });
});
