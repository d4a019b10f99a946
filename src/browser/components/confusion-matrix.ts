// Confusion-matrix heat map (rows = true dialect, columns = predicted), row-normalised colour.
import { LitElement, css, html } from 'lit';
import { LABELS } from '../../core/config/labels.ts';

export class ConfusionMatrix extends LitElement {
  static override properties = { matrix: { attribute: false }, trueLabel: {}, predLabel: {} };
  matrix: number[][] = [];
  trueLabel = 'true';
  predLabel = 'predicted';

  static override styles = css`
    :host { display: block; overflow-x: auto; }
    table { border-collapse: collapse; font-size: 0.85rem; }
    th, td { padding: 0.3rem 0.45rem; text-align: center; min-width: 2.6rem; }
    th { font-weight: 600; }
    th.row { text-align: right; white-space: nowrap; }
    td { font-variant-numeric: tabular-nums; border: 1px solid rgba(127, 127, 127, 0.25); }
    caption { caption-side: bottom; font-size: 0.8rem; color: var(--muted, #5b6475); padding-top: 0.3rem; }
  `;

  override render() {
    return html`<table class="confusion" role="table">
      <caption>${this.trueLabel} ↓ · ${this.predLabel} →</caption>
      <thead><tr><th></th>${LABELS.map((l) => html`<th scope="col" title=${l.romanized}>${l.korean}</th>`)}</tr></thead>
      <tbody>
        ${this.matrix.map((row, i) => {
          const total = row.reduce((a, b) => a + b, 0) || 1;
          return html`<tr>
            <th scope="row" class="row" title=${LABELS[i]?.romanized}>${LABELS[i]?.korean}</th>
            ${row.map((v, j) => {
              const f = v / total;
              const bg = `rgba(${i === j ? '47, 91, 211' : '224, 102, 44'}, ${(0.08 + 0.85 * f).toFixed(3)})`;
              return html`<td style="background:${bg};color:${f > 0.55 ? '#fff' : 'inherit'}" data-i=${i} data-j=${j}>${v}</td>`;
            })}
          </tr>`;
        })}
      </tbody>
    </table>`;
  }
}
customElements.define('confusion-matrix', ConfusionMatrix);
