// Heads in and out of the browser: the exported-head folder of TEAM.md
// (model.safetensors with Hugging Face names, config.json, saturi_head.json),
// downloaded as a zip, imported from a zip or the loose files.
import { unzip, zip, type Unzipped } from 'fflate';
import { alignLabels, exportHead, importHead } from '../../core/head/hf-format.ts';
import { blobSource, bytesSource, type ByteSource } from '../../core/io/byte-source.ts';
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

/**
 * A head from a zip of the exported folder, or from model.safetensors + config.json (+
 * saturi_head.json), with the import's warnings (weighted layer sum, …) for the page to show.
 */
export async function importHeadFiles(files: File[]): Promise<{ head: StoredHead; warnings: string[] }> {
  // The head's name: the zip's or the folder's; loose files (a plain file picker) have neither, and
  // the first file's name ("model.safetensors") would name the head and prefix every error.
  let name = '';
  for (const f of files) {
    if (f.name.toLowerCase().endsWith('.zip')) name ||= f.name.replace(/\.zip$/i, '');
    else if (f.webkitRelativePath?.includes('/')) name ||= f.webkitRelativePath.split('/')[0]!;
  }
  const at = (file: string) => (name ? `${name}/${file}` : file);
  // Loose files are read where they are needed (File.slice): the published model.safetensors is
  // 2.3 GB with the encoder, of which the head import reads the header and a few MB of tensors.
  const byName: Record<string, ByteSource> = {};
  for (const f of files) {
    if (f.name.toLowerCase().endsWith('.zip')) {
      const bytes = new Uint8Array(await f.arrayBuffer());
      const entries = await new Promise<Unzipped>((res, rej) => unzip(bytes, (e, d) => (e ? rej(new Error(`${f.name}: ${e.message}`)) : res(d))));
      // One head folder: files of several (a run folder with its checkpoints) must not be paired
      // by name, a checkpoint's tensors with the final head's config.
      const folderOf = (path: string) => path.slice(0, path.lastIndexOf('/') + 1);
      const folders = [...new Set(Object.keys(entries).filter((p) => p.split('/').pop() === 'model.safetensors').map(folderOf))];
      if (folders.length > 1) throw new Error(`${f.name}: holds ${folders.length} heads (${folders.map((d) => d || '(top level)').join(', ')}); zip one head folder`);
      for (const [path, data] of Object.entries(entries)) {
        const base = path.split('/').pop()!;
        if ((HEAD_FILES as readonly string[]).includes(base) && folderOf(path) === (folders[0] ?? folderOf(path))) byName[base] = bytesSource(data, at(base));
      }
    } else {
      byName[f.name] = blobSource(f, at(f.name));
    }
  }
  const where = name ? `${name}: ` : '';
  if (!byName['model.safetensors']) throw new Error(`${where}model.safetensors is missing`);
  if (!byName['config.json']) throw new Error(`${where}config.json is missing`);
  const dec = new TextDecoder();
  const parse = async (file: string) => {
    const src = byName[file]!;
    try {
      return JSON.parse(dec.decode(await src.read(0, await src.size())));
    } catch (e) {
      throw new Error(`${at(file)}: ${(e as Error).message}`);
    }
  };
  const saturi = byName['saturi_head.json'] ? await parse('saturi_head.json') : undefined;
  const imported = await importHead(byName['model.safetensors'], await parse('config.json'), {
    ...(saturi ? { saturi } : {}),
    configSource: at('config.json'),
  });
  const head = alignLabels(imported.head, LABEL_NAMES, at('config.json'));
  const info = imported.saturi;
  const stored: StoredHead = {
    id: newId('head'),
    name: name || `head · ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
    created: new Date().toISOString(),
    source: 'imported',
    head,
    ...(info?.encoder ? { encoder: info.encoder } : {}),
    ...(info?.training ? { training: info.training } : {}),
    ...(info?.eval ? { metrics: info.eval } : {}),
    hfConfig: imported.config,
  };
  return { head: stored, warnings: imported.warnings };
}
