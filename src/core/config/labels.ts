// The six dialect labels, in the fixed id order of the published head (never reorder).
import { ConfigError, validateConfig } from './validate.ts';
import labelsJson from '../../../configs/labels.json' with { type: 'json' };

export interface DialectLabel {
  id: number;
  label: string;
  korean: string;
  romanized: string;
  aihub_region_code: string | null;
}

const EXPECTED_ORDER = ['Gyeongsang-do', 'Jeolla-do', 'Chungcheong-do', 'Jeju-do', 'Gangwon-do', 'Seoul_Gyeonggi-do'];

const labelSchema = {
  id: { type: 'integer', required: true, min: 0 },
  label: { type: 'string', required: true },
  korean: { type: 'string', required: true },
  romanized: { type: 'string', required: true },
  aihub_region_code: { type: 'string|null', required: true },
} as const;

export function parseLabels(value: unknown, source = 'configs/labels.json'): DialectLabel[] {
  const root = validateConfig<{ labels: unknown[] }>(value, { labels: { type: 'array', required: true } }, source);
  const labels = root.labels.map((item, i) => validateConfig<DialectLabel>(item, labelSchema, source, `labels[${i}].`));
  labels.forEach((l, i) => {
    if (l.id !== i) throw new ConfigError(source, `labels[${i}].id`, `must be ${i} (ids are positions), got ${l.id}`);
    if (EXPECTED_ORDER[i] !== undefined && l.label !== EXPECTED_ORDER[i]) {
      throw new ConfigError(source, `labels[${i}].label`, `must be "${EXPECTED_ORDER[i]}" (the order of the published head), got "${l.label}"`);
    }
  });
  if (labels.length !== EXPECTED_ORDER.length) throw new ConfigError(source, 'labels', `must list ${EXPECTED_ORDER.length} labels, got ${labels.length}`);
  const codes = labels.map((l) => l.aihub_region_code).filter((c): c is string => c !== null);
  if (new Set(codes).size !== codes.length) throw new ConfigError(source, 'labels', 'has a duplicate aihub_region_code');
  return labels;
}

export const LABELS: readonly DialectLabel[] = Object.freeze(parseLabels(labelsJson));
export const LABEL_NAMES: readonly string[] = LABELS.map((l) => l.label);
export const NUM_LABELS = LABELS.length;

export function labelIndex(name: string): number {
  return LABEL_NAMES.indexOf(name);
}

export function labelForRegionCode(code: string): DialectLabel | undefined {
  return LABELS.find((l) => l.aihub_region_code === code);
}
