import { describe, expect, it } from 'vitest';
import { resample, resampledLength, toMono16k } from '../../src/core/audio/resample.ts';
import { bandNoise, tone, whiteNoise } from '../helpers/wav-fixtures.ts';

/** Least-squares fit of a·sin + b·cos at `freq` over x[from, to): amplitude, phase (of the sine), residual energy. */
function fitSine(x: Float32Array, freq: number, rate: number, from: number, to: number) {
  const w = (2 * Math.PI * freq) / rate;
  let ss = 0, cc = 0, sc = 0, xs = 0, xc = 0, xx = 0;
  for (let i = from; i < to; i++) {
    const s = Math.sin(w * i);
    const c = Math.cos(w * i);
    ss += s * s; cc += c * c; sc += s * c; xs += x[i]! * s; xc += x[i]! * c; xx += x[i]! * x[i]!;
  }
  const det = ss * cc - sc * sc;
  const a = (xs * cc - xc * sc) / det;
  const b = (xc * ss - xs * sc) / det;
  const fitted = a * xs + b * xc; // energy explained by the fit
  return { amplitude: Math.hypot(a, b), phase: Math.atan2(b, a), residual: (xx - fitted) / (to - from) };
}

/** Mean energy of x over its middle 60% (away from the edges, where the signal starts and stops). */
function middleEnergy(x: Float32Array): number {
  const from = Math.floor(x.length * 0.2);
  const to = Math.floor(x.length * 0.8);
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return s / (to - from);
}

const dB = (ratio: number) => 10 * Math.log10(ratio);
const RATES = [8000, 11025, 12345, 22050, 24000, 32000, 44100, 48000, 96000];

describe('resample to 16 kHz: passband', () => {
  for (const rate of RATES) {
    it(`${rate} Hz: tones up to 7 kHz keep their level within 0.1 dB, phase, and no spurious energy`, () => {
      const top = Math.min(7000, (7 / 16) * rate); // the passband of a lower input rate ends below its Nyquist
      const freqs = [50, 440, 1000, 2500, 4000, 5500, 6000, 6600, 7000].filter((f) => f <= top);
      freqs.push(top);
      for (const f of freqs) {
        const amp = 0.7;
        const phase = 0.3;
        const x = tone(f, rate, 0.5, amp, phase);
        const y = resample(x, rate, 16000);
        expect(y.length).toBe(Math.ceil((x.length * 16000) / rate));
        const fit = fitSine(y, f, 16000, 1600, 6400);
        const gainDb = 20 * Math.log10(fit.amplitude / amp);
        if (Math.abs(gainDb) > 0.1) expect.fail(`${f} Hz at ${rate} Hz: gain ${gainDb.toFixed(4)} dB`);
        // Zero-phase filter: output sample n is the input at time n/16000.
        expect(Math.abs(fit.phase - phase)).toBeLessThan(2e-3);
        // Everything that is not the tone (aliases, images, ripple) is at least 60 dB down.
        const spurious = dB(fit.residual / (fit.amplitude ** 2 / 2));
        if (spurious > -60) expect.fail(`${f} Hz at ${rate} Hz: spurious energy ${spurious.toFixed(1)} dB`);
      }
    });
  }

  it('keeps DC', () => {
    const y = resample(new Float32Array(44100).fill(0.5), 44100, 16000);
    for (let i = 1000; i < y.length - 1000; i++) expect(Math.abs(y[i]! - 0.5)).toBeLessThan(1e-4);
  });
});

describe('resample to 16 kHz: stopband (≥ 60 dB above 8 kHz)', () => {
  for (const rate of [22050, 24000, 32000, 44100, 48000, 96000]) {
    it(`${rate} Hz: tones above 8 kHz`, () => {
      for (const f of [8050, 8500, 9000, 10000, 12000, 15000, 20000, 30000, 45000].filter((f) => f < rate / 2)) {
        const x = tone(f, rate, 0.5, 0.9);
        const y = resample(x, rate, 16000);
        const att = dB(middleEnergy(y) / middleEnergy(x));
        if (att > -60) expect.fail(`${f} Hz at ${rate} Hz: only ${(-att).toFixed(1)} dB down`);
      }
    });

    it(`${rate} Hz: noise between 8 kHz and Nyquist, and a speech-band tone under it`, () => {
      const noise = bandNoise(8000, rate / 2, rate, 0.5, rate);
      const y = resample(noise, rate, 16000);
      expect(dB(middleEnergy(y) / middleEnergy(noise))).toBeLessThan(-60);

      // A 1 kHz tone plus loud high-frequency noise: the output is the tone alone.
      const mix = tone(1000, rate, 0.5, 0.1).map((v, i) => v + noise[i]!);
      const out = resample(mix, rate, 16000);
      const fit = fitSine(out, 1000, 16000, 1600, 6400);
      expect(Math.abs(20 * Math.log10(fit.amplitude / 0.1))).toBeLessThan(0.1);
      expect(dB(fit.residual / middleEnergy(noise))).toBeLessThan(-60);
    });
  }

  it('white noise at 48 kHz loses its upper two thirds', () => {
    const x = whiteNoise(48000, 4, 0.5);
    const y = resample(x, 48000, 16000);
    // Flat noise: the band kept (0–8 kHz, ~1/3 of 0–24 kHz) carries a third of the energy.
    expect(dB(middleEnergy(y) / middleEnergy(x))).toBeCloseTo(dB(1 / 3), 0);
  });
});

describe('resample: other rate pairs and edge cases', () => {
  it('upsampling images are suppressed (8 kHz → 16 kHz, 16 kHz → 44.1/48 kHz)', () => {
    for (const [from, to, f] of [
      [8000, 16000, 3000],
      [16000, 44100, 6500],
      [16000, 48000, 1234],
      [48000, 44100, 7000],
      [44100, 48000, 7000],
    ] as const) {
      const y = resample(tone(f, from, 0.5, 0.5), from, to);
      expect(y.length).toBe(resampledLength(from / 2, from, to));
      const fit = fitSine(y, f, to, Math.floor(y.length * 0.2), Math.floor(y.length * 0.8));
      expect(Math.abs(20 * Math.log10(fit.amplitude / 0.5))).toBeLessThan(0.1);
      expect(dB(fit.residual / (fit.amplitude ** 2 / 2))).toBeLessThan(-60);
    }
  });

  it('rate pairs with very many phases (16001 or 44101 Hz → 16 kHz)', () => {
    for (const rate of [16001, 44101]) {
      for (const f of [440, 6800]) {
        const y = resample(tone(f, rate, 0.5, 0.5, 1), rate, 16000);
        expect(y.length).toBe(resampledLength(Math.round(rate * 0.5), rate, 16000));
        const fit = fitSine(y, f, 16000, 1600, 6400);
        expect(Math.abs(20 * Math.log10(fit.amplitude / 0.5))).toBeLessThan(0.1);
        expect(Math.abs(fit.phase - 1)).toBeLessThan(2e-3);
        expect(dB(fit.residual / (fit.amplitude ** 2 / 2))).toBeLessThan(-60);
      }
    }
    const x = tone(11000, 44101, 0.5, 0.9);
    expect(dB(middleEnergy(resample(x, 44101, 16000)) / middleEnergy(x))).toBeLessThan(-60);
  });

  it('lengths: ceil(n · to / from); empty and tiny inputs', () => {
    expect(resample(new Float32Array(0), 44100, 16000).length).toBe(0);
    expect(resample(new Float32Array(1), 48000, 16000).length).toBe(1);
    expect(resample(new Float32Array(4), 48000, 16000).length).toBe(2);
    expect(resample(new Float32Array(3), 8000, 16000).length).toBe(6);
    expect(resample(new Float32Array(441), 44100, 16000).length).toBe(160);
    expect(resample(new Float32Array(442), 44100, 16000).length).toBe(161);
    expect(resampledLength(12345, 12345, 16000)).toBe(16000);
    const impulse = new Float32Array(5);
    impulse[2] = 1;
    const y = resample(impulse, 48000, 16000);
    expect(y.length).toBe(2);
    expect(y.every(Number.isFinite)).toBe(true);
  });

  it('same rate is a copy', () => {
    const x = whiteNoise(1000, 2);
    const y = resample(x, 16000, 16000);
    expect(y).not.toBe(x);
    expect(y).toEqual(x);
  });

  it('rejects rates that are not positive integers', () => {
    const x = new Float32Array(10);
    expect(() => resample(x, 0, 16000)).toThrow(/positive integers/);
    expect(() => resample(x, 44100.5, 16000)).toThrow(/positive integers/);
    expect(() => resample(x, 16000, -1)).toThrow(/positive integers/);
  });

  it('toMono16k resamples decoded audio', () => {
    const samples = tone(500, 22050, 1, 0.5);
    const y = toMono16k({ sampleRate: 22050, channels: 2, samples });
    expect(y.length).toBe(16000);
    expect(fitSine(y, 500, 16000, 3200, 12800).amplitude).toBeCloseTo(0.5, 3);
    // Already 16 kHz: the decoder's array itself, not a copy.
    const same = toMono16k({ sampleRate: 16000, channels: 1, samples: y });
    expect(same).toBe(y);
  });
});
