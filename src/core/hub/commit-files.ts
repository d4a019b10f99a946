// One commit of files to a Hub repo through @huggingface/hub's commitIter
// (preupload → LFS batch/upload → NDJSON commit), with retried requests and
// progress reported per phase and per file.
import { commitIter, createRepo, HubApiError } from '@huggingface/hub';
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

/** Create the repo; an existing repo of ours (409) is fine. */
export async function ensureRepo(target: HubTarget, opts: { private?: boolean } = {}): Promise<{ created: boolean }> {
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
    if (e instanceof HubApiError && e.statusCode === 409) return { created: false };
    throw e;
  }
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
