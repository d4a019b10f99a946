// One commit of files to a Hub repo through @huggingface/hub's commitIter
// (preupload → LFS batch/upload → NDJSON commit), with retried requests and
// progress reported per phase and per file.
import { commitIter, createRepo, HubApiError, repoExists } from '@huggingface/hub';
import type { CommitOutput } from '@huggingface/hub';
import { retryingFetch, type RetryOptions } from './retry-fetch.ts';

export type RepoType = 'model' | 'dataset';

export interface HubTarget {
  repo: string;
  type: RepoType;
  accessToken: string;
  /** Default https://huggingface.co */
  hubUrl?: string;
  retry?: RetryOptions;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

export type UploadProgress =
  | { kind: 'phase'; phase: 'creating-repo' | 'preuploading' | 'uploadingLargeFiles' | 'committing' | 'done' }
  | { kind: 'file'; path: string; state: 'hashing' | 'uploading' | 'error'; progress: number };

function hubFetch(target: HubTarget): typeof fetch {
  return retryingFetch(target.fetch ?? globalThis.fetch.bind(globalThis), target.retry);
}

/** Why the Hub said no, from its JSON (`error`/`message`) or text body; empty when it gave none. */
async function errorDetail(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown };
    const m = j.error ?? j.message;
    if (typeof m === 'string' && m) return m;
  } catch {
    // not JSON: the text itself
  }
  return text.trim().slice(0, 300);
}

/**
 * Set an existing repo's visibility, as huggingface_hub's update_repo_settings
 * does: PUT {hub}/api/{models|datasets}/{repo}/settings {"private": bool}.
 * Throws (a HubApiError for an HTTP refusal) naming the repo and the Hub's answer.
 */
export async function setRepoVisibility(target: HubTarget, isPrivate: boolean): Promise<void> {
  const hub = (target.hubUrl ?? 'https://huggingface.co').replace(/\/$/, '');
  const url = `${hub}/api/${target.type}s/${target.repo}/settings`;
  const what = `could not make the existing ${target.type} repo ${target.repo} ${isPrivate ? 'private' : 'public'}`;
  let res: Response;
  try {
    res = await hubFetch(target)(url, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${target.accessToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ private: isPrivate }),
    });
  } catch (e) {
    throw new Error(`${what}: ${(e as Error)?.message ?? String(e)}; not uploading to it`);
  }
  if (!res.ok) {
    const detail = await errorDetail(res);
    throw new HubApiError(
      url,
      res.status,
      res.headers.get('X-Request-Id') ?? undefined,
      `${what} (HTTP ${res.status}${detail ? `: ${detail}` : ''}); not uploading to it`,
    );
  }
  await res.body?.cancel().catch(() => undefined);
}

export interface EnsureRepoResult {
  created: boolean;
  /** Set when an existing repo's visibility was set as asked (`private`); absent when none was asked or the repo was created. */
  visibilitySet?: 'private' | 'public';
}

/**
 * Create the repo; an existing repo of ours (409) is fine. A visibility asked
 * for (`private` given) is made to hold either way: on creation, and for an
 * existing repo through the settings endpoint, so `--private` is never
 * silently dropped. Without `private`, an existing repo is left as it is.
 */
export async function ensureRepo(target: HubTarget, opts: { private?: boolean } = {}): Promise<EnsureRepoResult> {
  try {
    await createRepo({
      repo: { type: target.type, name: target.repo },
      accessToken: target.accessToken,
      hubUrl: target.hubUrl,
      fetch: hubFetch(target),
      ...(opts.private !== undefined ? { visibility: opts.private ? 'private' : 'public' } : {}),
    });
    return { created: true };
  } catch (e) {
    // 403: a token may write to a repo but not create repos in its namespace (a fine-grained
    // token); huggingface_hub's create_repo(exist_ok=True) then looks the repo up, as here.
    const exists = e instanceof HubApiError && (e.statusCode === 409 || (e.statusCode === 403 && (await repoExists({ repo: { type: target.type, name: target.repo }, accessToken: target.accessToken, hubUrl: target.hubUrl, fetch: hubFetch(target) }).catch(() => false))));
    if (!exists) throw e;
  }
  if (opts.private === undefined) return { created: false };
  await setRepoVisibility(target, opts.private);
  return { created: false, visibilitySet: opts.private ? 'private' : 'public' };
}

export async function commitFiles(
  target: HubTarget,
  files: { path: string; content: Blob }[],
  title: string,
  onProgress?: (p: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<CommitOutput> {
  const it = commitIter({
    repo: { type: target.type, name: target.repo },
    accessToken: target.accessToken,
    hubUrl: target.hubUrl,
    fetch: hubFetch(target),
    title,
    operations: files.map((f) => ({ operation: 'addOrUpdate' as const, path: f.path, content: f.content })),
    abortSignal: signal,
  });
  const failed: string[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) {
      if (failed.length > 0) throw new Error(`Hub upload failed for ${failed.length} file(s): ${failed.slice(0, 5).join(', ')}`);
      if (!r.value) throw new Error('the Hub returned no commit');
      onProgress?.({ kind: 'phase', phase: 'done' });
      return r.value;
    }
    const ev = r.value;
    if (ev.event === 'phase') onProgress?.({ kind: 'phase', phase: ev.phase });
    else {
      if (ev.state === 'error') failed.push(ev.path);
      onProgress?.({ kind: 'file', path: ev.path, state: ev.state, progress: ev.progress });
    }
  }
}
