// Printed summaries of the pipeline commands.
import { REJECT_REASONS, type ReasonCounts, type RejectReason } from '../../core/dataset/reasons.ts';
import type { PreprocessSummary } from './preprocess.ts';

export function formatReasons(reasons: ReasonCounts): string {
  const entries = (Object.entries(reasons) as [RejectReason, number][]).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return '  (nothing skipped)\n';
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries.map(([k, n]) => `  ${k.padEnd(width)}  ${String(n).padStart(7)}  ${REJECT_REASONS[k]}\n`).join('');
}

export function formatPreprocessSummary(s: PreprocessSummary): string {
  const mb = (s.sourceBytesRead / 1e6).toFixed(1);
  let text = `preprocess ${s.set}: ${s.recordings} recordings (${s.reused} reused from an earlier run), ${s.segments} segments, ${(s.seconds / 3600).toFixed(2)} h of audio\n`;
  text += `  ${s.written} segment files written, ${mb} MB of source audio read, ${s.workers} workers, ${(s.elapsedMs / 1000).toFixed(1)} s\n`;
  for (const [d, n] of Object.entries(s.perDialect).sort()) text += `  ${d}: ${n}\n`;
  if (s.outsidePattern > 0) text += `  ${s.outsidePattern} files not read: their path does not match the set's path_pattern /${s.pathPattern}/ (--path-pattern '' reads every file)\n`;
  text += `skipped ${s.rejected} items:\n${formatReasons(s.reasons)}`;
  text += `segments → ${s.csv}\nrejects  → ${s.rejectsCsv}\n`;
  return text;
}
