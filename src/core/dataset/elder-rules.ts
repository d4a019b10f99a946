// 중·노년층 한국어 방언 (AIHub datasets 71517, 71558): JSON + WAV pairs; region and
// speaker come from the file stem; at most n segments per speaker.
import { labelForRegionCode } from '../config/labels.ts';
import type { SegmentPlan, SegmentSelection } from './dialect-rules.ts';
import { LabelError, parseJsonText } from './label-error.ts';
import type { RejectRow } from './reasons.ts';

export interface ElderSentence {
  index: number;
  /** Seconds, NaN when the time string is not HH:MM:SS.mmm. */
  start: number;
  end: number;
  rawStart: unknown;
  rawEnd: unknown;
  dialect: string;
  standard: string;
}

const HMS = /^(\d+):([0-5]?\d):([0-5]?\d(?:\.\d+)?)$/;

/** `HH:MM:SS.mmm` to seconds; NaN for anything else. */
export function parseHms(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  const m = HMS.exec(value.trim());
  if (!m) return Number.NaN;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

export function parseElderLabel(text: string, file: string): ElderSentence[] {
  const root = parseJsonText(text, file);
  const transcription = typeof root === 'object' && root !== null ? (root as Record<string, unknown>).transcription : undefined;
  const sentences = typeof transcription === 'object' && transcription !== null ? (transcription as Record<string, unknown>).sentences : undefined;
  if (!Array.isArray(sentences)) throw new LabelError(file, 'no "transcription.sentences" list');
  return sentences.map((s, index) => {
    const o = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
    return {
      index,
      start: parseHms(o.startTime),
      end: parseHms(o.endTime),
      rawStart: o.startTime,
      rawEnd: o.endTime,
      dialect: typeof o.dialect === 'string' ? o.dialect : '',
      standard: typeof o.standard === 'string' ? o.standard : '',
    };
  });
}

export type ElderStem =
  | { ok: true; regionCode: string; speaker: string; dialect: string }
  | { ok: false; reason: 'unknown_region_code'; detail: string };

/**
 * Region and speaker from a stem split on `_`: token 3 is `speaker<code><num>`,
 * e.g. `say_set1_collectorgw1_speakergw102_20_3` → region gw, speaker gw102.
 */
export function parseElderStem(stem: string): ElderStem {
  const token = stem.split('_')[3];
  if (token === undefined || !token.startsWith('speaker')) {
    return { ok: false, reason: 'unknown_region_code', detail: `no "speaker<code><num>" token at position 3 of "${stem}"` };
  }
  const speaker = token.slice('speaker'.length);
  const code = speaker.slice(0, 2).toLowerCase();
  const label = labelForRegionCode(code);
  if (!label || !/^[a-z]{2}/i.test(speaker)) {
    return { ok: false, reason: 'unknown_region_code', detail: `region code "${speaker.slice(0, 2)}" in "${token}"` };
  }
  return { ok: true, regionCode: code, speaker, dialect: label.label };
}

/** Sentences with a valid time range of at least minSeconds whose dialect differs from standard. */
export function selectElderSentences(sentences: ElderSentence[], file: string, speaker: string, minSeconds: number): SegmentSelection {
  const segments: SegmentPlan[] = [];
  const rejects: RejectRow[] = [];
  for (const s of sentences) {
    const item = String(s.index);
    if (!Number.isFinite(s.start) || !Number.isFinite(s.end) || s.end <= s.start) {
      rejects.push({ file, item, reason: 'bad_timestamp', detail: `startTime=${JSON.stringify(s.rawStart) ?? 'missing'} endTime=${JSON.stringify(s.rawEnd) ?? 'missing'}` });
      continue;
    }
    if (s.dialect === s.standard) {
      rejects.push({ file, item, reason: 'same_form', detail: '' });
      continue;
    }
    if (s.end - s.start < minSeconds) {
      rejects.push({ file, item, reason: 'too_short', detail: `${(s.end - s.start).toFixed(3)} s` });
      continue;
    }
    segments.push({ index: s.index, start: s.start, end: s.end, speaker });
  }
  return { segments, rejects };
}

/**
 * Per-speaker cap: keeps at most `max` segments for each speaker. `used` holds
 * how many the speaker already has (the caller walks recordings in a fixed order),
 * so the cap is exactly `max`, never `max + 1` (the original's off-by-one).
 */
export function capPerSpeaker(
  segments: SegmentPlan[],
  file: string,
  used: Map<string, number>,
  max: number,
): SegmentSelection {
  const kept: SegmentPlan[] = [];
  const rejects: RejectRow[] = [];
  for (const s of segments) {
    const n = used.get(s.speaker) ?? 0;
    if (n >= max) {
      rejects.push({ file, item: String(s.index), reason: 'speaker_cap', detail: `speaker ${s.speaker} has ${max}` });
      continue;
    }
    used.set(s.speaker, n + 1);
    kept.push(s);
  }
  return { segments: kept, rejects };
}
