// File-name rules shared by the rule sets: stems, segment names, regions in paths.
import { LABELS } from '../config/labels.ts';

/** Last path component, for '/' and '\' separators (label files written on Windows). */
export function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? path : path.slice(i + 1);
}

/** Base name without its last extension. */
export function stemOf(path: string): string {
  const b = baseName(path);
  const dot = b.lastIndexOf('.');
  return dot > 0 ? b.slice(0, dot) : b;
}

/** `<stem>_<index>.wav`, the name of a segment cut from a recording. */
export function segmentName(stem: string, index: number): string {
  return `${stem}_${index}.wav`;
}

/**
 * The dialect label of a 한국어 방언 발화 recording, from its path: the dataset
 * folder is `013.한국어_방언_발화_데이터(강원도)` and AIHub's inner folders are
 * `[원천]강원도_학습데이터_1`. The deepest component naming exactly one region wins.
 */
export function dialectLabelFromPath(path: string): string | undefined {
  const parts = path.split(/[\\/]/).reverse();
  for (const part of parts) {
    const normalised = part.normalize('NFC');
    const hits = LABELS.filter((l) => l.aihub_region_code !== null && normalised.includes(l.korean));
    if (hits.length === 1) return hits[0]!.label;
  }
  return undefined;
}
