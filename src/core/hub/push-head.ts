// Push an exported head (model.safetensors, config.json, saturi_head.json) to
// a Hub model repo with a generated model card. Used by `saturi hub push-head`
// and by the app's "Push to Hub" component, so it takes Blobs, not paths.
import { commitFiles, ensureRepo, type HubTarget, type UploadProgress } from './commit-files.ts';
import { summarizeHead } from './head-summary.ts';
import { buildModelCard } from './model-card.ts';
import { checkRepoName, checkToken } from './repo-id.ts';

export interface HeadForHub {
  /** `model.safetensors` bytes. */
  safetensors: Blob | ArrayBuffer | Uint8Array;
  /** `config.json` (parsed). */
  config: unknown;
  /** `saturi_head.json` (parsed); optional extras for the card. */
  saturiHead?: unknown;
}

export interface PushHeadOptions {
  repo: string;
  accessToken: string;
  hubUrl?: string;
  private?: boolean;
  retry?: HubTarget['retry'];
  fetch?: typeof fetch;
  onProgress?: (p: UploadProgress) => void;
  signal?: AbortSignal;
  commitTitle?: string;
}

export interface PushHeadResult {
  repoUrl: string;
  commitUrl: string;
  commitOid: string;
  files: { path: string; bytes: number }[];
  createdRepo: boolean;
  /** Set when the repo existed and its visibility was set as `private` asked. */
  visibilitySet?: 'private' | 'public';
}

function toBlob(b: Blob | ArrayBuffer | Uint8Array, type = 'application/octet-stream'): Blob {
  if (b instanceof Blob) return b;
  return new Blob([b instanceof Uint8Array ? (b as Uint8Array<ArrayBuffer>) : new Uint8Array(b)], { type });
}

/** The three files that go up for a head: weights, config, and the generated model card. */
export function headUploadFiles(repo: string, head: HeadForHub): { path: string; content: Blob }[] {
  const summary = summarizeHead(head.config, head.saturiHead);
  const files = [
    { path: 'model.safetensors', content: toBlob(head.safetensors) },
    { path: 'config.json', content: new Blob([JSON.stringify(head.config, null, 2) + '\n'], { type: 'application/json' }) },
    { path: 'README.md', content: new Blob([buildModelCard({ repo, summary })], { type: 'text/markdown' }) },
  ];
  if (head.saturiHead !== undefined) {
    files.push({ path: 'saturi_head.json', content: new Blob([JSON.stringify(head.saturiHead, null, 2) + '\n'], { type: 'application/json' }) });
  }
  return files;
}

export async function pushHead(head: HeadForHub, opts: PushHeadOptions): Promise<PushHeadResult> {
  const repo = checkRepoName(opts.repo);
  // Without a trailing slash, as the CLI passes it: 'https://huggingface.co/' made '//api/…' requests.
  const hubUrl = opts.hubUrl?.replace(/\/+$/, '');
  const target: HubTarget = { repo, type: 'model', accessToken: checkToken(opts.accessToken), hubUrl, retry: opts.retry, fetch: opts.fetch };
  const files = headUploadFiles(repo, head);
  opts.onProgress?.({ kind: 'phase', phase: 'creating-repo' });
  const { created, visibilitySet } = await ensureRepo(target, { private: opts.private });
  const out = await commitFiles(target, files, opts.commitTitle ?? 'Upload Saturi dialect head', opts.onProgress, opts.signal);
  const hub = hubUrl ?? 'https://huggingface.co';
  return {
    repoUrl: `${hub}/${repo}`,
    commitUrl: out.commit.url,
    commitOid: out.commit.oid,
    files: files.map((f) => ({ path: f.path, bytes: f.content.size })),
    createdRepo: created,
    ...(visibilitySet ? { visibilitySet } : {}),
  };
}
