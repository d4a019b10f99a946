// A small SVG line chart (several series over training steps).
import { LitElement, css, html, svg } from 'lit';

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
}

export class LineChart extends LitElement {
  static override properties = { series: { attribute: false }, title: {} };
  series: Series[] = [];
  override title = '';

  static override styles = css`
    /* Contained: a redraw (every live training update) re-lays out this chart only, not the page. */
    :host { display: block; contain: content; }
    svg { width: 100%; height: auto; display: block; }
    .legend { display: flex; gap: 0.8rem; flex-wrap: wrap; font-size: 0.8rem; }
    .legend span::before { content: ''; display: inline-block; width: 0.9rem; height: 3px; margin-right: 0.3rem; vertical-align: middle; background: var(--c); }
    figcaption { font-size: 0.9rem; font-weight: 600; }
  `;

  override render() {
    const W = 420;
    const H = 180;
    const L = 44;
    const B = 20;
    const pts = this.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    let x0 = Math.min(...pts.map((p) => p[0]));
    let x1 = Math.max(...pts.map((p) => p[0]));
    let y0 = Math.min(...pts.map((p) => p[1]));
    let y1 = Math.max(...pts.map((p) => p[1]));
    if (!pts.length) [x0, x1, y0, y1] = [0, 1, 0, 1];
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) {
      y1 += Math.abs(y1) * 0.1 || 1;
      y0 -= Math.abs(y0) * 0.1 || 0;
    }
    const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - 6);
    const sy = (y: number) => 6 + (1 - (y - y0) / (y1 - y0)) * (H - B - 10);
    const ticks = [y0, (y0 + y1) / 2, y1];
    return html`<figure style="margin:0">
      <figcaption>${this.title}</figcaption>
      <svg viewBox="0 0 ${W} ${H}" role="img" aria-label=${this.title}>
        <line x1=${L} y1=${H - B} x2=${W} y2=${H - B} stroke="#9aa3b2" />
        <line x1=${L} y1="4" x2=${L} y2=${H - B} stroke="#9aa3b2" />
        ${ticks.map((v) => svg`<text x=${L - 4} y=${sy(v) + 4} font-size="10" text-anchor="end" fill="currentColor">${fmt(v)}</text>`)}
        <text x=${L} y=${H - 4} font-size="10" fill="currentColor">${Math.round(x0)}</text>
        <text x=${W - 4} y=${H - 4} font-size="10" text-anchor="end" fill="currentColor">${Math.round(x1)}</text>
        ${this.series.map((s) => {
          const d = s.points
            .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
            .map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
            .join('');
          return svg`<path d=${d} fill="none" stroke=${s.color} stroke-width="2" />${s.points.length === 1 ? svg`<circle cx=${sx(s.points[0][0])} cy=${sy(s.points[0][1])} r="3" fill=${s.color} />` : ''}`;
        })}
      </svg>
      <div class="legend">${this.series.map((s) => html`<span style="--c:${s.color}">${s.name}</span>`)}</div>
    </figure>`;
  }
}
customElements.define('line-chart', LineChart);

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a < 0.001 || a >= 1e5) return v.toExponential(1);
  return v.toPrecision(3);
}
