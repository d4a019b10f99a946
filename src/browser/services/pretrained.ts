// The default head: projector and classifier of the published model, taken out
// of its 2.33 GB model.safetensors with HTTP range requests (header + head only).
import { alignLabels, BASE_ENCODER, checkFrozenEncoder, importHead } from '../../core/head/hf-format.ts';
import { fetchJson, httpSource } from '../../core/safetensors/http-source.ts';
import { LABEL_NAMES } from '../../core/config/labels.ts';
import { DEFAULT_MODEL_ID } from '../../core/encoder/worker-api.ts';
import { newId } from '../store/store.ts';
import { formatBytes } from '../i18n/i18n.ts';
import { notifyChanged, store } from './app-state.ts';
import { makeActive } from './heads.ts';
import { PRETRAINED_HEAD_REPO } from './settings.ts';

const resolve = (repo: string, file: string) => `https://huggingface.co/${repo}/resolve/main/${file}`;

export async function importPretrainedHead(onMessage: (msg: string) => void, repo = PRETRAINED_HEAD_REPO): Promise<{ id: string; warnings: string[] }> {
  onMessage(`${repo}: config.json`);
  const config = await fetchJson(resolve(repo, 'config.json'));
  const model = httpSource(resolve(repo, 'model.safetensors'));
  onMessage(`${repo}: model.safetensors (${formatBytes(await model.size())}), reading the header and the head tensors only…`);
  const imported = await importHead(model, config, { configSource: `${repo}/config.json` });
  const head = alignLabels(imported.head, LABEL_NAMES, `${repo}/config.json`);
  const warnings = [...imported.warnings];
  try {
    const check = await checkFrozenEncoder(model, httpSource(resolve(BASE_ENCODER, 'model.safetensors')), { fineHeader: imported.header });
    if (check.frozen === false) warnings.push(check.message);
  } catch (e) {
    warnings.push(`frozen-encoder check skipped: ${(e as Error).message}`);
  }
  onMessage(`${repo}: ${formatBytes(model.bytesRead)} read in ${model.requests} range requests`);
  const id = newId('head');
  const s = await store();
  await s.putHead({
    id,
    name: repo,
    created: new Date().toISOString(),
    source: 'pretrained',
    head,
    encoder: { id: DEFAULT_MODEL_ID, revision: 'main' },
    hfConfig: imported.config,
    // The model card's figures, flat as a trained head's (saturi_head.json "eval" and the Hub card read them so).
    metrics: { eval_accuracy: 0.5682, eval_precision: 0.5726, eval_recall: 0.5682, eval_f1: 0.5579, import_warnings: warnings },
  });
  await makeActive(id);
  notifyChanged('heads');
  return { id, warnings };
}
