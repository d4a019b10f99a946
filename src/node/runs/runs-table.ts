// The terminal comparison of runs: one row per run with its best evaluation.
import type { RunInfo } from './read-run.ts';

export type SortKey = 'f1' | 'accuracy' | 'precision' | 'recall' | 'loss' | 'name' | 'none';

function f(v: number | null, digits = 4): string {
  return v === null ? '-' : v.toFixed(digits);
}

function lr(v: number | null): string {
  return v === null ? '-' : v.toExponential(1).replace('e-', 'e-').replace('.0e', 'e');
}

export function sortRuns(runs: RunInfo[], key: SortKey): RunInfo[] {
  if (key === 'none') return runs;
  if (key === 'name') return [...runs].sort((a, b) => a.name.localeCompare(b.name));
  const val = (r: RunInfo) => r.best?.[key] ?? null;
  // Missing values last; loss ascending, scores descending.
  return [...runs].sort((a, b) => {
    const va = val(a);
    const vb = val(b);
    if (va === null || vb === null) return va === null ? (vb === null ? 0 : 1) : -1;
    return key === 'loss' ? va - vb : vb - va;
  });
}

export function renderRunsTable(runs: RunInfo[]): string {
  const header = ['run', 'head', 'lr', 'steps', 'best@', 'eval_loss', 'accuracy', 'precision', 'recall', 'f1'];
  const rows = runs.map((r) => [
    r.name,
    r.head,
    lr(r.learningRate),
    String(r.steps),
    r.best ? String(r.best.step) : '-',
    f(r.best?.loss ?? null),
    f(r.best?.accuracy ?? null),
    f(r.best?.precision ?? null),
    f(r.best?.recall ?? null),
    f(r.best?.f1 ?? null),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
