// 한국인 대화음성 (AIHub dataset 130): `*_metadata.txt` lines `path|…|region|x|y`;
// region `1` (third field from the end) is 서울/경기. Recordings are whole sentences.
import { stemOf } from './paths.ts';

export interface SeoulMetadataLine {
  /** Field 0: the audio path as written in the metadata. */
  audioPath: string;
  /** Its base name without extension: the recording name. */
  name: string;
  /** `fields[len-3]`, trimmed. */
  region: string;
  isSeoul: boolean;
}

export const SEOUL_REGION_VALUE = '1';

/** One metadata line; undefined for blank lines and lines with too few fields. */
export function parseSeoulMetadataLine(line: string): SeoulMetadataLine | undefined {
  const trimmed = line.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return undefined;
  const fields = trimmed.split('|');
  if (fields.length < 4) return undefined;
  const audioPath = fields[0]!.trim();
  const region = fields[fields.length - 3]!.trim();
  return { audioPath, name: stemOf(audioPath), region, isSeoul: region === SEOUL_REGION_VALUE };
}
