import type { ArchiveOutcome, UnpackSummary } from './unpack-dir.ts';

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** One line per archive, as printed by `saturi unpack`. */
export function formatOutcome(o: ArchiveOutcome): string {
  switch (o.status) {
    case 'extracted':
      return `extracted  ${o.archive} -> ${o.target} (${o.result?.files ?? 0} files, ${mb(o.result?.bytes ?? 0)})${o.deleted ? ', archive deleted' : ''}`;
    case 'skipped':
      return `done       ${o.archive} (already extracted to ${o.target})${o.deleted ? ', archive deleted' : ''}`;
    case 'failed':
      return `FAILED     ${o.archive}: ${o.reason} (archive kept)`;
    case 'incomplete':
      return [
        `INCOMPLETE ${o.archive}: ${o.refused?.length ?? 0} entries refused (archive kept)`,
        ...(o.refused ?? []).map((r) => `             refused ${JSON.stringify(r.name)}: ${r.reason}`),
      ].join('\n');
  }
}

export function formatSummary(s: UnpackSummary): string {
  const line = `unpack: ${s.archives.length} archives: ${s.extracted} extracted, ${s.skipped} already done, ${s.failed} failed, ${s.incomplete} incomplete`;
  if (s.ok) return line;
  const bad = s.archives.filter((o) => o.status === 'failed' || o.status === 'incomplete');
  return [line, 'kept for inspection:', ...bad.map((o) => `  ${o.archive}: ${o.status === 'failed' ? o.reason : 'entries refused'}`)].join('\n');
}
