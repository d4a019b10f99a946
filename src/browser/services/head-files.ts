// Heads in and out of the browser: the exported-head folder of TEAM.md
// (model.safetensors with Hugging Face names, config.json, saturi_head.json),
// downloaded as a zip, imported from a zip or the loose files.
import { unzip, zip, type Unzipped } from 'fflate';
import { alignLabels, exportHead, importHead } from '../../core/head/hf-format.ts';
import { bytesSource } from '../../core/io/byte-source.ts';
import { LABEL_NAMES } from '../../core/config/labels.ts';
import { newId, type StoredHead } from '../store/store.ts';
import { safeName } from './embedding-io.ts';

export const HEAD_FILES = ['model.safetensors', 'config.json', 'saturi_head.json'] as const;

export function headFilesOf(h: StoredHead): Record<string, Uint8Array> {
  const files = exportHead(h.head, {
    encoder: h.encoder ? { id: h.encoder.id, revision: h.encoder.revision ?? 'main', dtype: h.encoder.dtype ?? '' } : null,
    training: h.training ?? null,
    eval: h.metrics ?? null,
    ...(h.hfConfig ? { baseConfig: h.hfConfig } : {}),
    source: h.name,
    created: h.created,
  });
  const enc = new TextEncoder();
  return {
    'model.safetensors': files['model.safetensors'],
    'config.json': enc.encode(files['config.json']),
    'saturi_head.json': enc.encode(files['saturi_head.json']),
  };
}

export async function exportHeadZip(h: StoredHead): Promise<{ blob: Blob; fileName: string }> {
  const folder = safeName(h.name);
  const tree: Record<string, Uint8Array> = {};
  for (const [n, b] of Object.entries(headFilesOf(h))) tree[`${folder}/${n}`] = b;
  const bytes = await new Promise<Uint8Array>((res, rej) => zip(tree, { level: 0 }, (e, d) => (e ? rej(e) : res(d))));
  return { blob: new Blob([bytes as BlobPart], { type: 'application/zip' }), fileName: `${folder}.zip` };
}

/** A head from a zip of the exported folder, or from model.safetensors + config.json (+ saturi_head.json). */
export async function importHeadFiles(files: File[]): Promise<StoredHead> {
  const byName: Record<string, Uint8Array> = {};
  let name = files[0]?.name.replace(/\.zip$/i, '') ?? 'head';
  for (const f of files) {
    const bytes = new Uint8Array(await f.arrayBuffer());
    if (f.name.toLowerCase().endsWith('.zip')) {
      const entries = await new Promise<Unzipped>((res, rej) => unzip(bytes, (e, d) => (e ? rej(new Error(`${f.name}: ${e.message}`)) : res(d))));
      for (const [path, data] of Object.entries(entries)) {
        const base = path.split('/').pop()!;
        if ((HEAD_FILES as readonly string[]).includes(base)) byName[base] = data;
      }
    } else {
      byName[f.name] = bytes;
      if (f.webkitRelativePath) name = f.webkitRelativePath.split('/')[0];
    }
  }
  if (!byName['model.safetensors']) throw new Error(`${name}: model.safetensors is missing`);
  if (!byName['config.json']) throw new Error(`${name}: config.json is missing`);
  const dec = new TextDecoder();
  const parse = (file: string) => {
    try {
      return JSON.parse(dec.decode(byName[file]));
    } catch (e) {
      throw new Error(`${name}/${file}: ${(e as Error).message}`);
    }
  };
  const imported = await importHead(bytesSource(byName['model.safetensors'], `${name}/model.safetensors`), parse('config.json'), {
    ...(byName['saturi_head.json'] ? { saturi: parse('saturi_head.json') } : {}),
    configSource: `${name}/config.json`,
  });
  const head = alignLabels(imported.head, LABEL_NAMES, `${name}/config.json`);
  const info = imported.saturi;
  return {
    id: newId('head'),
    name,
    created: new Date().toISOString(),
    source: 'imported',
    head,
    ...(info?.encoder ? { encoder: info.encoder } : {}),
    ...(info?.training ? { training: info.training } : {}),
    ...(info?.eval ? { metrics: info.eval } : {}),
    hfConfig: imported.config,
  };
}
