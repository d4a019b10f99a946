import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../src/core/config/validate.ts';
import { loadPreprocessConfig, parsePreprocessConfig } from '../../src/node/pipeline/preprocess-config.ts';

const shipped = () => JSON.parse(readFileSync('configs/preprocess.json', 'utf8')) as Record<string, any>;

describe('configs/preprocess.json', () => {
  it('loads the shipped config', async () => {
    const c = await loadPreprocessConfig('configs/preprocess.json');
    expect(c.min_seconds).toBe(3);
    expect(c.sampling_rate).toBe(16000);
    expect(c.elder.max_per_speaker).toBe(30);
    expect(c.dialect.skip_first_utterance).toBe(true);
    // The path patterns pick out the AIHub dataset folders.
    expect(new RegExp(c.dialect.path_pattern!, 'u').test('013.한국어_방언_발화_데이터(강원도)/x.wav')).toBe(true);
    expect(new RegExp(c.elder.path_pattern!, 'u').test('139-1.중·노년층_한국어_방언_데이터_(강원도,_경상도)/x.wav')).toBe(true);
    expect(new RegExp(c.dialect.path_pattern!, 'u').test('139-1.중·노년층_한국어_방언_데이터_(강원도,_경상도)/x.wav')).toBe(false);
  });

  it('names the file and the key of a bad value', () => {
    const unknown = shipped();
    unknown.dialect.skip_frist = true;
    expect(() => parsePreprocessConfig(unknown, 'p.json')).toThrow(/p\.json: key "dialect\.skip_frist" is not a known key/);
    const wrongType = shipped();
    wrongType.min_seconds = '3';
    expect(() => parsePreprocessConfig(wrongType, 'p.json')).toThrow(/key "min_seconds" must be number/);
    const negative = shipped();
    negative.elder.max_per_speaker = -1;
    expect(() => parsePreprocessConfig(negative, 'p.json')).toThrow(/key "elder\.max_per_speaker" must be >= 0/);
    const badPattern = shipped();
    badPattern.seoul.path_pattern = '([';
    expect(() => parsePreprocessConfig(badPattern, 'p.json')).toThrow(ConfigError);
    expect(() => parsePreprocessConfig(badPattern, 'p.json')).toThrow(/seoul\.path_pattern" is not a valid regular expression/);
    const missing = shipped();
    delete missing.seoul;
    expect(() => parsePreprocessConfig(missing, 'p.json')).toThrow(/key "seoul" is required/);
    // Options that belong to another set are unknown there.
    const misplaced = shipped();
    misplaced.seoul.max_per_speaker = 3;
    expect(() => parsePreprocessConfig(misplaced, 'p.json')).toThrow(/seoul\.max_per_speaker/);
  });
});
