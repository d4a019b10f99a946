// The whole-recording result of a long recording counts each second of audio once: the last
// window (a full window ending at the last sample) weighs only what it adds.
import { describe, expect, it } from 'vitest';
import { planCrops } from '../../src/core/encoder/crop.ts';
import { newAudioWeights, weightedMean } from '../../src/core/encoder/window-weights.ts';
import { formatClock } from '../../src/browser/i18n/i18n.ts';

const SR = 16000;
const windows = (seconds: number) =>
  planCrops(Math.round(seconds * SR), 'rec', { mode: 'windows', sampleRate: SR, maxLengthSeconds: 20, windowSeconds: 20, overlapSeconds: 0 }).map((s) => ({ start: s.start / SR, end: s.end / SR }));

describe('newAudioWeights', () => {
  it('weights the overlapping last window by the audio it adds', () => {
    const spans = windows(45);
    expect(spans).toEqual([{ start: 0, end: 20 }, { start: 20, end: 40 }, { start: 25, end: 45 }]);
    expect(Array.from(newAudioWeights(spans))).toEqual([20, 20, 5]);
    expect(Array.from(newAudioWeights(windows(20.01))).map((w) => +w.toFixed(6))).toEqual([20, 0.01]);
    expect(Array.from(newAudioWeights(windows(12)))).toEqual([12]);
    // Overlapping windows (overlapSeconds > 0): each second once as well.
    expect(Array.from(newAudioWeights([{ start: 0, end: 20 }, { start: 15, end: 35 }, { start: 30, end: 50 }]))).toEqual([20, 15, 15]);
  });

  it('the last window of 45 s counts for the 5 s it adds, not for a third of the result', () => {
    // Windows 1–2 say class 0, window 3 (25–45 s) says class 1.
    const probs = Float32Array.from([1, 0, 1, 0, 0, 1]);
    const spans = windows(45);
    const agg = weightedMean(probs, newAudioWeights(spans), 2);
    expect(agg[1]).toBeCloseTo(5 / 45, 6);
    expect(agg[0]! + agg[1]!).toBeCloseTo(1, 6);
  });
});

describe('window times as the timeline shows them', () => {
  it('whole seconds as m:ss; a window between seconds gets hundredths, so two windows never read alike', () => {
    expect(windows(45).map((w) => `${formatClock(w.start)}–${formatClock(w.end)}`)).toEqual(['0:00–0:20', '0:20–0:40', '0:25–0:45']);
    expect(windows(20.01).map((w) => `${formatClock(w.start)}–${formatClock(w.end)}`)).toEqual(['0:00–0:20', '0:00.01–0:20.01']);
    expect(formatClock(3725.5)).toBe('1:02:05.50');
  });
});
