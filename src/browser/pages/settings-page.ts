// Settings: encoder source (hub id, URL or the bundled tiny model), dtype and
// backend; what the device offers; storage; language; clearing the store.
import { LitElement, html } from 'lit';
import { sharedStyles } from '../components/shared-styles.ts';
import { I18nController, LANGS, formatBytes, getLang, setLang, t, type Lang } from '../i18n/i18n.ts';
import { getSettings, gpuProbe, notifyChanged, requestPersistence, saveSettings, storageInfo, store, type StorageInfo } from '../services/app-state.ts';
import { DEFAULT_SETTINGS, TINY_MODEL_PATH, resolveEncoder, tinyModelUrl, type AppSettings } from '../services/settings.ts';
import { hubTokenStore } from '../services/hub-token.ts';
import type { WebGpuProbe } from '../webgpu-probe.ts';

export class SettingsPage extends LitElement {
  static override properties = {
    settings: { state: true },
    probe: { state: true },
    storage: { state: true },
    tinyAvailable: { state: true },
    saved: { state: true },
    hubError: { state: true },
    tokenStored: { state: true },
  };
  settings: AppSettings | null = null;
  probe: WebGpuProbe | null = null;
  storage: StorageInfo | null = null;
  tinyAvailable: boolean | null = null;
  saved = '';
  hubError = '';
  tokenStored = false;
  private readonly i18n = new I18nController(this);

  static override styles = [sharedStyles];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    // Each part shows as soon as it is known: the WebGPU probe can take seconds (a worker and
    // a test shader), and the tiny model's status need not wait for it.
    await Promise.all([
      (async () => (this.settings = await getSettings()))(),
      (async () => (this.tokenStored = !!(await hubTokenStore.load())))(),
      (async () => (this.storage = await storageInfo()))(),
      (async () => (this.probe = await gpuProbe()))(),
      this.checkTinyModel(),
    ]);
  }

  private async checkTinyModel() {
    try {
      // GET, not HEAD: the service worker answers GETs from its cache, so an offline app that
      // has the model cached does not call it missing.
      const r = await fetch(new URL('config.json', tinyModelUrl()));
      this.tinyAvailable = r.ok;
      await r.body?.cancel();
    } catch {
      this.tinyAvailable = false;
    }
  }

  private async update_(patch: Partial<AppSettings>) {
    this.settings = await saveSettings(patch);
    this.saved = t('settings.saved');
    setTimeout(() => (this.saved = ''), 1500);
  }

  private async setHubUrl(e: Event) {
    const input = e.target as HTMLInputElement;
    const value = input.value.trim().replace(/\/+$/, '') || DEFAULT_SETTINGS.hubUrl;
    try {
      const u = new URL(value);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(u.protocol);
    } catch {
      this.hubError = t('settings.hubUrlBad', { url: value });
      return;
    }
    this.hubError = '';
    await this.update_({ hubUrl: value });
  }

  private async forgetToken() {
    await hubTokenStore.clear();
    this.tokenStored = false;
  }

  private async clearAll() {
    if (!confirm(t('settings.confirmClear'))) return;
    await (await store()).clearAll();
    this.settings = await getSettings();
    this.tokenStored = false;
    notifyChanged('all');
    this.storage = await storageInfo();
    this.saved = t('settings.cleared');
  }

  override render() {
    void this.i18n;
    const s = this.settings;
    const p = this.probe;
    if (!s) return html`<p class="muted">…</p>`;
    const src = s.encoderSource;
    const auto = p ? resolveEncoder({ ...s, dtype: 'auto' }, { webgpu: p.available, shaderF16: p.shaderF16 }) : null;
    const autoDtype = auto ? `${auto.dtype} · ${auto.backend}` : '…';
    return html`
      <h2>${t('settings.title')}</h2>
      <section class="card" id="encoder-settings">
        <h3>${t('settings.encoder')}</h3>
        <fieldset style="border:0;padding:0;margin:0" class="row">
          <legend class="visually-hidden">${t('settings.encoder')}</legend>
          ${(['hub', 'url', 'tiny'] as const).map(
            (k) => html`<label class="inline"><input type="radio" name="source" value=${k} .checked=${src === k} @change=${() => this.update_({ encoderSource: k })} />${t(`settings.src.${k}` as 'settings.src.hub')}</label>`,
          )}
        </fieldset>
        ${src === 'hub'
          ? html`<div class="row"><label>${t('settings.hubId')}<input id="hub-id" .value=${s.hubId} @change=${(e: Event) => this.update_({ hubId: (e.target as HTMLInputElement).value })} /></label>
              <label>${t('settings.revision')}<input .value=${s.revision} @change=${(e: Event) => this.update_({ revision: (e.target as HTMLInputElement).value })} /></label></div>`
          : src === 'url'
            ? html`<label style="width:100%">${t('settings.url')}<input id="model-url" style="width:100%" placeholder="https://example.org/models/w2v-bert/" .value=${s.url} @change=${(e: Event) => this.update_({ url: (e.target as HTMLInputElement).value })} /></label>`
            : html`<p class="muted" id="tiny-status">./${TINY_MODEL_PATH} · ${this.tinyAvailable === null ? '…' : this.tinyAvailable ? t('settings.tinyOk') : t('settings.tinyMissing')}</p>`}
        <div class="row" style="margin-top:0.6rem">
          <label>${t('settings.dtype')}<select id="dtype" @change=${(e: Event) => this.update_({ dtype: (e.target as HTMLSelectElement).value as AppSettings['dtype'] })}>
            ${(['auto', 'fp32', 'fp16', 'q8'] as const).map((d) => html`<option value=${d} .selected=${s.dtype === d}>${d === 'auto' ? `auto (${autoDtype})` : d}</option>`)}
          </select></label>
          <label>${t('settings.backend')}<select id="backend" @change=${(e: Event) => this.update_({ backend: (e.target as HTMLSelectElement).value as AppSettings['backend'] })}>
            ${(['auto', 'webgpu', 'wasm'] as const).map((d) => html`<option value=${d} .selected=${s.backend === d}>${d}</option>`)}
          </select></label>
          <span class="ok" aria-live="polite">${this.saved}</span>
        </div>
      </section>
      <section class="card" id="hub-settings">
        <h3>${t('settings.hub')}</h3>
        <div class="row">
          <label style="flex:1 1 20rem">${t('settings.hubUrl')}<input id="hub-url" type="url" style="width:100%" .value=${s.hubUrl} @change=${this.setHubUrl} /></label>
        </div>
        ${this.hubError ? html`<p class="error" role="alert">${this.hubError}</p>` : ''}
        <div class="row" style="margin-top:0.6rem">
          <span class="muted" id="token-status">${this.tokenStored ? t('settings.tokenStored') : t('settings.tokenNone')}</span>
          ${this.tokenStored ? html`<button class="secondary" id="forget-token" @click=${this.forgetToken}>${t('settings.forgetToken')}</button>` : ''}
        </div>
      </section>
      <section class="card" id="device">
        <h3>${t('settings.device')}</h3>
        <div class="table-wrap"><table>
          <tbody>
            <tr><th>WebGPU</th><td id="cap-webgpu">${p ? (p.available ? `${t('common.yes')} · ${[p.vendor, p.architecture].filter(Boolean).join(' ') || 'adapter'}${p.computeWorks ? '' : ` · ${t('settings.computeFails')}`}` : `${t('common.no')}${p.error ? ` (${p.error})` : ''}`) : '…'}</td></tr>
            <tr><th>shader-f16</th><td id="cap-f16">${p ? (p.shaderF16 ? t('common.yes') : t('common.no')) : '…'}</td></tr>
            <tr><th>${t('settings.isolated')}</th><td id="cap-isolated">${globalThis.crossOriginIsolated ? t('settings.threadsYes', { n: navigator.hardwareConcurrency }) : t('settings.threadsNo')}</td></tr>
            <tr><th>${t('settings.storage')}</th><td id="cap-storage">${this.storage ? `${formatBytes(this.storage.usage)} / ${formatBytes(this.storage.quota)} · ${this.storage.persisted ? t('dataset.persisted') : t('dataset.notPersisted')}` : '…'}
              ${this.storage && !this.storage.persisted ? html`<button class="secondary" @click=${async () => { await requestPersistence(); this.storage = await storageInfo(); }}>${t('dataset.askPersist')}</button>` : ''}</td></tr>
          </tbody>
        </table></div>
      </section>
      <section class="card">
        <h3>${t('app.language')}</h3>
        <div class="row">${LANGS.map((l: Lang) => html`<label class="inline"><input type="radio" name="lang" .checked=${getLang() === l} @change=${() => setLang(l)} />${l === 'ko' ? '한국어' : 'English'}</label>`)}</div>
      </section>
      <section class="card">
        <h3>${t('settings.data')}</h3>
        <p class="muted">${t('settings.clearText')}</p>
        <button class="danger" id="clear-store" @click=${this.clearAll}>${t('settings.clear')}</button>
      </section>
    `;
  }
}
customElements.define('settings-page', SettingsPage);
