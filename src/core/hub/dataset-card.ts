// README.md of an uploaded dialect dataset: Hub front matter (task, language,
// the train/test layout as data_files) and a per-dialect count table.
import { LABELS } from '../config/labels.ts';
import type { DatasetSplit } from './dataset-plan.ts';

export function buildDatasetCard(repo: string, counts: Record<DatasetSplit, Record<string, number>>): string {
  const splits = (['train', 'test'] as const).filter((s) => Object.keys(counts[s]).length > 0);
  const total = (s: DatasetSplit) => Object.values(counts[s]).reduce((a, b) => a + b, 0);
  const lines = [
    '---',
    'task_categories:',
    '- audio-classification',
    'language:',
    '- ko',
    'tags:',
    '- dialect-identification',
    '- korean',
    '- saturi',
    'configs:',
    '- config_name: default',
    '  data_files:',
    ...splits.flatMap((s) => [`  - split: ${s}`, `    path: ${s}/**`]),
    '---',
    '',
    `# ${repo.split('/')[1] ?? repo}`,
    '',
    'Korean speech segments labelled with the speaker\'s dialect region, prepared with Saturi (사투리). ' +
      'An audio-folder dataset: audio files under `train/` and `test/` (one sub-folder per dialect), and a `metadata.csv` in each split with `file_name,dialect`.',
    '',
    '## Segments per dialect',
    '',
    `| dialect | Korean | ${splits.join(' | ')} |`,
    `|---|---|${splits.map(() => '---:').join('|')}|`,
    ...LABELS.map((l) => `| ${l.label} | ${l.korean} | ${splits.map((s) => counts[s][l.label] ?? 0).join(' | ')} |`),
    `| **total** | | ${splits.map((s) => total(s)).join(' | ')} |`,
    '',
    '## Loading',
    '',
    '```python',
    'from datasets import load_dataset, Audio',
    `ds = load_dataset(${JSON.stringify(repo)}).cast_column("audio", Audio(sampling_rate=16000))`,
    'print(ds["train"][0]["dialect"])',
    '```',
    '',
  ];
  return lines.join('\n');
}
