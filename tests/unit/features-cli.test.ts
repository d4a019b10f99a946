// `saturi features` end to end: a generated 44.1 kHz WAV in, .npy files out.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../../src/core/audio/wav.ts';
import { toMono16k } from '../../src/core/audio/resample.ts';
import { SeamlessFeatureExtractor } from '../../src/core/features/index.ts';
import { decodeNpy } from '../../src/core/io/npy.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/paths.ts';

const { dir, cleanup } = tempDir('saturi-features-');
afterAll(cleanup);

describe('saturi features', () => {
  it('writes [T,160] float32 features and an int64 [T] mask of a 44.1 kHz WAV', async () => {
    const sr = 44100;
    const n = Math.round(sr * 1.23);
    const x = Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / sr) + 0.1 * Math.sin((2 * Math.PI * 1800 * i) / sr));
    const bytes = encodeWav(x, sr);
    const wav = join(dir, 'tone.wav');
    writeFileSync(wav, bytes);
    const out = join(dir, 'f.npy');
    const maskOut = join(dir, 'm.npy');
    const r = await runCli(['features', wav, '--out', out, '--mask', maskOut]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const f = decodeNpy(readFileSync(out), 'f.npy');
    const m = decodeNpy(readFileSync(maskOut), 'm.npy');
    expect(f.data).toBeInstanceOf(Float32Array);
    expect(m.data).toBeInstanceOf(BigInt64Array);
    // The same recording through the library: decode, resample to 16 kHz, extract.
    const mono16k = toMono16k(decodeWav(bytes, 'tone.wav'));
    expect(mono16k.length).toBe(Math.round(1.23 * 16000));
    const expected = new SeamlessFeatureExtractor().extract(mono16k);
    // 1.23 s → 19680 samples → 121 Kaldi frames (odd) → 61 rows, the last one half padding.
    expect(expected.frames).toBe(61);
    expect(f.shape).toEqual([61, 160]);
    expect(m.shape).toEqual([61]);
    expect(Array.from(f.data as Float32Array)).toEqual(Array.from(expected.features));
    expect(Array.from(m.data as BigInt64Array, Number)).toEqual([...new Array(60).fill(1), 0]);
  });

  it('names the file when it is missing, not a WAV, or too short', async () => {
    const out = join(dir, 'x.npy');
    const missing = await runCli(['features', join(dir, 'nope.wav'), '--out', out]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.wav: file not found/);

    const notWav = join(dir, 'text.wav');
    writeFileSync(notWav, 'hello, not a wav file at all, just some text padding it out');
    const bad = await runCli(['features', notWav, '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/text\.wav: /);
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const short = join(dir, 'short.wav');
    writeFileSync(short, encodeWav(new Float32Array(500).fill(0.1), 16000));
    const tooShort = await runCli(['features', short, '--out', out]);
    expect(tooShort.code).toBe(2);
    expect(tooShort.stderr).toMatch(/short\.wav: too short .*560 samples/);
  });

  it('reads --config and names the file and key of a bad one', async () => {
    const cfg = join(dir, 'pp.json');
    writeFileSync(cfg, JSON.stringify({ feature_extractor_type: 'SeamlessM4TFeatureExtractor', feature_size: 80, num_mel_bins: 80, sampling_rate: 16000, stride: 2, padding_value: 1, return_attention_mask: true, padding_side: 'right', stride_typo: 3 }));
    const wav = join(dir, 'one.wav');
    writeFileSync(wav, encodeWav(Float32Array.from({ length: 16000 }, (_, i) => 0.2 * Math.sin(i / 9)), 16000));
    const r = await runCli(['features', wav, '--out', join(dir, 'c.npy'), '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pp\.json: key "stride_typo" is not a known key/);
  });

  it('documents the output shapes in --help', async () => {
    const r = await runCli(['features', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[T, 160\]/);
    expect(r.stdout).toMatch(/int64/);
  });
});
