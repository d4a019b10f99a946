// The README.md (model card) pushed with a head: YAML front matter the Hub
// reads (library, task, base model, language, metrics, model-index results)
// and a body with the labels, training config, eval metrics, the encoder the
// embeddings came from, and how to load the head with transformers.
import { LABELS } from '../config/labels.ts';
import type { HeadSummary } from './head-summary.ts';

export const BASE_MODEL = 'facebook/w2v-bert-2.0';

const METRIC_ORDER: { key: string; name: string; type: string }[] = [
  { key: 'accuracy', name: 'Accuracy', type: 'accuracy' },
  { key: 'precision', name: 'Precision (macro)', type: 'precision' },
  { key: 'recall', name: 'Recall (macro)', type: 'recall' },
  { key: 'f1', name: 'F1 (macro)', type: 'f1' },
];

/** YAML scalar: JSON strings are valid YAML flow scalars, and safe for any text. */
function y(v: string | number): string {
  return typeof v === 'number' ? String(v) : JSON.stringify(v);
}

function cell(v: unknown): string {
  const s = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)))) : typeof v === 'string' ? v : JSON.stringify(v);
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export interface ModelCardInput {
  repo: string;
  summary: HeadSummary;
}

export function buildModelCard({ repo, summary }: ModelCardInput): string {
  const m = summary.metrics;
  const reported = METRIC_ORDER.filter((d) => m[d.key] !== undefined);
  const front: string[] = [
    '---',
    'library_name: transformers',
    'pipeline_tag: audio-classification',
    `base_model: ${BASE_MODEL}`,
    'language:',
    '- ko',
    'tags:',
    '- audio-classification',
    '- dialect-identification',
    '- korean',
    '- w2v-bert-2.0',
    '- saturi',
    'metrics:',
    ...METRIC_ORDER.map((d) => `- ${d.type}`),
  ];
  if (reported.length > 0) {
    front.push(
      'model-index:',
      `- name: ${y(repo.split('/')[1] ?? repo)}`,
      '  results:',
      '  - task:',
      '      type: audio-classification',
      '      name: Korean dialect identification',
      // The Hub's model-index schema needs the dataset (type and name) of every result.
      '    dataset:',
      '      type: aihub-korean-dialect-speech',
      "      name: AIHub Korean dialect speech (held-out segments)",
      '      split: eval',
      '    metrics:',
      ...reported.flatMap((d) => [`    - type: ${d.type}`, `      value: ${y(m[d.key]!)}`, `      name: ${y(d.name)}`]),
    );
  }
  front.push('---', '');

  const enc = summary.encoder;
  const body: string[] = [
    `# ${repo.split('/')[1] ?? repo}`,
    '',
    `A Korean dialect classifier head for [${BASE_MODEL}](https://huggingface.co/${BASE_MODEL}), trained with Saturi (사투리) on pooled segment embeddings of the frozen encoder. ` +
      `It tells which of ${summary.labels.length} dialect regions a speaker comes from.`,
    '',
    'This repository holds only the head (`projector`, `classifier`' + (summary.headType === 'mlp' ? ', with an activation between them' : '') + '); the encoder is the unchanged base model.',
    '',
    '## Labels',
    '',
    '| id | label | Korean | romanised |',
    '|---:|---|---|---|',
    ...summary.labels.map((l, i) => {
      const known = LABELS.find((k) => k.label === l);
      return `| ${i} | ${cell(l)} | ${known ? known.korean : ''} | ${known ? known.romanized : ''} |`;
    }),
    '',
    '## Head',
    '',
    '| field | value |',
    '|---|---|',
    `| type | ${cell(summary.headType ?? 'hf')} |`,
    ...(summary.inputDim !== null ? [`| input size | ${summary.inputDim} |`] : []),
    ...(summary.projSize !== null ? [`| classifier_proj_size | ${summary.projSize} |`] : []),
    ...(summary.activation !== null ? [`| activation | ${cell(summary.activation)} |`] : []),
    '',
    '## Embeddings',
    '',
    '| field | value |',
    '|---|---|',
    `| encoder | ${cell(enc.id ?? 'unknown')} |`,
    `| revision | ${cell(enc.revision ?? 'unknown')} |`,
    `| dtype | ${cell(enc.dtype ?? 'unknown')} |`,
    ...(summary.embeddingSet !== null ? [`| embedding set | ${cell(summary.embeddingSet)} |`] : []),
    '',
    'Segment embedding: the masked mean over frames of `last_hidden_state`. Because the projector is linear, the head applied to this mean equals the Hugging Face head applied frame by frame then pooled.',
    '',
    '## Training config',
    '',
  ];
  const tr = Object.entries(summary.training);
  if (tr.length === 0) body.push('Not recorded.', '');
  else body.push('| key | value |', '|---|---|', ...tr.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`), '');
  body.push('## Evaluation', '');
  const metricRows = Object.entries(m);
  if (metricRows.length === 0) body.push('Not recorded.', '');
  else {
    const named = new Map(METRIC_ORDER.map((d) => [d.key, d.name]));
    body.push('| metric | value |', '|---|---|', ...metricRows.map(([k, v]) => `| ${cell(named.get(k) ?? k)} | ${cell(v)} |`), '');
  }
  body.push('## How to load', '');
  if (summary.headType === 'mlp') {
    body.push(
      `> This is an MLP head (${summary.activation ?? 'activation'} between projector and classifier). transformers' Wav2Vec2BertForSequenceClassification applies the two layers without an activation, so the code below loads the tensors but does not reproduce this head's outputs; apply the activation between \`model.projector\` and \`model.classifier\` yourself, or use Saturi.`,
      '',
    );
  }
  body.push(
    'With transformers (PyTorch): load the base encoder with this repository\'s config, then this head\'s weights on top.',
    '',
    '```python',
    'import torch',
    'from huggingface_hub import hf_hub_download',
    'from safetensors.torch import load_file',
    'from transformers import AutoConfig, AutoFeatureExtractor, Wav2Vec2BertForSequenceClassification',
    '',
    `repo = ${y(repo)}`,
    'config = AutoConfig.from_pretrained(repo)',
    `model = Wav2Vec2BertForSequenceClassification.from_pretrained(${y(BASE_MODEL)}, config=config)`,
    'missing, unexpected = model.load_state_dict(load_file(hf_hub_download(repo, "model.safetensors")), strict=False)',
    'assert not unexpected and all(k.startswith("wav2vec2_bert.") for k in missing)',
    'model.eval()',
    '',
    `extractor = AutoFeatureExtractor.from_pretrained(${y(BASE_MODEL)})`,
    '# audio: 16 kHz mono float array',
    'inputs = extractor(audio, sampling_rate=16000, return_tensors="pt")',
    'with torch.no_grad():',
    '    probs = model(**inputs).logits.softmax(-1)[0]',
    'print({model.config.id2label[i]: float(p) for i, p in enumerate(probs)})',
    '```',
    '',
    'In Saturi: `saturi` and the web app import this repository\'s `model.safetensors` and `config.json` directly.',
    '',
  );
  return front.join('\n') + body.join('\n');
}
