// The application shell: header, navigation (hash routes work from any static
// host and sub-path), language switch, and the active page.
import { LitElement, css, html } from 'lit';
import { I18nController, getLang, setLang, t } from '../i18n/i18n.ts';
import { UPDATED_EVENT } from '../pwa/register.ts';
import type { MessageKey } from '../i18n/messages.ts';
import '../pages/classify-page.ts';
import '../pages/dataset-page.ts';
import '../pages/train-page.ts';
import '../pages/evaluate-page.ts';
import '../pages/settings-page.ts';

export const ROUTES = ['classify', 'dataset', 'train', 'evaluate', 'settings'] as const;
export type Route = (typeof ROUTES)[number];

function routeFromHash(): Route {
  const r = location.hash.replace(/^#\/?/, '').split('?')[0] as Route;
  return ROUTES.includes(r) ? r : 'classify';
}

export class SaturiApp extends LitElement {
  static override properties = { route: { state: true }, newVersion: { state: true } };
  route: Route = routeFromHash();
  /** A newer version took over this tab (pwa/register.ts): offer a reload. */
  newVersion = false;
  private readonly onUpdated = () => (this.newVersion = true);
  private readonly i18n = new I18nController(this);
  private readonly onHash = () => {
    this.route = routeFromHash();
    // Move focus to the page heading for keyboard and screen-reader users.
    this.updateComplete.then(() => (this.renderRoot.querySelector('main') as HTMLElement | null)?.focus({ preventScroll: true }));
  };

  static override styles = css`
    :host { display: block; min-height: 100vh; }
    header { background: var(--header, #1d2b53); color: #fff; }
    .bar { max-width: 60rem; margin: 0 auto; padding: 0.6rem 1rem; display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; align-items: center; }
    .brand { font-weight: 700; font-size: 1.2rem; margin-right: auto; color: #fff; text-decoration: none; }
    .brand small { font-weight: 400; opacity: 0.8; margin-left: 0.4rem; }
    nav { max-width: 60rem; margin: 0 auto; padding: 0 0.6rem; display: flex; gap: 0.2rem; overflow-x: auto; }
    nav a { color: #dfe6ff; text-decoration: none; padding: 0.55rem 0.8rem; border-bottom: 3px solid transparent; white-space: nowrap; }
    nav a[aria-current='page'] { color: #fff; border-bottom-color: var(--top, #e0662c); font-weight: 600; }
    nav a:focus-visible, .lang button:focus-visible { outline: 3px solid var(--focus, #f5a524); outline-offset: -3px; }
    .lang { display: flex; gap: 0.2rem; }
    .lang button { font: inherit; background: transparent; color: #dfe6ff; border: 1px solid #6f7fb3; border-radius: 6px; padding: 0.2rem 0.55rem; cursor: pointer; }
    .lang button[aria-pressed='true'] { background: #fff; color: #1d2b53; }
    @media (max-width: 30rem) {
      nav { flex-wrap: wrap; padding: 0 0.3rem; }
      nav a { padding: 0.45rem 0.55rem; }
      .brand { font-size: 1.05rem; }
    }
    .update { max-width: 60rem; margin: 0.6rem auto 0; padding: 0.5rem 1rem; background: #fff4d6; border: 1px solid #e7c45a; border-radius: 8px; display: flex; gap: 0.8rem; align-items: center; flex-wrap: wrap; }
    .update button { font: inherit; padding: 0.25rem 0.8rem; border-radius: 6px; border: 1px solid #1d2b53; background: #1d2b53; color: #fff; cursor: pointer; }
    main { max-width: 60rem; margin: 0 auto; padding: 1rem; outline: none; }
    footer { max-width: 60rem; margin: 0 auto; padding: 1rem; font-size: 0.8rem; color: var(--muted, #5b6475); }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHash);
    window.addEventListener(UPDATED_EVENT, this.onUpdated);
    document.documentElement.lang = getLang();
  }

  override disconnectedCallback(): void {
    window.removeEventListener('hashchange', this.onHash);
    window.removeEventListener(UPDATED_EVENT, this.onUpdated);
    super.disconnectedCallback();
  }

  private page() {
    switch (this.route) {
      case 'classify':
        return html`<classify-page></classify-page>`;
      case 'dataset':
        return html`<dataset-page></dataset-page>`;
      case 'train':
        return html`<train-page></train-page>`;
      case 'evaluate':
        return html`<evaluate-page></evaluate-page>`;
      case 'settings':
        return html`<settings-page></settings-page>`;
    }
  }

  override render() {
    void this.i18n;
    const lang = getLang();
    return html`
      <header>
        <div class="bar">
          <a class="brand" href="#/classify">${t('app.title')}<small>${t('app.tagline')}</small></a>
          <div class="lang" role="group" aria-label=${t('app.language')}>
            <button aria-pressed=${lang === 'ko'} @click=${() => setLang('ko')} lang="ko">한국어</button>
            <button aria-pressed=${lang === 'en'} @click=${() => setLang('en')} lang="en">English</button>
          </div>
        </div>
        <nav aria-label=${t('app.nav')}>
          ${ROUTES.map(
            (r) => html`<a href="#/${r}" data-route=${r} aria-current=${r === this.route ? 'page' : 'false'}>${t(`nav.${r}` as MessageKey)}</a>`,
          )}
        </nav>
      </header>
      ${this.newVersion
        ? html`<div class="update" role="status" id="update-banner">${t('app.updated')} <button @click=${() => location.reload()}>${t('app.reload')}</button></div>`
        : ''}
      <main tabindex="-1">${this.page()}</main>
      <footer>${t('app.footer')}</footer>
    `;
  }
}

customElements.define('saturi-app', SaturiApp);

declare global {
  interface HTMLElementTagNameMap {
    'saturi-app': SaturiApp;
  }
}
