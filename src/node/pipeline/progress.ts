// A progress line on stderr for long runs (only on a terminal, so logs and
// tests stay clean).
import cliProgress from 'cli-progress';

export interface Progress {
  update: (done: number) => void;
  stop: () => void;
}

export function createProgress(enabled: boolean, title: string): Progress {
  if (!enabled || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: `${title} | {value} recordings | {duration_formatted}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(0, 0);
  return { update: (done) => bar.update(done), stop: () => bar.stop() };
}
