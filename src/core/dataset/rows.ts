// CSV row types of the data pipeline. Every segment CSV (preprocess, filter, split)
// has at least name,path,dialect; the pipeline adds speaker, duration and source.

export interface SegmentRow {
  /** File name of the segment, `<stem>_<index>.wav` (or `<stem>.wav` for whole files). */
  name: string;
  /** Path of the segment WAV. */
  path: string;
  /** One of LABEL_NAMES. */
  dialect: string;
  /** Speaker id ('' when unknown). */
  speaker: string;
  /** Seconds, as written in the CSV (3 decimals). */
  duration: string;
  /** The source recording the segment was cut from. */
  source: string;
}

export const SEGMENT_COLUMNS = ['name', 'path', 'dialect', 'speaker', 'duration', 'source'] as const;

/** A CSV row as read back: the required columns plus whatever else the file had. */
export type CsvRecord = Record<string, string>;

export const REQUIRED_COLUMNS = ['name', 'path', 'dialect'] as const;

/** Seconds with millisecond precision, as written to the CSVs. */
export function formatDuration(seconds: number): string {
  return seconds.toFixed(3);
}
