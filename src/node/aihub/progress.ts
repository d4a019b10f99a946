// Progress bars for downloads (cli-progress multibar on stderr): one bar per filekey and one
// overall, each with bytes, speed and ETA. Used only on a TTY; otherwise nothing is drawn.
import cliProgress from 'cli-progress';
import type { DownloadEvents } from './download-filekey.ts';

function bytesText(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0 B';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  const i = Math.min(units.length - 1, Math.floor(Math.log(n) / Math.log(1024)));
  return `${(n / 1024 ** i).toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

interface BarState {
  bar: cliProgress.SingleBar;
  startedAt: number;
  startValue: number;
  value: number;
}

export interface ProgressReporter extends DownloadEvents {
  stop(): void;
}

/** Bars drawn with cli-progress; `log` lines are printed above the bars. */
export function createProgressBars(stream: NodeJS.WritableStream = process.stderr): ProgressReporter {
  const multi = new cliProgress.MultiBar(
    {
      stream,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 5,
      etaBuffer: 50,
      format: (options, params, payload: { label: string; speed: string; valueText: string; totalText: string }) => {
        const bar = cliProgress.Format.BarFormat(params.progress, options);
        const eta = Number.isFinite(params.eta) && params.eta > 0 ? cliProgress.Format.TimeFormat(params.eta, options, 1) : '--';
        return `${payload.label.padEnd(18)} ${bar} ${(params.progress * 100).toFixed(0).padStart(3)}% ${payload.valueText}/${payload.totalText} ${payload.speed} ETA ${eta}`;
      },
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, BarState>();
  const overallStart = Date.now();
  let overallValue = 0;
  let overallTotal = 0;
  const totals = new Map<string, number>();
  const overall = multi.create(1, 0, { label: 'overall', speed: '', valueText: '0 B', totalText: '?' });

  const payload = (label: string, value: number, total: number, startedAt: number, startValue: number) => {
    const secs = (Date.now() - startedAt) / 1000;
    const speed = secs > 0.2 ? `${bytesText((value - startValue) / secs)}/s` : '';
    return { label, speed, valueText: bytesText(value), totalText: total > 0 ? bytesText(total) : '?' };
  };

  return {
    onStart(dataset, filekey, total, from) {
      const id = `${dataset}/${filekey}`;
      const t = total ?? 0;
      overallTotal += t - (totals.get(id) ?? 0);
      totals.set(id, t);
      let st = bars.get(id);
      if (!st) {
        st = { bar: multi.create(Math.max(1, t), from, payload(id, from, t, Date.now(), from)), startedAt: Date.now(), startValue: from, value: from };
        bars.set(id, st);
      } else {
        overallValue += from - st.value;
        st.startedAt = Date.now();
        st.startValue = from;
        st.value = from;
      }
      st.bar.setTotal(Math.max(1, t));
      st.bar.update(from, payload(id, from, t, st.startedAt, from));
      overall.setTotal(Math.max(1, overallTotal));
    },
    onBytes(dataset, filekey, n) {
      const id = `${dataset}/${filekey}`;
      const st = bars.get(id);
      if (!st) return;
      st.value += n;
      overallValue += n;
      st.bar.update(st.value, payload(id, st.value, totals.get(id) ?? 0, st.startedAt, st.startValue));
      overall.update(overallValue, payload('overall', overallValue, overallTotal, overallStart, 0));
    },
    onRetry(dataset, filekey, error, attempt, delayMs) {
      multi.log(`${dataset}/${filekey}: ${error.message}; retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s\n`);
    },
    log(message) {
      multi.log(message + '\n');
    },
    stop() {
      multi.stop();
    },
  };
}

/** No bars (not a TTY, or --quiet): retries and notices as plain lines, unless quiet. */
export function createPlainReporter(quiet: boolean, stream: NodeJS.WritableStream = process.stderr): ProgressReporter {
  const write = (s: string) => {
    if (!quiet) stream.write(s + '\n');
  };
  return {
    onRetry(dataset, filekey, error, attempt, delayMs) {
      write(`${dataset}/${filekey}: ${error.message}; retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s`);
    },
    log: write,
    stop() {},
  };
}
