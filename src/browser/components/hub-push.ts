// <hub-push>: "Push to Hub" for a head. The user types a repo and a token;
// the token lives only in this element's memory unless "remember" is ticked,
// in which case it goes through the `tokenStore` the app passes in (and is
// cleared from it when unticked). The upload is src/core/hub/push-head.ts
// (@huggingface/hub with retries), against a configurable hub URL.
import { HubApiError, hubErrorText, withoutQueryStrings } from '../../core/hub/hub-error.ts';
import { LitElement, css, html } from 'lit';
import { pushHead, type HeadForHub, type PushHeadResult } from '../../core/hub/push-head.ts';
import type { UploadProgress } from '../../core/hub/commit-files.ts';

export interface TokenStore {
  load(): Promise<string | null | undefined> | string | null | undefined;
  save(token: string): Promise<void> | void;
  clear(): Promise<void> | void;
}

type Status = { kind: 'idle' } | { kind: 'busy'; text: string; progress: number } | { kind: 'done'; result: PushHeadResult } | { kind: 'error'; text: string };

const PHASE_PROGRESS: Record<string, number> = { 'creating-repo': 0.02, preuploading: 0.1, uploadingLargeFiles: 0.2, committing: 0.9, done: 1 };

/** The element's texts (English by default; the app passes its own language's). */
export interface HubPushMessages {
  head: string;
  repo: string;
  token: string;
  rememberedToken: string;
  remember: string;
  sessionOnly: string;
  private: string;
  hubAddress: string;
  hubUrl: string;
  push: string;
  forget: string;
  starting: string;
  pushedTo: string;
  commit: string;
  noHead: string;
  noRepo: string;
  noToken: string;
  phases: Record<string, string>;
}

export const HUB_PUSH_MESSAGES_EN: HubPushMessages = {
  head: 'Head',
  repo: 'Repository',
  token: 'Access token (write)',
  rememberedToken: 'remembered token',
  remember: 'Remember the token on this device',
  sessionOnly: 'The token is kept only until this page is closed.',
  private: 'Private repository',
  hubAddress: 'Hub address',
  hubUrl: 'Hub URL',
  push: 'Push to Hub',
  forget: 'Forget token',
  starting: 'Starting…',
  pushedTo: 'Pushed to',
  commit: 'commit',
  noHead: 'No head to push: train or import one first.',
  noRepo: 'Enter a repository name (your-user/name).',
  noToken: 'Enter a Hugging Face access token with write access.',
  phases: {
    'creating-repo': 'Creating the repository…',
    preuploading: 'Checking files…',
    uploadingLargeFiles: 'Uploading weights…',
    committing: 'Committing…',
    done: 'Done',
  },
};

export class HubPush extends LitElement {
  static override properties = {
    head: { attribute: false },
    headName: { attribute: 'head-name' },
    hubUrl: { attribute: 'hub-url' },
    repo: {},
    tokenStore: { attribute: false },
    messages: { attribute: false },
    _status: { state: true },
    _remember: { state: true },
    _hasToken: { state: true },
  };

  /** The head to push: safetensors bytes, config.json and saturi_head.json (parsed). */
  head: HeadForHub | null = null;
  headName = '';
  hubUrl = 'https://huggingface.co';
  repo = '';
  /** Where a remembered token lives (the app's settings store); without it "remember" is hidden. */
  tokenStore: TokenStore | null = null;
  /** Texts to use instead of the English ones (any subset). */
  messages: Partial<HubPushMessages> = {};
  /** Options passed through to pushHead (tests shorten retry delays). */
  retry: { retries?: number; baseDelayMs?: number } | undefined;

  _status: Status = { kind: 'idle' };

  get #m(): HubPushMessages {
    return { ...HUB_PUSH_MESSAGES_EN, ...this.messages };
  }
  _remember = false;
  _hasToken = false;
  #token = '';
  #abort: AbortController | null = null;

  static override styles = css`
    :host { display: block; }
    form { display: grid; gap: 0.6rem; max-width: 32rem; }
    label { display: flex; flex-direction: column; gap: 0.2rem; font-size: 0.9rem; }
    label.inline { flex-direction: row; align-items: center; gap: 0.4rem; }
    input[type='text'], input[type='password'], input[type='url'] { font: inherit; padding: 0.35rem 0.5rem; border-radius: 6px; border: 1px solid var(--line, #b9c0cc); }
    button { font: inherit; padding: 0.45rem 0.9rem; border-radius: 8px; border: 1px solid var(--accent, #2f5bd3); background: var(--accent, #2f5bd3); color: #fff; cursor: pointer; justify-self: start; }
    button.secondary { background: transparent; color: var(--accent, #2f5bd3); }
    button:disabled { opacity: 0.5; cursor: not-allowed; }
    progress { width: 100%; }
    .error { color: var(--bad, #b3261e); white-space: pre-wrap; }
    .ok { color: var(--good, #1b7f3b); }
    .muted { color: var(--muted, #5b6475); font-size: 0.85rem; }
  `;

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    // The store may be set after the element is connected: load a remembered token when it arrives.
    if (changed.has('tokenStore') && this.tokenStore) void this.#loadStoredToken(this.tokenStore);
  }

  async #loadStoredToken(store: TokenStore): Promise<void> {
    const stored = await store.load();
    if (stored && !this.#token && store === this.tokenStore) {
      this.#token = stored;
      this._hasToken = true;
      this._remember = true;
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#abort?.abort();
  }

  /** Forget the in-memory token (and the stored one). */
  async forgetToken(): Promise<void> {
    this.#token = '';
    this._hasToken = false;
    this._remember = false;
    await this.tokenStore?.clear();
    const input = this.renderRoot.querySelector<HTMLInputElement>('input[name="token"]');
    if (input) input.value = '';
  }

  #onProgress(p: UploadProgress): void {
    // Progress by phase; within the weights upload, by the file's own progress.
    if (p.kind === 'phase') {
      this._status = { kind: 'busy', text: this.#m.phases[p.phase] ?? p.phase, progress: PHASE_PROGRESS[p.phase] ?? 0 };
    } else if (p.state === 'uploading' && this._status.kind === 'busy' && this._status.progress < PHASE_PROGRESS.committing!) {
      this._status = { ...this._status, progress: Math.max(this._status.progress, 0.2 + 0.7 * p.progress) };
    }
  }

  async #submit(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const repo = String(data.get('repo') ?? '').trim();
    const typed = String(data.get('token') ?? '').trim();
    const hubUrl = (String(data.get('hubUrl') ?? this.hubUrl).trim() || this.hubUrl).replace(/\/+$/, '');
    if (typed) this.#token = typed;
    const m = this.#m;
    if (!this.head) return void (this._status = { kind: 'error', text: m.noHead });
    if (!repo) return void (this._status = { kind: 'error', text: m.noRepo });
    if (!this.#token) return void (this._status = { kind: 'error', text: m.noToken });
    this.repo = repo;
    this.hubUrl = hubUrl;
    if (this.tokenStore) {
      if (this._remember) await this.tokenStore.save(this.#token);
      else await this.tokenStore.clear();
    }
    this.#abort = new AbortController();
    this._status = { kind: 'busy', text: m.starting, progress: 0 };
    // The token this push uses, for redacting its errors even if it is forgotten meanwhile.
    const token = this.#token;
    try {
      const result = await pushHead(this.head, {
        repo,
        accessToken: this.#token,
        hubUrl,
        // Unchecked means "not asked", not "make it public": an existing private repo stays private.
        private: data.get('private') === 'on' ? true : undefined,
        retry: this.retry,
        signal: this.#abort.signal,
        onProgress: (p) => this.#onProgress(p),
      });
      this._status = { kind: 'done', result };
      this.dispatchEvent(new CustomEvent('hub-pushed', { detail: result, bubbles: true, composed: true }));
    } catch (err) {
      // As the CLI says it: the Hub's or the storage's reason, URLs without their (credential)
      // query strings; the hub client never names the token, stripped anyway.
      const raw = err instanceof HubApiError ? hubErrorText(err, hubUrl) : withoutQueryStrings(String((err as Error)?.message ?? err));
      const text = raw.split(token).join('hf_***');
      this._status = { kind: 'error', text };
      this.dispatchEvent(new CustomEvent('hub-push-error', { detail: { message: text }, bubbles: true, composed: true }));
    } finally {
      this.#abort = null;
    }
  }

  override render() {
    const s = this._status;
    const m = this.#m;
    const busy = s.kind === 'busy';
    return html`<form @submit=${this.#submit} aria-busy=${busy ? 'true' : 'false'}>
      ${this.headName ? html`<div class="muted">${m.head}: ${this.headName}</div>` : ''}
      <label>${m.repo}<input type="text" name="repo" required placeholder="your-user/saturi-dialect-head" .value=${this.repo} autocomplete="off" spellcheck="false" /></label>
      <label
        >${m.token}
        <input type="password" name="token" autocomplete="off" spellcheck="false" placeholder=${this._hasToken ? m.rememberedToken : 'hf_…'} @input=${(e: Event) => (this._hasToken = !!(e.target as HTMLInputElement).value || this._hasToken)}
      /></label>
      ${this.tokenStore
        ? html`<label class="inline"><input type="checkbox" name="remember" .checked=${this._remember} @change=${(e: Event) => (this._remember = (e.target as HTMLInputElement).checked)} />${m.remember}</label>`
        : ''}
      ${!this._remember ? html`<div class="muted">${m.sessionOnly}</div>` : ''}
      <label class="inline"><input type="checkbox" name="private" />${m.private}</label>
      <details>
        <summary>${m.hubAddress}</summary>
        <label>${m.hubUrl}<input type="url" name="hubUrl" .value=${this.hubUrl} /></label>
      </details>
      <div>
        <button type="submit" ?disabled=${busy || !this.head}>${m.push}</button>
        ${this._hasToken ? html`<button type="button" class="secondary" ?disabled=${busy} @click=${() => this.forgetToken()}>${m.forget}</button>` : ''}
      </div>
      <div role="status" aria-live="polite" class="status">
        ${s.kind === 'busy' ? html`<div>${s.text}</div><progress max="1" .value=${s.progress}></progress>` : ''}
        ${s.kind === 'done' ? html`<div class="ok">${m.pushedTo} <a href=${s.result.repoUrl} target="_blank" rel="noopener">${s.result.repoUrl}</a> (${m.commit} ${s.result.commitOid.slice(0, 10)})</div>` : ''}
        ${s.kind === 'error' ? html`<div class="error">${s.text}</div>` : ''}
      </div>
    </form>`;
  }
}

if (!customElements.get('hub-push')) customElements.define('hub-push', HubPush);

declare global {
  interface HTMLElementTagNameMap {
    'hub-push': HubPush;
  }
}
