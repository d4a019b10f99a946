import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AudioError, UnsupportedCodecError, assertFinite } from '../../src/core/audio/errors.ts';
import { decodeWav, readWavInfo, readWavRange } from '../../src/core/audio/wav.ts';
import { bytesSource } from '../../src/core/io/byte-source.ts';
import { readWavFile, readWavFileRange } from '../../src/node/io/file-source.ts';
import { buildWav, chunk, subFormatGuid, tone } from '../helpers/wav-fixtures.ts';
import { tempDir } from '../helpers/paths.ts';

const NAME = 'recordings/speaker_042.wav';
const good = () => buildWav({ sampleRate: 16000, channels: [tone(440, 16000, 0.05)], encoding: 'pcm16' });

/** Asserts that decoding, header-reading and range-reading all fail with an AudioError naming the file and matching `reason`. */
async function expectAudioError(bytes: Uint8Array, reason: RegExp, inHeader = true): Promise<void> {
  const check = (err: unknown) => {
    expect(err).toBeInstanceOf(AudioError);
    const e = err as AudioError;
    expect(e.file).toBe(NAME);
    expect(e.reason).toMatch(reason);
    expect(e.message).toBe(`${NAME}: ${e.reason}`);
  };
  let thrown: unknown;
  try {
    decodeWav(bytes, NAME);
  } catch (err) {
    thrown = err;
  }
  check(thrown);
  // Sample values (NaN) are beyond the header: readWavInfo cannot see them.
  if (inHeader) {
    await readWavInfo(bytesSource(bytes, NAME)).then(
      () => expect.fail('readWavInfo accepted a bad file'),
      check,
    );
  }
  await readWavRange(bytesSource(bytes, NAME), 0, 1).then(
    () => expect.fail('readWavRange accepted a bad file'),
    check,
  );
}

describe('bad WAV input names the file and the reason', () => {
  it('not a WAV: empty, text, other RIFF forms, big-endian RIFX', async () => {
    await expectAudioError(new Uint8Array(0), /not a WAV file/);
    await expectAudioError(new TextEncoder().encode('hello, this is plainly not audio at all ......'), /not a WAV file.*"hell"/);
    const avi = good();
    avi.set(new TextEncoder().encode('AVI '), 8);
    await expectAudioError(avi, /not a WAV file.*"AVI "/);
    const rifx = good();
    rifx.set(new TextEncoder().encode('RIFX'), 0);
    await expectAudioError(rifx, /not a WAV file.*"RIFX"/);
  });

  it('truncated header: cut inside RIFF, inside fmt, before data', async () => {
    const bytes = good();
    await expectAudioError(bytes.slice(0, 8), /truncated header/);
    await expectAudioError(bytes.slice(0, 12), /truncated header.*fmt/);
    await expectAudioError(bytes.slice(0, 30), /truncated header.*fmt/);
    await expectAudioError(bytes.slice(0, 36), /truncated header.*data/);
    await expectAudioError(bytes.slice(0, 40), /truncated header.*data/);
  });

  it('truncated EXTENSIBLE fmt chunk and a data chunk before fmt', async () => {
    const ext = buildWav({ sampleRate: 16000, channels: [tone(440, 16000, 0.01)], encoding: 'pcm16', extensible: true });
    const view = new DataView(ext.buffer);
    view.setUint32(16, 24, true); // fmt says 24 bytes: no room for the sub-format GUID
    // Put a skippable chunk where the rest of the fmt body was, so the walk stays aligned.
    ext.set(new TextEncoder().encode('pad '), 20 + 24);
    view.setUint32(20 + 28, 8, true);
    await expectAudioError(ext, /EXTENSIBLE.*24 bytes/);
    const raw = good();
    raw.set(new TextEncoder().encode('data'), 12);
    await expectAudioError(raw, /data chunk comes before any fmt chunk/);
  });

  it('unsupported codecs are named', async () => {
    const ch = [tone(440, 8000, 0.01)];
    const cases: [number, RegExp][] = [
      [0x0002, /unsupported codec: Microsoft ADPCM \(format tag 0x0002\)/],
      [0x0055, /unsupported codec: MP3 \(format tag 0x0055\)/],
      [0x0007, /unsupported codec: mu-law \(format tag 0x0007\)/],
      [0x0006, /unsupported codec: A-law/],
      [0x1234, /unsupported codec: unknown codec \(format tag 0x1234\)/],
    ];
    for (const [formatTag, reason] of cases) {
      await expectAudioError(buildWav({ sampleRate: 8000, channels: ch, encoding: 'pcm16', formatTag }), reason);
      await expectAudioError(buildWav({ sampleRate: 8000, channels: ch, encoding: 'pcm16', formatTag, extensible: true }), reason);
    }
    const guid = subFormatGuid(1);
    guid[15] = 0x72; // not the KSDATAFORMAT_SUBTYPE family
    await expectAudioError(buildWav({ sampleRate: 8000, channels: ch, encoding: 'pcm16', extensible: { subFormatGuid: guid } }), /unsupported codec: .*GUID 0100000000001000800000aa00389b72/);
  });

  it('impossible fmt fields', async () => {
    const ch = [tone(440, 8000, 0.01)];
    await expectAudioError(buildWav({ sampleRate: 0, channels: ch, encoding: 'pcm16' }), /sample rate 0/);
    await expectAudioError(buildWav({ sampleRate: 8000, channels: ch, encoding: 'float32', bitsField: 16, blockAlignField: 2 }), /unsupported sample size: 16-bit IEEE float/);
    await expectAudioError(buildWav({ sampleRate: 8000, channels: ch, encoding: 'pcm16', blockAlignField: 1 }), /block align 1/);
    const zeroCh = buildWav({ sampleRate: 8000, channels: ch, encoding: 'pcm16' });
    new DataView(zeroCh.buffer).setUint16(22, 0, true);
    await expectAudioError(zeroCh, /0 channels/);
  });

  it('zero samples: empty data chunk, less than one frame', async () => {
    await expectAudioError(buildWav({ sampleRate: 16000, channels: [[]], encoding: 'pcm16' }), /no audio samples/);
    await expectAudioError(buildWav({ sampleRate: 16000, channels: [[], []], encoding: 'pcm24', dataTail: new Uint8Array(5) }), /no audio samples/);
    await expectAudioError(buildWav({ sampleRate: 16000, channels: [[]], encoding: 'pcm16', chunksAfterData: [chunk('LIST', 'INFO')] }), /no audio samples/);
  });

  it('NaN and ±Infinity in float files', async () => {
    for (const encoding of ['float32', 'float64'] as const) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const x = Array.from(tone(440, 8000, 0.01));
        x[37] = bad;
        await expectAudioError(buildWav({ sampleRate: 8000, channels: [x], encoding }), new RegExp(`non-finite sample \\(${bad}\\) at index 37`), false);
        // In one channel of a stereo file, too.
        await expectAudioError(buildWav({ sampleRate: 8000, channels: [x.map(() => 0), x], encoding, extensible: true }), /non-finite sample/, false);
      }
    }
  });

  it('assertFinite passes finite data and names the source otherwise', () => {
    expect(() => assertFinite(new Float32Array([0, 1, -1, 3.4e38]), 'ok')).not.toThrow();
    expect(() => assertFinite(new Float64Array([0, NaN]), 'clip 7')).toThrow(/^clip 7: non-finite sample \(NaN\) at index 1$/);
  });
});

describe('Node file errors name the path', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('missing file, directory, bad file on disk', async () => {
    const missing = join(dir, 'missing.wav');
    await expect(readWavFile(missing)).rejects.toThrow(`${missing}: file not found`);
    await expect(readWavFileRange(missing, 0, 1)).rejects.toThrow(`${missing}: file not found`);
    await expect(readWavFile(dir)).rejects.toThrow(`${dir}: is a directory`);
    const bad = join(dir, 'bad.wav');
    writeFileSync(bad, buildWav({ sampleRate: 8000, channels: [[0.1, 0.2]], encoding: 'pcm16', formatTag: 0x55 }));
    // Its own class (the app hands such files to the browser's decoder), still an AudioError.
    await expect(readWavFile(bad)).rejects.toThrow(new UnsupportedCodecError(bad, 'unsupported codec: MP3 (format tag 0x0055); only PCM and IEEE float WAV can be read'));
    await expect(readWavFile(bad)).rejects.toBeInstanceOf(AudioError);
    await expect(readWavFileRange(bad, 0, 1)).rejects.toThrow(/bad\.wav: unsupported codec: MP3/);
  });
});
