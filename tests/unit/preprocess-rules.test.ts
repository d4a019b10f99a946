import { describe, expect, it } from 'vitest';
import { parseDialectLabel, selectDialectSegments } from '../../src/core/dataset/dialect-rules.ts';
import { capPerSpeaker, parseElderLabel, parseElderStem, parseHms, selectElderSentences } from '../../src/core/dataset/elder-rules.ts';
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

  it('caps a speaker at exactly n segments across recordings (not n+1)', () => {
    const used = new Map<string, number>();
    const seg = (index: number, speaker: string) => ({ index, start: 0, end: 4, speaker });
    const a = capPerSpeaker([seg(0, 'A'), seg(1, 'A'), seg(2, 'B')], 'one.json', used, 3);
    const b = capPerSpeaker([seg(0, 'A'), seg(1, 'A'), seg(2, 'A'), seg(3, 'B')], 'two.json', used, 3);
    expect(a.segments).toHaveLength(3);
    expect(b.segments.map((s) => `${s.speaker}${s.index}`)).toEqual(['A0', 'B3']);
    expect(b.rejects.map((r) => [r.file, r.item, r.reason])).toEqual([
      ['two.json', '1', 'speaker_cap'],
      ['two.json', '2', 'speaker_cap'],
    ]);
    expect(used.get('A')).toBe(3);
    const zero = capPerSpeaker([seg(0, 'C')], 'z.json', new Map(), 0);
    expect(zero.segments).toHaveLength(0);
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
