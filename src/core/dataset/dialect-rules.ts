// 한국어 방언 발화 (AIHub datasets 118–122): one JSON per recording with an
// `utterance` list; segments are the utterances that really contain dialect.
import { LabelError, parseJsonText } from './label-error.ts';
import type { RejectRow } from './reasons.ts';
import { shorterThan, tooShortDetail } from './segment-length.ts';

export interface DialectUtterance {
  /** Position in the `utterance` list; also the segment index in the name. */
  index: number;
  id: string;
  /** As found in the file: numbers when valid, anything else otherwise. */
  start: unknown;
  end: unknown;
  standardForm: string;
  dialectForm: string;
  speakerId: string;
}

export interface DialectLabel {
  utterances: DialectUtterance[];
  /** Ids of the `speaker` list, used when an utterance names no speaker. */
  speakerIds: string[];
}

/** A segment to cut: seconds within the source recording. */
export interface SegmentPlan {
  index: number;
  start: number;
  end: number;
  speaker: string;
}

export interface SegmentSelection {
  segments: SegmentPlan[];
  rejects: RejectRow[];
}

export interface DialectRuleOptions {
  minSeconds: number;
  /** Skip utterance 0 (recordings start with silence). */
  skipFirst: boolean;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

export function parseDialectLabel(text: string, file: string): DialectLabel {
  const root = parseJsonText(text, file);
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new LabelError(file, 'top level is not an object');
  const obj = root as Record<string, unknown>;
  if (!Array.isArray(obj.utterance)) throw new LabelError(file, 'no "utterance" list');
  const speakerIds = Array.isArray(obj.speaker)
    ? obj.speaker.map((s) => (typeof s === 'object' && s !== null ? str((s as Record<string, unknown>).id) : '')).filter((s) => s !== '')
    : [];
  const utterances = obj.utterance.map((u, index): DialectUtterance => {
    const o = (typeof u === 'object' && u !== null ? u : {}) as Record<string, unknown>;
    return {
      index,
      id: str(o.id),
      start: o.start,
      end: o.end,
      standardForm: str(o.standard_form),
      dialectForm: str(o.dialect_form),
      speakerId: str(o.speaker_id),
    };
  });
  return { utterances, speakerIds };
}

/** A finite number of seconds, or undefined (null, strings, NaN, missing all count as bad). */
export function validSeconds(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/**
 * The rules of aihub.md, in order: skip utterance 0; skip missing/non-finite
 * timestamps and end <= start; keep only standard_form != dialect_form; keep only
 * end - start >= minSeconds (to the microsecond). Every skipped utterance gets a reason.
 */
export function selectDialectSegments(label: DialectLabel, file: string, opts: DialectRuleOptions): SegmentSelection {
  const segments: SegmentPlan[] = [];
  const rejects: RejectRow[] = [];
  const fallbackSpeaker = label.speakerIds.length === 1 ? label.speakerIds[0]! : '';
  for (const u of label.utterances) {
    const item = String(u.index);
    if (opts.skipFirst && u.index === 0) {
      rejects.push({ file, item, reason: 'first_utterance', detail: '' });
      continue;
    }
    const start = validSeconds(u.start);
    const end = validSeconds(u.end);
    if (start === undefined || end === undefined || end <= start) {
      rejects.push({ file, item, reason: 'bad_timestamp', detail: `start=${JSON.stringify(u.start) ?? 'missing'} end=${JSON.stringify(u.end) ?? 'missing'}` });
      continue;
    }
    if (u.standardForm === u.dialectForm) {
      rejects.push({ file, item, reason: 'same_form', detail: '' });
      continue;
    }
    if (shorterThan(end - start, opts.minSeconds)) {
      rejects.push({ file, item, reason: 'too_short', detail: tooShortDetail(end - start, opts.minSeconds) });
      continue;
    }
    segments.push({ index: u.index, start, end, speaker: u.speakerId || fallbackSpeaker });
  }
  return { segments, rejects };
}
