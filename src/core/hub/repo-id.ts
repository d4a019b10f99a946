// Hub repository names: `namespace/name`, checked before any request so a typo
// fails fast with a clear message instead of a 404 halfway through an upload.

const PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;

export function checkRepoName(repo: string): string {
  const parts = repo.split('/');
  if (parts.length !== 2 || !PART.test(parts[0]!) || !PART.test(parts[1]!) || repo.includes('--') || repo.includes('..')) {
    throw new RepoNameError(repo);
  }
  return repo;
}

export class RepoNameError extends Error {
  constructor(readonly repo: string) {
    super(`"${repo}" is not a Hub repository name: use namespace/name (letters, digits, - _ .), e.g. your-user/saturi-head`);
    this.name = 'RepoNameError';
  }
}

/** Hub tokens start with `hf_`; @huggingface/hub rejects others with a TypeError that would be confusing here. */
export function checkToken(token: string | undefined | null): string {
  if (!token) throw new TokenError('no Hugging Face token: pass --token, set HF_TOKEN, or put HF_TOKEN=hf_… in .env');
  if (!token.startsWith('hf_')) throw new TokenError('the Hugging Face token does not look like one (it must start with "hf_")');
  return token;
}

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}
