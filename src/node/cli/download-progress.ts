// Model download progress for the embed command: a bar per file on a terminal, and on a log (CI,
// a cluster job) a line per quarter of a large file, so a 2.3 GB first download is not silence.
import { Presets, SingleBar } from 'cli-progress';
import type { LoadProgress } from '../../core/encoder/worker-api.ts';

/** Files smaller than this get only their "done" line in a log. */
const LOG_STEPS_FROM_BYTES = 50e6;

export function modelDownloadProgress(tty: boolean, log: (line: string) => void): (p: LoadProgress) => void {
  const bars = new Map<string, SingleBar>();
  const logged = new Map<string, number>(); // file → quarters already logged
  const mb = (b: number) => (b / 1e6).toFixed(1);
  return (p) => {
    if (p.status === 'download' && p.total > 0) {
      if (tty) {
        let bar = bars.get(p.file);
        if (!bar) {
          bar = new SingleBar({ format: `model ${p.file} {bar} {percentage}% | {mb} / ${mb(p.total)} MB`, hideCursor: true }, Presets.shades_classic);
          bar.start(p.total, 0, { mb: '0.0' });
          bars.set(p.file, bar);
        }
        bar.update(p.loaded, { mb: mb(p.loaded) });
      } else if (p.total >= LOG_STEPS_FROM_BYTES) {
        const quarter = Math.floor((4 * p.loaded) / p.total);
        if (quarter > (logged.get(p.file) ?? 0) && quarter < 4) {
          logged.set(p.file, quarter);
          log(`model: ${p.file} ${mb(p.loaded)} / ${mb(p.total)} MB`);
        }
      }
    } else if (p.status === 'done') {
      bars.get(p.file)?.stop();
      bars.delete(p.file);
      log(`model: ${p.file} ${mb(p.total)} MB`);
    }
  };
}
