// Why an item (a recording, an utterance, a sentence, a CSV row) was skipped.
// Codes are stable strings written to rejects.csv; descriptions are for the summary.

export const REJECT_REASONS = {
  no_label_file: 'audio without a label file',
  no_audio_file: 'label without an audio file',
  bad_label_file: 'label file is not valid (JSON/structure)',
  duplicate_stem: 'another recording has the same name',
  no_region: 'cannot tell the dialect region from the path',
  unknown_region_code: 'unknown region code in the file name',
  first_utterance: 'first utterance (leading silence)',
  bad_timestamp: 'missing, non-finite or reversed timestamp',
  same_form: 'same standard and dialect form',
  too_short: 'shorter than the minimum length',
  not_seoul: 'speaker region is not Seoul/Gyeonggi',
  speaker_cap: 'speaker already has the maximum number of segments',
  empty_segment: 'segment has no samples',
  nan_audio: 'NaN or infinite samples',
  unreadable_file: 'audio file cannot be read',
  out_of_range: 'segment lies beyond the end of the audio',
  not_mono: 'audio is not mono',
  bad_row: 'CSV row lacks a path',
} as const;

export type RejectReason = keyof typeof REJECT_REASONS;

/** One skipped item, as written to rejects.csv. */
export interface RejectRow {
  /** The source file (audio or label) the item belongs to. */
  file: string;
  /** The item inside it (utterance index, metadata line number), or '' for the whole file. */
  item: string;
  reason: RejectReason;
  /** Specifics: the bad value, the duration, the error message. */
  detail: string;
}

export const REJECT_COLUMNS = ['file', 'item', 'reason', 'detail'] as const;

/** Counts per reason, for the printed summary. */
export type ReasonCounts = Partial<Record<RejectReason, number>>;

export function countReasons(rejects: Iterable<{ reason: RejectReason }>, into: ReasonCounts = {}): ReasonCounts {
  for (const r of rejects) into[r.reason] = (into[r.reason] ?? 0) + 1;
  return into;
}

export function mergeCounts(into: ReasonCounts, from: ReasonCounts): ReasonCounts {
  for (const [k, v] of Object.entries(from) as [RejectReason, number][]) into[k] = (into[k] ?? 0) + v;
  return into;
}
