// Horizontal bar chart of the six dialect probabilities: Korean name first, romanised beside.
import { LitElement, css, html } from 'lit';
import { LABELS } from '../../core/config/labels.ts';
import { formatClock, pct, t } from '../i18n/i18n.ts';

export class ProbBars extends LitElement {
  static override properties = { probs: { attribute: false }, caption: {} };
  probs: ArrayLike<number> = [];
  caption = '';

  static override styles = css`
    :host { display: block; }
    .bar-row { display: grid; grid-template-columns: minmax(7.5rem, 12rem) 1fr 3.8rem; gap: 0.5rem; align-items: center; margin: 0.25rem 0; }
    .name b { font-weight: 600; }
    .name small { color: var(--muted, #5b6475); margin-left: 0.3rem; }
    .track { background: var(--track, #e8ecf3); border-radius: 4px; height: 1.1rem; overflow: hidden; }
    .fill { height: 100%; background: var(--accent, #2f5bd3); border-radius: 4px; }
    .top .fill { background: var(--top, #e0662c); }
    .val { text-align: right; font-variant-numeric: tabular-nums; font-size: 0.9rem; }
    @media (max-width: 30rem) { .bar-row { grid-template-columns: 6.5rem 1fr 3.4rem; } .name small { display: block; margin: 0; } }
  `;

  override render() {
    const p = Array.from(this.probs);
    const best = p.indexOf(Math.max(...p));
    return html`<div role="list" aria-label=${this.caption}>
      ${LABELS.map(
        (l, i) => html`<div class="bar-row ${i === best ? 'top' : ''}" role="listitem" data-label=${l.label} data-prob=${String(p[i] ?? 0)}>
          <span class="name"><b>${l.korean}</b><small>${l.romanized}</small></span>
          <span class="track" aria-hidden="true"><div class="fill" style="width:${((p[i] ?? 0) * 100).toFixed(2)}%"></div></span>
          <span class="val">${pct(p[i] ?? 0)}</span>
        </div>`,
      )}
    </div>`;
  }
}
customElements.define('prob-bars', ProbBars);

/** Window timeline: one stacked bar per 20 s window, coloured by dialect. */
export const DIALECT_COLORS = ['#d1495b', '#edae49', '#66a182', '#00798c', '#8d6cab', '#30638e'];

export class WindowTimeline extends LitElement {
  static override properties = { windows: { attribute: false } };
  windows: { start: number; end: number; probs: ArrayLike<number> }[] = [];

  // HTML rows rather than one scaled SVG: the time labels keep the page's font size
  // on a phone (an SVG drawn 600 units wide shrank them to ~6 px at 390 px).
  static override styles = css`
    :host { display: block; }
    .window { display: grid; grid-template-columns: minmax(5.5rem, auto) 1fr; align-items: center; gap: 0.6rem; margin: 0 0 0.35rem; }
    .when { font-size: 0.9rem; font-variant-numeric: tabular-nums; white-space: nowrap; }
    .bar { display: flex; height: 1.4rem; border-radius: 4px; overflow: hidden; background: var(--line, #e3e6ec); }
    .bar span { display: block; height: 100%; }
    .legend { display: flex; flex-wrap: wrap; gap: 0.3rem 0.8rem; font-size: 0.9rem; margin-top: 0.4rem; }
    .legend span::before { content: ''; display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem; vertical-align: -0.1rem; background: var(--c); border-radius: 2px; }
  `;

  override render() {
    return html`<div role="list" aria-label=${t('classify.timeline')}>
        ${this.windows.map((win) => {
          const probs = Array.from(win.probs);
          const when = `${formatClock(win.start)}–${formatClock(win.end)}`;
          return html`<div class="window" role="listitem" data-start=${win.start} data-end=${win.end}>
            <span class="when">${when}</span>
            <div class="bar" aria-label=${`${when}: ${probs.map((p, i) => `${LABELS[i].korean} ${pct(p)}`).join(', ')}`}>
              ${probs.map((p, i) => html`<span style="width:${(Math.max(0, p) * 100).toFixed(3)}%;background:${DIALECT_COLORS[i]}" title=${`${LABELS[i].korean} ${pct(p)}`}></span>`)}
            </div>
          </div>`;
        })}
      </div>
      <div class="legend">${LABELS.map((l, i) => html`<span style="--c:${DIALECT_COLORS[i]}">${l.korean} <small>${l.romanized}</small></span>`)}</div>`;
  }
}
customElements.define('window-timeline', WindowTimeline);
