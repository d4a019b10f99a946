// Training curves of one or more runs as one SVG: training loss and eval loss
// on top, eval accuracy and macro F1 below. Takes parsed log events (the
// objects of a run's log.jsonl), so the CLI and the app share it.
import { lineChartGroup, PALETTE, svgDocument, type Series } from './line-chart.ts';

export type LogEvent = Record<string, unknown>;

export interface RunCurvesInput {
  name: string;
  log: LogEvent[];
}

function points(log: LogEvent[], key: string): [number, number][] {
  const out: [number, number][] = [];
  for (const e of log) {
    const s = e.step;
    const v = e[key];
    if (typeof s === 'number' && typeof v === 'number' && Number.isFinite(v)) out.push([s, v]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

export function runCurvesSvg(runs: RunCurvesInput[], opts: { width?: number } = {}): string {
  const width = opts.width ?? 800;
  const lossSeries: Series[] = [];
  const evalSeries: Series[] = [];
  runs.forEach((r, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const prefix = runs.length > 1 ? `${r.name}: ` : '';
    lossSeries.push({ name: `${prefix}train loss`, color, points: points(r.log, 'loss') });
    lossSeries.push({ name: `${prefix}eval loss`, color, dashed: true, markers: true, points: points(r.log, 'eval_loss') });
    evalSeries.push({ name: `${prefix}accuracy`, color, markers: true, points: points(r.log, 'eval_accuracy') });
    evalSeries.push({ name: `${prefix}macro F1`, color, dashed: true, markers: true, points: points(r.log, 'eval_f1') });
  });
  const h1 = 340 + 14 * Math.ceil(lossSeries.length / 3);
  const h2 = 340 + 14 * Math.ceil(evalSeries.length / 3);
  const title = runs.length === 1 ? runs[0]!.name : `${runs.length} runs`;
  const top = lineChartGroup({ title: `Loss — ${title}`, xLabel: 'step', yLabel: 'loss', series: lossSeries, width, height: h1 });
  const bottom = lineChartGroup({ title: `Evaluation — ${title}`, xLabel: 'step', yLabel: 'score', series: evalSeries, width, height: h2, yDomain: [0, 1] }, 0, h1);
  return svgDocument(width, h1 + h2, top + '\n' + bottom);
}
