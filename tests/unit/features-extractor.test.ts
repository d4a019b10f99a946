import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/config/validate.ts';
import {
  BatchBuffers,
  DEFAULT_PREPROCESSOR_CONFIG,
  FeatureError,
  MIN_SAMPLES,
  SeamlessFeatureExtractor,
  parsePreprocessorConfig,
} from '../../src/core/features/index.ts';

function signal(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, (_, i) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return 0.3 * Math.sin(i * (0.02 + seed * 0.001)) + 0.1 * (s / 0x7fffffff - 0.5);
  });
}

describe('preprocessor_config.json', () => {
  it('loads the w2v-BERT defaults', () => {
    expect(DEFAULT_PREPROCESSOR_CONFIG).toMatchObject({
      feature_extractor_type: 'SeamlessM4TFeatureExtractor',
      feature_size: 80,
      num_mel_bins: 80,
      sampling_rate: 16000,
      stride: 2,
      padding_value: 1,
      return_attention_mask: true,
      padding_side: 'right',
    });
  });

  it('rejects bad keys with errors naming the file and key', () => {
    const bad = (patch: Record<string, unknown>) => () => parsePreprocessorConfig({ ...DEFAULT_PREPROCESSOR_CONFIG, ...patch }, 'pp.json');
    expect(bad({ sampling_rate: 22050 })).toThrow(/pp\.json: key "sampling_rate"/);
    expect(bad({ stride: 'two' })).toThrow(/pp\.json: key "stride"/);
    expect(bad({ feature_size: 40 })).toThrow(/key "feature_size" must equal num_mel_bins/);
    expect(bad({ padding_side: 'left' })).toThrow(ConfigError);
    expect(bad({ bogus: 1 })).toThrow(/key "bogus" is not a known key/);
    expect(() => parsePreprocessorConfig({ feature_size: 80 }, 'pp.json')).toThrow(/is required/);
  });
});

describe('SeamlessFeatureExtractor', () => {
  const fe = new SeamlessFeatureExtractor();

  it('stacks frame pairs into 160-value rows, padding an odd frame count with 1 and mask 0', () => {
    // 400 + 160·4 samples → 5 frames → 3 rows, last row = frame 4 + a padding frame.
    const x = signal(400 + 160 * 4, 1);
    const { features, mask, frames } = fe.extract(x);
    expect(frames).toBe(3);
    expect(features.length).toBe(3 * 160);
    expect(Array.from(mask)).toEqual([1, 1, 0]);
    expect(Array.from(features.subarray(2 * 160 + 80))).toEqual(new Array(80).fill(1));
    // Per-bin normalisation over the 5 real frames: mean 0, sample variance ≈ 1.
    for (const m of [0, 17, 79]) {
      const col = [0, 1, 2, 3, 4].map((f) => features[f * 80 + m]!);
      const mean = col.reduce((a, b) => a + b) / 5;
      const v = col.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(v).toBeGreaterThan(0.99);
      expect(v).toBeLessThan(1.0001);
    }
  });

  it('has an all-ones mask for an even frame count', () => {
    const { mask, frames } = fe.extract(signal(400 + 160 * 9, 2));
    expect(frames).toBe(5);
    expect(Array.from(mask)).toEqual([1, 1, 1, 1, 1]);
  });

  it('rejects clips under 560 samples with a clear error naming the clip', () => {
    expect(MIN_SAMPLES).toBe(560);
    expect(() => fe.extract(new Float32Array(559), 'short.wav')).toThrow(FeatureError);
    expect(() => fe.extract(new Float32Array(559), 'short.wav')).toThrow(/^short\.wav: too short .*559 samples.*560 samples/);
    expect(() => fe.extract(new Float32Array(0))).toThrow(/clip: too short/);
    expect(fe.extract(signal(560, 3)).frames).toBe(1);
  });

  it.each(['wasm', 'js'] as const)('rejects NaN and infinite samples instead of hiding them under the log floor (%s)', (backend) => {
    const fx = new SeamlessFeatureExtractor(DEFAULT_PREPROCESSOR_CONFIG, backend);
    const x = signal(8000, 4);
    x[3000] = NaN;
    expect(() => fx.extract(x, 'nan.wav')).toThrow(/^nan\.wav: contains NaN or infinite samples \(sample 3000, frame 17\)$/);
    x[3000] = Infinity;
    expect(() => fx.extract(x, 'inf.wav')).toThrow(FeatureError);
    x[3000] = 0;
    x[7999] = -Infinity; // only in the junk tail after the last frame: no frame uses it
    expect(fx.extract(x).frames).toBe(24);
  });

  it('batches clips into one padded [B, T, 160] tensor whose items equal single extraction', () => {
    const clips = [signal(16000, 5), signal(400 + 160 * 6, 6), signal(400 + 160 * 101, 7), signal(560, 8)];
    const batch = fe.extractBatch(clips);
    expect(batch.batch).toBe(4);
    const T = Math.max(...clips.map((c) => fe.extract(c).frames));
    expect(batch.frames).toBe(T);
    expect(batch.features.length).toBe(4 * T * 160);
    expect(batch.mask.length).toBe(4 * T);
    clips.forEach((c, b) => {
      const single = fe.extract(c);
      const item = batch.features.subarray(b * T * 160, (b + 1) * T * 160);
      expect(Array.from(item.subarray(0, single.features.length))).toEqual(Array.from(single.features));
      expect(item.subarray(single.features.length).every((v) => v === 1)).toBe(true);
      const m = batch.mask.subarray(b * T, (b + 1) * T);
      expect(Array.from(m.subarray(0, single.frames))).toEqual(Array.from(single.mask));
      expect(m.subarray(single.frames).every((v) => v === 0)).toBe(true);
    });
  });

  it('writes a batch into reused buffers the same as into fresh arrays, whatever the batch before left there', () => {
    const buffers = new BatchBuffers();
    const long = fe.extractBatch([signal(16000, 9), signal(12000, 10)], undefined, buffers);
    const first = long.features.buffer;
    expect(long.features.length).toBe(2 * long.frames * 160);
    // A shorter batch after a longer one: the same memory, and no value of the longer batch left in it.
    const clips = [signal(400 + 160 * 60, 11), signal(400 + 160 * 31, 12)];
    const fresh = fe.extractBatch(clips);
    const reused = fe.extractBatch(clips, undefined, buffers);
    expect(reused.features.buffer).toBe(first);
    expect(reused.features.length).toBe(fresh.features.length);
    expect(Array.from(reused.features)).toEqual(Array.from(fresh.features));
    expect(Array.from(reused.mask)).toEqual(Array.from(fresh.mask));
    // A longer batch than the buffers hold: they grow.
    const longer = [signal(48000, 13), signal(47000, 14)];
    const grown = fe.extractBatch(longer, undefined, buffers);
    expect(grown.features.buffer).not.toBe(first);
    expect(Array.from(grown.features)).toEqual(Array.from(fe.extractBatch(longer).features));
  });

  it('names the bad clip of a batch', () => {
    expect(() => fe.extractBatch([signal(16000, 1), new Float32Array(100)], ['a.wav', 'b.wav'])).toThrow(/^b\.wav: too short/);
    expect(() => fe.extractBatch([signal(16000, 1), new Float32Array(100)])).toThrow(/^clip 1: too short/);
    expect(() => fe.extractBatch([])).toThrow(RangeError);
  });

  it('follows stride from the config (stride 1: one frame per row, no padding)', () => {
    const fe1 = new SeamlessFeatureExtractor(parsePreprocessorConfig({ ...DEFAULT_PREPROCESSOR_CONFIG, stride: 1 }, 'pp.json'));
    const x = signal(400 + 160 * 4, 11); // 5 frames
    const one = fe1.extract(x);
    const two = fe.extract(x);
    expect(one.frames).toBe(5);
    expect(one.features.length).toBe(5 * 80);
    expect(Array.from(one.mask)).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(one.features)).toEqual(Array.from(two.features.subarray(0, 5 * 80)));
  });

  it('follows padding_value from the config', () => {
    const fe0 = new SeamlessFeatureExtractor(parsePreprocessorConfig({ ...DEFAULT_PREPROCESSOR_CONFIG, padding_value: 0 }, 'pp.json'));
    const { features } = fe0.extract(signal(400 + 160 * 2, 9)); // 3 frames → one padding frame
    expect(features.subarray(3 * 80).every((v) => v === 0)).toBe(true);
  });
});
