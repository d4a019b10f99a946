import { describe, expect, it } from 'vitest';
import { parseDialectLabel, selectDialectSegments } from '../../src/core/dataset/dialect-rules.ts';
import { shorterThan, tooShortDetail } from '../../src/core/dataset/segment-length.ts';
import { capLeft, parseElderLabel, parseElderStem, parseHms, parseHmsMs, selectElderSentences, shareCap, speakerCapRejects } from '../../src/core/dataset/elder-rules.ts';
import { LabelError, nullifyNonFiniteTokens, parseJsonText } from '../../src/core/dataset/label-error.ts';
import { dialectLabelFromPath, segmentName, stemOf } from '../../src/core/dataset/paths.ts';
import { parseSeoulMetadataLine } from '../../src/core/dataset/seoul-rules.ts';

const utt = (start: unknown, end: unknown, standard: string, dialect: string, speaker = 'S1') => ({
  id: 'x', form: dialect, standard_form: standard, dialect_form: dialect, speaker_id: speaker, start, end, note: '', eojeolList: [],
});

describe('dialect label rules (한국어 방언 발화)', () => {
  it('parses JSON that starts with a BOM, and JSON with Python NaN tokens', () => {
    const text = '\uFEFF' + JSON.stringify({ utterance: [utt(1, 5, 'a', 'b')], speaker: [{ id: 'S9' }] });
    const label = parseDialectLabel(text, 'a.json');
    expect(label.utterances).toHaveLength(1);
    expect(label.speakerIds).toEqual(['S9']);
    const withNan = '{"utterance":[{"start":NaN,"end":-Infinity,"standard_form":"NaN in a string","dialect_form":"b"}]}';
    const parsed = parseDialectLabel(withNan, 'n.json');
    expect(parsed.utterances[0]!.start).toBeNull();
    expect(parsed.utterances[0]!.end).toBeNull();
    expect(parsed.utterances[0]!.standardForm).toBe('NaN in a string');
  });

  it('rejects broken label files with a LabelError naming the file', () => {
    expect(() => parseDialectLabel('{"utterance": [', 'broken.json')).toThrow(LabelError);
    expect(() => parseDialectLabel('{"utterance": [', 'broken.json')).toThrow(/broken\.json/);
    expect(() => parseDialectLabel('{"no":1}', 'x.json')).toThrow(/utterance/);
  });

  it('applies the rules in order and gives each skipped utterance a reason', () => {
    const label = parseDialectLabel(
      JSON.stringify({
        utterance: [
          utt(0.5, 10, 's', 'd'), // 0: first
          utt(1, 5, 's', 'd'), // 1: kept
          utt(null, 5, 's', 'd'), // 2: null
          utt('1.0', 5, 's', 'd'), // 3: string timestamp
          utt(6, 6, 's', 'd'), // 4: end == start
          utt(7, 5, 's', 'd'), // 5: reversed
          utt(1, 9, 'same', 'same'), // 6: same form
          utt(1, 3.99, 's', 'd'), // 7: 2.99 s
          utt(7.5, 10.5, 's', 'd'), // 8: exactly 3 s, kept
          utt(1, 5, 's', 'd', ''), // 9: kept, speaker from the speaker list
          { start: 1, end: 5 }, // 10: both forms missing = same
        ],
        speaker: [{ id: 'LIST' }],
      }),
      'r.json',
    );
    const sel = selectDialectSegments(label, 'r.json', { minSeconds: 3, skipFirst: true });
    expect(sel.segments.map((s) => s.index)).toEqual([1, 8, 9]);
    expect(sel.segments.map((s) => s.speaker)).toEqual(['S1', 'S1', 'LIST']);
    expect(sel.rejects.map((r) => [r.item, r.reason])).toEqual([
      ['0', 'first_utterance'],
      ['2', 'bad_timestamp'],
      ['3', 'bad_timestamp'],
      ['4', 'bad_timestamp'],
      ['5', 'bad_timestamp'],
      ['6', 'same_form'],
      ['7', 'too_short'],
      ['10', 'same_form'],
    ]);
    expect(sel.rejects.every((r) => r.file === 'r.json')).toBe(true);
    // Every utterance is accounted for exactly once.
    expect(sel.segments.length + sel.rejects.length).toBe(label.utterances.length);
  });

  it('takes the region from the dataset folder or AIHub inner folder', () => {
    expect(dialectLabelFromPath('/d/013.한국어_방언_발화_데이터(강원도)/Training/x/a.wav')).toBe('Gangwon-do');
    expect(dialectLabelFromPath('/d/raw/Training/[원천]제주도_학습데이터_1/a.wav')).toBe('Jeju-do');
    expect(dialectLabelFromPath('/d/raw/Training/a.wav')).toBeUndefined();
    // NFD-normalised names (macOS unzip) still match.
    expect(dialectLabelFromPath('/d/015.한국어_방언_발화_데이터(전라도)'.normalize('NFD') + '/a.wav')).toBe('Jeolla-do');
  });

  it('names segments <stem>_<index>.wav', () => {
    expect(stemOf('/a/b/DGW20000001.wav')).toBe('DGW20000001');
    expect(stemOf('C:\\x\\y.z.wav')).toBe('y.z');
    expect(segmentName('DGW20000001', 4)).toBe('DGW20000001_4.wav');
  });
});

describe('elder label rules (중·노년층 방언)', () => {
  it('parses HH:MM:SS.mmm times', () => {
    expect(parseHms('00:00:04.120')).toBeCloseTo(4.12, 9);
    expect(parseHms('01:02:03.5')).toBeCloseTo(3723.5, 9);
    expect(parseHms('00:00:07')).toBe(7);
    expect(parseHms('0:0:xx')).toBeNaN();
    expect(parseHms(4.12)).toBeNaN();
    expect(parseHms(null)).toBeNaN();
  });

  it('takes region and speaker from token 3 of the stem', () => {
    expect(parseElderStem('say_set1_collectorgw1_speakergw102_20_3')).toEqual({ ok: true, regionCode: 'gw', speaker: 'gw102', dialect: 'Gangwon-do' });
    expect(parseElderStem('a_b_c_speakerjj7_x')).toMatchObject({ ok: true, dialect: 'Jeju-do', speaker: 'jj7' });
    const unknown = parseElderStem('say_set1_collectorxx1_speakerxx101_60_0');
    expect(unknown.ok).toBe(false);
    expect(unknown).toMatchObject({ reason: 'unknown_region_code' });
    expect(parseElderStem('too_short').ok).toBe(false);
  });

  it('selects sentences of at least 3 s with dialect != standard', () => {
    const text = JSON.stringify({
      transcription: {
        sentences: [
          { startTime: '00:00:00.560', endTime: '00:00:04.120', dialect: 'a', standard: 'b' },
          { startTime: '00:00:05.000', endTime: '00:00:07.999', dialect: 'a', standard: 'b' },
          { startTime: '00:00:05.000', endTime: '00:00:09.000', dialect: 'a', standard: 'a' },
          { startTime: '00:00:09.000', endTime: '00:00:05.000', dialect: 'a', standard: 'b' },
          { startTime: null, endTime: '00:00:05.000', dialect: 'a', standard: 'b' },
          { startTime: '00:00:10.000', endTime: '00:00:13.000', dialect: 'a', standard: 'b' },
        ],
      },
    });
    const sel = selectElderSentences(parseElderLabel(text, 'e.json'), 'e.json', 'gw1', 3);
    expect(sel.segments.map((s) => s.index)).toEqual([0, 5]);
    expect(sel.segments[0]!.start).toBeCloseTo(0.56, 9);
    expect(sel.rejects.map((r) => r.reason)).toEqual(['too_short', 'same_form', 'bad_timestamp', 'bad_timestamp']);
    expect(() => parseElderLabel('{"transcription":{}}', 'e.json')).toThrow(/sentences/);
  });

  it('parses HH:MM:SS.mmm to whole milliseconds, so differences are exact', () => {
    expect(parseHmsMs('00:00:01.100')).toBe(1100);
    expect(parseHmsMs('00:00:04.100')).toBe(4100);
    expect(parseHmsMs('00:00:04.100') - parseHmsMs('00:00:01.100')).toBe(3000);
    expect(parseHmsMs('01:02:03.5')).toBe(3723500);
    expect(parseHmsMs('00:00:07')).toBe(7000);
    expect(parseHmsMs('00:00:01.1005')).toBeCloseTo(1100.5, 9);
    expect(parseHmsMs('0:0:xx')).toBeNaN();
    expect(parseHmsMs(1.1)).toBeNaN();
  });

  it('keeps a sentence of exactly 3 s on any 10 ms grid point (1.100 → 4.100), rejects 2.999 s', () => {
    const sentences = [];
    for (let k = 0; k < 600; k++) {
      const ms = 1000 + k * 10;
      const hms = (t: number) => `00:${String(Math.floor(t / 60000)).padStart(2, '0')}:${String(Math.floor(t / 1000) % 60).padStart(2, '0')}.${String(t % 1000).padStart(3, '0')}`;
      sentences.push({ startTime: hms(ms), endTime: hms(ms + 3000), dialect: 'a', standard: 'b' });
    }
    sentences.push({ startTime: '00:00:01.100', endTime: '00:00:04.099', dialect: 'a', standard: 'b' });
    const sel = selectElderSentences(parseElderLabel(JSON.stringify({ transcription: { sentences } }), 'e.json'), 'e.json', 'gw1', 3);
    expect(sel.segments).toHaveLength(600);
    expect(sel.segments[10]).toMatchObject({ index: 10, start: 1.1, end: 4.1 });
    expect(sel.rejects).toEqual([{ file: 'e.json', item: '600', reason: 'too_short', detail: '2.999 s' }]);
  });

  it('counts a speaker only by what was cut: the place left under the cap, and rejects that say the count', () => {
    expect(capLeft(3, 0)).toBe(3);
    expect(capLeft(3, 2)).toBe(1);
    expect(capLeft(3, 3)).toBe(0);
    expect(capLeft(0, 0)).toBe(0);
    const seg = (index: number) => ({ index, start: 0, end: 4, speaker: 'gw102' });
    expect(speakerCapRejects([seg(4), seg(7)], 'two.json', 'gw102', 3)).toEqual([
      { file: 'two.json', item: '4', reason: 'speaker_cap', detail: 'speaker gw102 has 3' },
      { file: 'two.json', item: '7', reason: 'speaker_cap', detail: 'speaker gw102 has 3' },
    ]);
  });

  it("shares a speaker's cap among its recordings, one sentence each in turn, so every recording (and recording style) is heard", () => {
    // One speaker, three styles × 4 recordings of 5 sentences (path order: all of style 1 first), cap 30.
    const quotas = shareCap(new Array(12).fill(5), 30);
    expect(quotas).toEqual([3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2]);
    expect(quotas.slice(8).reduce((a, b) => a + b, 0)).toBe(8); // the answer style's recordings give 8, not 0
    // Short recordings give what they have; the rest goes to the others; never more than there is.
    expect(shareCap([1, 0, 10, 2], 9)).toEqual([1, 0, 6, 2]);
    expect(shareCap([2, 3], 30)).toEqual([2, 3]);
    expect(shareCap([4, 4], 0)).toEqual([0, 0]);
    expect(shareCap([], 30)).toEqual([]);
  });
});

describe('minimum length, robust to decimal times', () => {
  it('compares to the microsecond: 4.1 − 1.1 (2.9999999999999996) is 3 s', () => {
    expect(4.1 - 1.1).toBeLessThan(3);
    expect(shorterThan(4.1 - 1.1, 3)).toBe(false);
    expect(shorterThan(4.099 - 1.1, 3)).toBe(true);
    expect(shorterThan(2.9999994, 3)).toBe(true);
    expect(shorterThan(3, 3)).toBe(false);
  });

  it('writes a rejected length with enough decimals never to read as the limit', () => {
    expect(tooShortDetail(2.4, 3)).toBe('2.400 s');
    expect(tooShortDetail(2.999, 3)).toBe('2.999 s');
    expect(tooShortDetail(2.9996, 3)).toBe('2.9996 s');
    expect(tooShortDetail(2.999999, 3)).toBe('2.999999 s');
  });

  it('keeps a dialect utterance labelled 1.1 → 4.1 s and rejects 1.1 → 4.099 s', () => {
    const label = parseDialectLabel(JSON.stringify({ utterance: [utt(0, 1, 's', 'd'), utt(1.1, 4.1, 's', 'd'), utt(1.1, 4.099, 's', 'd'), utt(10.01, 13.01, 's', 'd')] }), 'd.json');
    const sel = selectDialectSegments(label, 'd.json', { minSeconds: 3, skipFirst: true });
    expect(sel.segments.map((s) => [s.index, s.start, s.end])).toEqual([
      [1, 1.1, 4.1],
      [3, 10.01, 13.01],
    ]);
    expect(sel.rejects).toEqual([
      { file: 'd.json', item: '0', reason: 'first_utterance', detail: '' },
      { file: 'd.json', item: '2', reason: 'too_short', detail: '2.999 s' },
    ]);
  });
});

describe('seoul metadata rules (한국인 대화음성)', () => {
  it('reads the region from the third field from the end, trimmed', () => {
    expect(parseSeoulMetadataLine('/a/b/KDS100.wav|text|spk|30대| 1 |0|N')).toEqual({ audioPath: '/a/b/KDS100.wav', name: 'KDS100', region: '1', isSeoul: true });
    expect(parseSeoulMetadataLine('KDS101.wav|t|s|a|2|0|N')!.isSeoul).toBe(false);
    // Only the position from the end counts, not the number of fields.
    expect(parseSeoulMetadataLine('x.wav|1|t|s|a|b|c|3|0|N')!.isSeoul).toBe(false);
    expect(parseSeoulMetadataLine('x.wav|t|1|a|b')!.isSeoul).toBe(true);
    expect(parseSeoulMetadataLine('   ')).toBeUndefined();
    expect(parseSeoulMetadataLine('broken line without fields')).toBeUndefined();
  });

  it('nulls only bare NaN/Infinity tokens, not the same letters in strings', () => {
    expect(nullifyNonFiniteTokens('{"a":NaN,"b":"NaN \\" Infinity","c":[Infinity,-Infinity]}')).toBe('{"a":null,"b":"NaN \\" Infinity","c":[null,null]}');
    expect(parseJsonText('\uFEFF{"x":1}', 'f')).toEqual({ x: 1 });
  });
});
