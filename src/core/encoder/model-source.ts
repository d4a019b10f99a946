// Naming a model: Hugging Face repo id, URL of a folder, or (Node) a local folder, all in the
// transformers.js layout. dtype picks the ONNX file the way transformers.js does.
import type { EncoderDtype } from './embedding-set.ts';
import { DEFAULT_MODEL_ID, type ModelSource } from './worker-api.ts';

export type ResolvedSourceKind = 'hub' | 'url' | 'path';

export interface ResolvedModelSource {
  kind: ResolvedSourceKind;
  /** Repo id, absolute URL of the folder (ending in '/'), or folder path as given. */
  id: string;
  revision: string;
}

/** transformers.js suffixes: fp32 → model.onnx (+ model.onnx_data), fp16 → model_fp16.onnx, q8 → model_quantized.onnx. */
export const DTYPE_FILE_SUFFIX: Record<EncoderDtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized' };

export function modelFileFor(dtype: EncoderDtype): string {
  return `onnx/model${DTYPE_FILE_SUFFIX[dtype]}.onnx`;
}

/** The hub's repo id rule (as transformers.js checks it): `name` or `owner/name`. */
const REPO_ID = /^(\b[\w\-.]+\b\/)?\b[\w\-.]{1,96}\b$/;

export function isRepoId(s: string): boolean {
  return REPO_ID.test(s) && !s.includes('..') && !s.includes('--');
}

/**
 * Classifies a model source. `base` resolves site-relative URLs ('/models/x/') in the
 * browser; `isLocalFolder` (Node) says whether a string names an existing folder, which wins
 * over a repo id of the same spelling (e.g. 'models/tiny-w2v-bert').
 */
export function resolveModelSource(
  source: ModelSource | undefined,
  opts: { base?: string; isLocalFolder?: (p: string) => boolean } = {},
): ResolvedModelSource {
  const id = (typeof source === 'string' ? source : source?.id) ?? DEFAULT_MODEL_ID;
  const revision = (typeof source === 'object' ? source.revision : undefined) ?? 'main';
  if (!id.trim()) throw new Error('model source is empty: give a Hugging Face repo id, a URL or a folder');
  if (/^(https?|blob):/i.test(id)) return { kind: 'url', id: id.endsWith('/') ? id : `${id}/`, revision };
  if (opts.isLocalFolder?.(id)) return { kind: 'path', id, revision };
  if ((id.startsWith('/') || id.startsWith('./') || id.startsWith('../')) && opts.base) {
    const url = new URL(id, opts.base).href;
    return { kind: 'url', id: url.endsWith('/') ? url : `${url}/`, revision };
  }
  if (isRepoId(id)) return { kind: 'hub', id, revision };
  if (opts.isLocalFolder) throw new Error(`model "${id}": no such folder, and not a Hugging Face repo id (owner/name) or http(s) URL`);
  throw new Error(`model "${id}": not a Hugging Face repo id (owner/name) or an http(s) URL`);
}

/** The URL a hub file is fetched from (what transformers.js builds from env.remoteHost / remotePathTemplate). */
export function hubFileUrl(remoteHost: string, pathTemplate: string, repo: string, revision: string, file: string): string {
  const host = remoteHost.endsWith('/') ? remoteHost : `${remoteHost}/`;
  const path = pathTemplate.replaceAll('{model}', repo).replaceAll('{revision}', encodeURIComponent(revision));
  return host + path + file;
}

/** A short stable tag for a URL (cache namespace for URL-named models). */
export function urlCacheId(url: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < url.length; i++) h = Math.imul(h ^ url.charCodeAt(i), 0x01000193) >>> 0;
  const tail = url.replace(/\/+$/, '').split('/').pop()!.replace(/[^\w\-.]/g, '_').slice(0, 60) || 'model';
  return `url-${h.toString(16).padStart(8, '0')}/${tail}`;
}
