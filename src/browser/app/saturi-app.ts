import { LitElement, css, html } from 'lit';
import { LABELS } from '../../core/config/labels.ts';

/** The application shell. */
export class SaturiApp extends LitElement {
  static override styles = css`
    :host { display: block; max-width: 56rem; margin: 0 auto; padding: 1rem; }
    h1 { margin: 0 0 0.25rem; }
    ul { padding-left: 1.2rem; }
  `;

  override render() {
    return html`
      <h1>Saturi · 사투리</h1>
      <p>말소리를 듣고 어느 지역 방언인지 알려 줍니다. Record or upload Korean speech and see which dialect region it sounds like.</p>
      <ul>
        ${LABELS.map((l) => html`<li>${l.korean} <small>${l.romanized}</small></li>`)}
      </ul>
    `;
  }
}

customElements.define('saturi-app', SaturiApp);

declare global {
  interface HTMLElementTagNameMap {
    'saturi-app': SaturiApp;
  }
}
