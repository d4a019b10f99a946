// 중·노년층 한국어 방언 (AIHub datasets 71517, 71558): JSON + WAV pairs; region and
// speaker come from the file stem; at most n segments per speaker.
import { labelForRegionCode } from '../config/labels.ts';
import type { SegmentPlan, SegmentSelection } from './dialect-rules.ts';
import { shorterThan, tooShortDetail } from './segment-length.ts';
import { LabelError, parseJsonText } from './label-error.ts';
import type { RejectRow } from './reasons.ts';

export interface ElderSentence {
  index: number;
  /** Milliseconds, NaN when the time string is not HH:MM:SS.mmm. */
  startMs: number;
  endMs: number;
  /** Seconds (startMs / 1000), NaN like the milliseconds. */
  start: number;
  end: number;
  rawStart: unknown;
  rawEnd: unknown;
  dialect: string;
  standard: string;
}

const HMS = /^(\d+):([0-5]?\d):([0-5]?\d)(?:\.(\d+))?$/;

/**
 * `HH:MM:SS.mmm` to milliseconds, an integer for up to three decimals (so that
 * durations are exact: 00:00:04.100 − 00:00:01.100 is 3000 ms, not 2999.9999…);
 * NaN for anything else. Decimals past the third are kept as a fraction of a ms.
 */
export function parseHmsMs(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  const m = HMS.exec(value.trim());
  if (!m) return Number.NaN;
  const frac = m[4] ?? '';
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  const rest = frac.length > 3 ? Number(`0.${frac.slice(3)}`) : 0;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + ms + rest;
}

/** `HH:MM:SS.mmm` to seconds; NaN for anything else. */
export function parseHms(value: unknown): number {
  return parseHmsMs(value) / 1000;
}

export function parseElderLabel(text: string, file: string): ElderSentence[] {
  const root = parseJsonText(text, file);
  const transcription = typeof root === 'object' && root !== null ? (root as Record<string, unknown>).transcription : undefined;
  const sentences = typeof transcription === 'object' && transcription !== null ? (transcription as Record<string, unknown>).sentences : undefined;
  if (!Array.isArray(sentences)) throw new LabelError(file, 'no "transcription.sentences" list');
  return sentences.map((s, index) => {
    const o = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
    const startMs = parseHmsMs(o.startTime);
    const endMs = parseHmsMs(o.endTime);
    return {
      index,
      startMs,
      endMs,
      start: startMs / 1000,
      end: endMs / 1000,
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

/**
 * Sentences with a valid time range of at least minSeconds whose dialect differs from standard.
 * Lengths are compared in milliseconds, as the label writes them.
 */
export function selectElderSentences(sentences: ElderSentence[], file: string, speaker: string, minSeconds: number): SegmentSelection {
  const segments: SegmentPlan[] = [];
  const rejects: RejectRow[] = [];
  for (const s of sentences) {
    const item = String(s.index);
    if (!Number.isFinite(s.startMs) || !Number.isFinite(s.endMs) || s.endMs <= s.startMs) {
      rejects.push({ file, item, reason: 'bad_timestamp', detail: `startTime=${JSON.stringify(s.rawStart) ?? 'missing'} endTime=${JSON.stringify(s.rawEnd) ?? 'missing'}` });
      continue;
    }
    if (s.dialect === s.standard) {
      rejects.push({ file, item, reason: 'same_form', detail: '' });
      continue;
    }
    const ms = s.endMs - s.startMs;
    if (shorterThan(ms / 1000, minSeconds)) {
      rejects.push({ file, item, reason: 'too_short', detail: tooShortDetail(ms / 1000, minSeconds) });
      continue;
    }
    segments.push({ index: s.index, start: s.start, end: s.end, speaker });
  }
  return { segments, rejects };
}

/**
 * Per-speaker cap (at most n segments per speaker, exactly n, not the original's n + 1):
 * the caller walks a speaker's recordings in a fixed order and counts the segments
 * really cut from them, so a segment the cut rejects (unreadable WAV, past the end of
 * the recording, NaN audio) leaves its place to a later one. `has` is that count.
 */
export function capLeft(max: number, has: number): number {
  return Math.max(0, max - has);
}

/**
 * The cap shared among recordings with `eligible` sentences each: one to each recording in turn
 * until the cap or every sentence is given out (no cap: all of them).
 */
export function shareCap(eligible: readonly number[], cap: number): number[] {
  const quotas = eligible.map(() => 0);
  let left = Math.min(cap, eligible.reduce((a, b) => a + b, 0));
  while (left > 0) {
    for (let i = 0; i < eligible.length && left > 0; i++) {
      if (quotas[i]! < eligible[i]!) {
        quotas[i]!++;
        left--;
      }
    }
  }
  return quotas;
}

/** Why a sentence was not cut: the speaker `has` its n. */
export const speakerCapDetail = (speaker: string, has: number): string => `speaker ${speaker} has ${has}`;

/** `speaker_cap` rejects for segments not cut because the speaker already `has` its n. */
export function speakerCapRejects(segments: readonly SegmentPlan[], file: string, speaker: string, has: number): RejectRow[] {
  return segments.map((s) => ({ file, item: String(s.index), reason: 'speaker_cap' as const, detail: speakerCapDetail(speaker, has) }));
}
