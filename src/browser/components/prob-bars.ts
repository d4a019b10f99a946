// Horizontal bar chart of the six dialect probabilities: Korean name first, romanised beside.
import { LitElement, css, html, svg } from 'lit';
import { LABELS } from '../../core/config/labels.ts';
import { pct } from '../i18n/i18n.ts';

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

  static override styles = css`
    :host { display: block; }
    svg { width: 100%; height: auto; display: block; }
    .legend { display: flex; flex-wrap: wrap; gap: 0.3rem 0.8rem; font-size: 0.85rem; margin-top: 0.4rem; }
    .legend span::before { content: ''; display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem; vertical-align: -0.1rem; background: var(--c); border-radius: 2px; }
  `;

  override render() {
    const rowH = 22;
    const labelW = 90;
    const w = 600;
    const h = this.windows.length * (rowH + 6) + 4;
    return html`<svg viewBox="0 0 ${w} ${h}" role="img" aria-label="timeline">
        ${this.windows.map((win, r) => {
          let x = labelW;
          const y = 2 + r * (rowH + 6);
          const probs = Array.from(win.probs);
          return svg`<g class="window" data-start=${win.start} data-end=${win.end}>
            <text x="0" y=${y + rowH * 0.72} font-size="12" fill="currentColor">${fmt(win.start)}–${fmt(win.end)}</text>
            ${probs.map((p, i) => {
              const bw = p * (w - labelW);
              const rect = svg`<rect x=${x} y=${y} width=${Math.max(0, bw)} height=${rowH} fill=${DIALECT_COLORS[i]}><title>${LABELS[i].korean} ${pct(p)}</title></rect>`;
              x += bw;
              return rect;
            })}
          </g>`;
        })}
      </svg>
      <div class="legend">${LABELS.map((l, i) => html`<span style="--c:${DIALECT_COLORS[i]}">${l.korean} <small>${l.romanized}</small></span>`)}</div>`;
  }
}
customElements.define('window-timeline', WindowTimeline);

function fmt(s: number): string {
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.round(s % 60)).padStart(2, '0')}`;
}
