// Where a head comes from: a local exported folder, a .safetensors file (with
// config.json beside it), a training run folder (its head/), a URL of a
// .safetensors file, or a Hugging Face repo id read through
// `${HF_ENDPOINT}/{repo}/resolve/{revision}/{file}` with range requests.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ByteSource } from '../../core/io/byte-source.ts';
import { fetchJson, httpSource, HttpSourceError, type HttpSource } from '../../core/safetensors/http-source.ts';
import { alignLabels, importHead, type ImportedHead } from '../../core/head/hf-format.ts';
import { LABEL_NAMES } from '../../core/config/labels.ts';
import { ConfigError } from '../../core/config/validate.ts';
import { fileSource } from '../io/file-source.ts';
import { UserError } from '../cli/errors.ts';
import { resolveToken } from '../hub/token.ts';

export interface HubOptions {
  /** Hub base URL; default $HF_ENDPOINT or https://huggingface.co (tests point it at 127.0.0.1). */
  endpoint?: string;
  revision?: string;
  /** Access token for private repos (sent as a Bearer header). */
  token?: string;
}

export interface HeadLocation {
  /** What the user named, for messages. */
  spec: string;
  model: ByteSource;
  /** Counted bytes for remote sources. */
  http?: HttpSource;
  config: unknown;
  configSource: string;
  saturi?: unknown;
  close(): Promise<void>;
}

export function hubEndpoint(opts: HubOptions = {}): string {
  return (opts.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
}

export function hubFileUrl(repo: string, file: string, opts: HubOptions = {}): string {
  return `${hubEndpoint(opts)}/${repo}/resolve/${encodeURIComponent(opts.revision ?? 'main')}/${file}`;
}

const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

function readJsonFile(path: string, required: boolean): unknown {
  if (!existsSync(path)) {
    if (required) throw new UserError(`${path}: missing (a head needs config.json with id2label beside model.safetensors)`);
    return undefined;
  }
  try {
    // A BOM (a Windows editor's) is dropped, as the browser's decoder drops it.
    return JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

async function optionalJson(url: string, headers: Record<string, string>): Promise<unknown> {
  try {
    return await fetchJson(url, { headers });
  } catch (e) {
    if (e instanceof HttpSourceError && /HTTP 404/.test(e.message)) return undefined;
    throw e;
  }
}

/**
 * The files' URL for a hub page address (what a browser shows and READMEs link, e.g.
 * https://huggingface.co/owner/repo, …/tree/rev, …/blob/rev/path): the hub serves files under
 * /resolve/, and the page address itself answers config.json with 404. Other URLs as they are.
 */
export function hubPageToResolveUrl(url: string, opts: HubOptions = {}): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  const hubs = new Set([new URL(hubEndpoint(opts)).host, 'huggingface.co', 'www.huggingface.co']);
  if (!hubs.has(u.host)) return url;
  const parts = u.pathname.split('/').filter(Boolean);
  const root = `${u.protocol}//${u.host}`;
  if (parts.length === 2) return `${root}/${parts[0]}/${parts[1]}/resolve/main`;
  if (parts.length >= 4 && (parts[2] === 'tree' || parts[2] === 'blob')) return `${root}/${[parts[0], parts[1], 'resolve', ...parts.slice(3)].join('/')}`;
  return url;
}

/** Opens a head location without reading any tensor yet. */
export async function openHead(spec: string, opts: HubOptions = {}): Promise<HeadLocation> {
  const headers: Record<string, string> = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};
  if (/^https?:\/\//.test(spec)) {
    const url = hubPageToResolveUrl(spec, opts);
    const modelUrl = url.endsWith('.safetensors') ? url : `${url.replace(/\/+$/, '')}/model.safetensors`;
    const base = modelUrl.slice(0, modelUrl.lastIndexOf('/'));
    const http = httpSource(modelUrl, { headers });
    const config = await fetchJson(`${base}/config.json`, { headers }).catch((e: Error) => {
      throw new UserError(`${base}/config.json: ${e.message.replace(`${base}/config.json: `, '')} (a head needs config.json with id2label)`);
    });
    const saturi = await optionalJson(`${base}/saturi_head.json`, headers);
    return { spec, model: http, http, config, configSource: `${base}/config.json`, saturi, close: async () => {} };
  }
  if (existsSync(spec)) {
    let dir = spec;
    let file = spec;
    if (statSync(spec).isDirectory()) {
      if (!existsSync(join(spec, 'model.safetensors')) && existsSync(join(spec, 'head', 'model.safetensors'))) dir = join(spec, 'head');
      file = join(dir, 'model.safetensors');
      if (!existsSync(file)) throw new UserError(`${spec}: no model.safetensors here (expected an exported head folder, a run folder or a .safetensors file)`);
    } else {
      dir = dirname(spec);
    }
    const src = fileSource(file);
    return {
      spec,
      model: src,
      config: readJsonFile(join(dir, 'config.json'), true),
      configSource: join(dir, 'config.json'),
      saturi: readJsonFile(join(dir, 'saturi_head.json'), false),
      close: () => src.close(),
    };
  }
  if (REPO_ID.test(spec)) {
    const http = httpSource(hubFileUrl(spec, 'model.safetensors', opts), { headers });
    const configUrl = hubFileUrl(spec, 'config.json', opts);
    let config: unknown;
    try {
      config = await fetchJson(configUrl, { headers });
    } catch (e) {
      throw new UserError(`${spec}: cannot read config.json from the hub (${(e as Error).message})`);
    }
    const saturi = await optionalJson(hubFileUrl(spec, 'saturi_head.json', opts), headers);
    return { spec, model: http, http, config, configSource: configUrl, saturi, close: async () => {} };
  }
  throw new UserError(`${spec}: not a file, folder, URL or hub repo id (owner/name)`);
}

/** Opens and imports a head (header + head tensors only). */
export async function loadHead(spec: string, opts: HubOptions = {}): Promise<ImportedHead & { location: HeadLocation }> {
  const location = await openHead(spec, opts);
  try {
    const imported = await importHead(location.model, location.config, { saturi: location.saturi, configSource: location.configSource });
    return { ...imported, location };
  } finally {
    await location.close();
  }
}

/** The base encoder's safetensors as a ByteSource: a local file or folder, a URL, or a hub repo. */
export function openBaseModel(spec: string, opts: HubOptions = {}): { source: ByteSource; http?: HttpSource; close(): Promise<void> } {
  if (/^https?:\/\//.test(spec)) {
    const http = httpSource(spec.endsWith('.safetensors') ? spec : `${spec.replace(/\/+$/, '')}/model.safetensors`);
    return { source: http, http, close: async () => {} };
  }
  if (existsSync(spec)) {
    const file = statSync(spec).isDirectory() ? join(spec, 'model.safetensors') : spec;
    const src = fileSource(file);
    return { source: src, close: () => src.close() };
  }
  const http = httpSource(hubFileUrl(spec, 'model.safetensors', opts), { headers: opts.token ? { Authorization: `Bearer ${opts.token}` } : {} });
  return { source: http, http, close: async () => {} };
}

/**
 * Loads a config's `model_name_or_path` head with its labels in the order of configs/labels.json;
 * a head that cannot be loaded is an error naming the config and the key.
 */
export async function loadConfiguredHead(configPath: string, spec: string) {
  let imported;
  try {
    imported = await loadHead(spec, { token: (await resolveToken(undefined)).token ?? undefined });
  } catch (e) {
    throw new ConfigError(configPath, 'model_name_or_path', `${spec}: ${(e as Error).message}`);
  }
  return { imported, head: alignLabels(imported.head, LABEL_NAMES, spec) };
}
