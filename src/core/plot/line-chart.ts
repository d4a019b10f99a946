// A small SVG line chart (axes with "nice" ticks, several series, legend).
// Plain strings, no DOM: the CLI writes the result to a file and the app can
// put it in the page as is.

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
  /** Draw a dot on each point (for sparse series like evaluations). */
  markers?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
  /** Force the y range (e.g. [0, 1] for accuracy). */
  yDomain?: [number, number];
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About `count` round tick values covering [lo, hi] (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  // The 1-2-5 step whose tick count comes closest to the one asked for.
  let step = mag;
  for (const s of [1, 2, 5, 10].map((k) => k * mag)) if (Math.abs((hi - lo) / s - count) < Math.abs((hi - lo) / step - count)) step = s;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 10000) return `${Number((v / 1000).toPrecision(4))}k`;
  return String(Number(v.toPrecision(4)));
}

/** Returns an SVG `<g>` fragment of the chart at (x, y); `lineChart` wraps it in a document. */
export function lineChartGroup(o: LineChartOptions, x = 0, y = 0): string {
  const W = o.width ?? 720;
  const H = o.height ?? 360;
  const legendRows = Math.max(1, Math.ceil(o.series.length / 3));
  const m = { left: 64, right: 16, top: 32, bottom: 44 + 14 * legendRows };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const all = o.series.flatMap((s) => s.points).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  // Loops, not Math.min(...all): a spread of 100 000+ points overflows the call stack.
  const extent = (k: 0 | 1): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of all) (lo = Math.min(lo, p[k])), (hi = Math.max(hi, p[k]));
    return all.length ? [lo, hi] : [0, 1];
  };
  let [x0, x1] = extent(0);
  let [y0, y1] = o.yDomain ?? extent(1);
  if (x1 === x0) (x0 -= 1), (x1 += 1);
  if (y1 === y0) (y0 -= 0.5), (y1 += 0.5);
  if (!o.yDomain) {
    const pad = (y1 - y0) * 0.05;
    (y0 -= pad), (y1 += pad);
  }
  const sx = (v: number) => m.left + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v: number) => m.top + ph - ((v - y0) / (y1 - y0)) * ph;
  const out: string[] = [`<g transform="translate(${x},${y})" font-family="sans-serif" font-size="11">`];
  out.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(o.title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1, 6)) {
    out.push(`<line x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" y1="${m.top + ph}" y2="${m.top + ph + 4}" stroke="#333"/>`);
    out.push(`<text x="${sx(t).toFixed(1)}" y="${m.top + ph + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${m.top + ph + 32}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  out.push(`<text transform="translate(16,${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  o.series.forEach((s, i) => {
    const pts = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    if (pts.length === 0) return;
    const d = pts.map(([a, b], k) => `${k ? 'L' : 'M'}${sx(a).toFixed(1)},${sy(b).toFixed(1)}`).join('');
    out.push(
      `<path class="series" data-name="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`,
    );
    // A lone point is a path with no length, which draws nothing: it gets its marker.
    if (s.markers || pts.length === 1) for (const [a, b] of pts) out.push(`<circle cx="${sx(a).toFixed(1)}" cy="${sy(b).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    // Legend under the plot, wrapping every three entries.
    const lx = m.left + (i % 3) * (pw / 3);
    const ly = m.top + ph + 46 + Math.floor(i / 3) * 14;
    out.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`);
    out.push(`<text x="${lx + 22}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}

export function svgDocument(width: number, height: number, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}

export function lineChart(o: LineChartOptions): string {
  return svgDocument(o.width ?? 720, o.height ?? 360, lineChartGroup(o));
}
