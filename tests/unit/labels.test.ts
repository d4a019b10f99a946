import { describe, expect, it } from 'vitest';
import { LABELS, labelForRegionCode, labelIndex, parseLabels } from '../../src/core/config/labels.ts';
import { ConfigError } from '../../src/core/config/validate.ts';
import labelsJson from '../../configs/labels.json' with { type: 'json' };

describe('labels', () => {
  it('follows the fixed order of the published head', () => {
    expect(LABELS.map((l) => l.label)).toEqual(['Gyeongsang-do', 'Jeolla-do', 'Chungcheong-do', 'Jeju-do', 'Gangwon-do', 'Seoul_Gyeonggi-do']);
    expect(LABELS.map((l) => l.korean)).toEqual(['경상도', '전라도', '충청도', '제주도', '강원도', '서울·경기']);
    expect(labelIndex('Jeju-do')).toBe(3);
    expect(labelForRegionCode('gw')?.label).toBe('Gangwon-do');
    expect(labelForRegionCode('xx')).toBeUndefined();
  });

  it('rejects a reordered, incomplete or mistyped file with the bad key named', () => {
    const swapped = structuredClone(labelsJson);
    [swapped.labels[0], swapped.labels[1]] = [swapped.labels[1], swapped.labels[0]];
    expect(() => parseLabels(swapped, 'x.json')).toThrow(/x\.json: key "labels\[0\]\.id" must be 0/);
    const extraKey = structuredClone(labelsJson) as { labels: Record<string, unknown>[] };
    extraKey.labels[2].colour = 'red';
    expect(() => parseLabels(extraKey, 'x.json')).toThrow(ConfigError);
    expect(() => parseLabels(extraKey, 'x.json')).toThrow(/labels\[2\]\.colour/);
    const wrongType = structuredClone(labelsJson) as { labels: Record<string, unknown>[] };
    wrongType.labels[4].korean = 5;
    expect(() => parseLabels(wrongType, 'x.json')).toThrow(/labels\[4\]\.korean" must be string/);
    expect(() => parseLabels({ labels: labelsJson.labels.slice(0, 5) }, 'x.json')).toThrow(/must list 6 labels/);
  });
});
