// The built app in headless Chromium (WebGPU on SwiftShader, tiny encoder,
// generated tones dataset): embed a dataset folder (with a reload and resume
// mid-way, as in the flow test), then train a head, and print the main-thread
// tasks over 50 ms (PerformanceObserver 'longtask') seen while embedding and
// while training: how many and the longest.
//
// SATURI_TRACE=1 also records a Chrome trace per phase (unminified build; kept as
// $TMPDIR/saturi-trace-<phase>.json) and prints what the main thread did inside
// each task over SATURI_TRACE_MS (default 50): self time by trace event and the
// sampled JS functions; `*` marks the tasks the PerformanceObserver reported.
// Tracing slows the page down: compare counts only between untraced runs.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, startPreviewServer } from '../tests/helpers/browser.ts';
import { tempDir } from '../tests/helpers/paths.ts';
import { writeDatasetFolder } from '../tests/browser/app-data.ts';
import {
  LONGTASK_SCRIPT,
  SMALL_TRAINING,
  buildApp,
  fillTrainForm,
  goto,
  longTasksSince,
  openDatasetFolder,
  pageNow,
  summarize,
  useTinyModel,
  waitInShadow,
  type LongTask,
} from '../tests/browser/app-driver.ts';

const TRACE = process.env.SATURI_TRACE === '1';
/** Tasks at least this long are explained in the trace (SATURI_TRACE_MS, default 50). */
const TRACE_MS = Number(process.env.SATURI_TRACE_MS ?? 50);
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: { functionName?: string; url?: string; type?: string; lineNumber?: number } };
}

interface ProfileNode {
  id: number;
  parent?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** CPU profiler samples (trace category disabled-by-default-v8.cpu_profiler) per "pid:tid": time and the sampled leaf function. */
function profileSamples(events: TraceEvent[]): Map<string, { ts: number; fn: string }[]> {
  type P = TraceEvent & { id?: string; args?: { data?: { startTime?: number; cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] }; timeDeltas?: number[] } } };
  const profiles = new Map<string, { thread: string; t: number; nodes: Map<number, string>; out: { ts: number; fn: string }[] }>();
  for (const e of events as P[]) {
    if (e.name === 'Profile' && e.id !== undefined) profiles.set(`${e.pid}:${e.id}`, { thread: `${e.pid}:${e.tid}`, t: e.args?.data?.startTime ?? e.ts, nodes: new Map(), out: [] });
  }
  for (const e of events as P[]) {
    if (e.name !== 'ProfileChunk' || e.id === undefined) continue;
    const p = profiles.get(`${e.pid}:${e.id}`);
    if (!p) continue;
    const d = e.args?.data;
    for (const n of d?.cpuProfile?.nodes ?? []) {
      const f = n.callFrame;
      p.nodes.set(n.id, `${f.functionName || '(anonymous)'}@${(f.url ?? '').split('/').pop() ?? ''}:${(f.lineNumber ?? -1) + 1}`);
    }
    const ids = d?.cpuProfile?.samples ?? [];
    const deltas = d?.timeDeltas ?? [];
    for (let i = 0; i < ids.length; i++) {
      p.t += deltas[i] ?? 0;
      p.out.push({ ts: p.t, fn: p.nodes.get(ids[i]) ?? String(ids[i]) });
    }
  }
  const result = new Map<string, { ts: number; fn: string }[]>();
  for (const p of profiles.values()) result.set(p.thread, [...(result.get(p.thread) ?? []), ...p.out].filter((s) => !s.fn.startsWith('(idle)') && !s.fn.startsWith('(program)')));
  return result;
}

/** What the renderer main thread did inside each task over TRACE_MS: self time by event (and JS function); `*` marks the tasks the page's PerformanceObserver reported. */
function explainLongTasks(events: TraceEvent[], label: string, observed: LongTask[], sync: { epoch: number }): void {
  // The sync mark's trace time ↔ its epoch time maps observed tasks onto the trace.
  const mark = events.find((e) => e.name === 'saturi-sync');
  const toTrace = (epochMs: number) => (mark ? mark.ts + (epochMs - sync.epoch) * 1000 : NaN);
  const observedAt = observed.map((o) => toTrace(o.epoch));
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined) continue;
    const k = `${e.pid}:${e.tid}`;
    if (!mains.has(k)) continue;
    if (!byThread.has(k)) byThread.set(k, []);
    byThread.get(k)!.push(e);
  }
  const samples = profileSamples(events);
  let t0 = Infinity;
  for (const e of events) if (e.ts > 0 && e.ts < t0) t0 = e.ts;
  const totals = new Map<string, number>();
  const jsTotals = new Map<string, number>();
  let count = 0;
  for (const [thread, list] of byThread) {
    list.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    let after = -Infinity;
    for (let i = 0; i < list.length; i++) {
      const task = list[i];
      if (task.name !== 'ThreadControllerImpl::RunTask' && task.name !== 'RunTask') continue;
      if (task.dur! < TRACE_MS * 1000 || task.ts < after) continue;
      after = task.ts + task.dur!;
      count++;
      const end = task.ts + task.dur!;
      const seen = observedAt.some((t) => t >= task.ts - 2000 && t <= end);
      // Self time of every event nested in the task (stack of open events).
      const self = new Map<string, number>();
      const stack: { e: TraceEvent; key: string; child: number }[] = [];
      const close = (until: number) => {
        while (stack.length && stack.at(-1)!.e.ts + stack.at(-1)!.e.dur! <= until) {
          const top = stack.pop()!;
          self.set(top.key, (self.get(top.key) ?? 0) + top.e.dur! - top.child);
          if (stack.length) stack.at(-1)!.child += top.e.dur!;
        }
      };
      for (let j = i; j < list.length && list[j].ts < end; j++) {
        const e = list[j];
        close(e.ts);
        const d = e.args?.data;
        const fn = d?.functionName || (d?.url ? `${d.url.split('/').pop()}:${d.lineNumber ?? ''}` : '') || d?.type || '';
        stack.push({ e, key: fn ? `${e.name}(${fn})` : e.name, child: 0 });
      }
      close(Infinity);
      const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
      for (const [k, v] of self) totals.set(k, (totals.get(k) ?? 0) + v);
      // JS functions sampled inside the task (self samples, 0.1 ms sampling interval).
      const js = new Map<string, number>();
      for (const s of samples.get(thread) ?? []) if (s.ts >= task.ts && s.ts < end) js.set(s.fn, (js.get(s.fn) ?? 0) + 1);
      for (const [k, v] of js) jsTotals.set(k, (jsTotals.get(k) ?? 0) + v);
      const jsTop = [...js.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
      console.log(
        `${seen ? '* ' : '  '}${label} task ${(task.dur! / 1000).toFixed(0)} ms at +${((task.ts - t0) / 1e6).toFixed(1)} s: ${top.map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}` +
          (jsTop.length ? `\n      JS samples: ${jsTop.map(([k, v]) => `${k} ×${v}`).join(', ')}` : ''),
      );
    }
  }
  const top = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
  console.log(`  ${label}: ${count} traced tasks over ${TRACE_MS} ms; self time summed over them (ms): ${top.map(([k, v]) => `${k} ${(v / 1000).toFixed(0)}`).join(', ')}`);
  const jsTop = [...jsTotals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
  console.log(`  ${label}: JS self samples summed over them: ${jsTop.map(([k, v]) => `${k} ×${v}`).join(', ')}`);
}

const out = tempDir('saturi-bench-app-');
const data = tempDir('saturi-bench-app-data-');
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average before: ${load()}`);
await buildApp(out.dir, { minify: !TRACE });
const server = await startPreviewServer(out.dir);
const browser = await launchChromium();
try {
  const dataset = writeDatasetFolder(data.dir, 'tones', { trainPerClass: 12, devPerClass: 5, seconds: 1.5 });
  const context = await browser.newContext();
  await context.addInitScript(LONGTASK_SCRIPT);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  const base = server.url;
  console.log(`Chromium ${browser.version()}; dataset: ${dataset.rows} generated clips of ~1.5 s (6 classes), tiny encoder`);

  /** Runs one phase; waitDone returns the long tasks itself when the page reloads on the way (the observer restarts). */
  const phase = async (label: string, startIt: () => Promise<void>, waitDone: (t0: number) => Promise<LongTask[] | void>): Promise<LongTask[]> => {
    if (TRACE) {
      await browser.startTracing(page, {
        categories: ['blink.user_timing', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'disabled-by-default-v8.gc', 'disabled-by-default-v8.cpu_profiler', 'blink', 'toplevel'],
      });
    }
    const t0 = await pageNow(page);
    const sync = await page.evaluate(() => ({ epoch: performance.timeOrigin + performance.mark('saturi-sync').startTime }));
    const w0 = performance.now();
    await startIt();
    const tasks = (await waitDone(t0)) ?? (await longTasksSince(page, t0));
    const s = summarize(tasks);
    const sorted = tasks.map((e) => Math.round(e.duration)).sort((a, b) => b - a);
    console.log(
      `${label}: ${((performance.now() - w0) / 1000).toFixed(1)} s; main-thread tasks over 50 ms: ${s.count}, longest ${s.longest} ms` +
        (sorted.length ? ` (all, ms: ${sorted.join(' ')})` : ''),
    );
    if (TRACE) {
      const buf = await browser.stopTracing();
      writeFileSync(join(tmpdir(), `saturi-trace-${label}.json`), buf);
      explainLongTasks((JSON.parse(buf.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents, label, tasks, sync);
    }
    return tasks;
  };

  await useTinyModel(page, base);
  await goto(page, base, 'dataset');
  await openDatasetFolder(page, dataset.folder);
  // Embedding as in the flow test: start, reload once some rows are stored, reopen the folder (the job resumes).
  const embedding = await phase(
    'embedding',
    () => page.locator('dataset-page #start-embedding').click(),
    async (t0) => {
      await page.waitForFunction(() => Number(document.querySelector('saturi-app')?.shadowRoot?.querySelector('dataset-page')?.shadowRoot?.querySelector('.job')?.getAttribute('data-stored') ?? 0) >= 4, undefined, { polling: 200, timeout: 300_000 });
      const before = await longTasksSince(page, t0);
      await page.reload();
      await page.locator('dataset-page .job[data-status="interrupted"]').waitFor();
      // Measured from when the reopened folder's files are set (as the flow test does): handing
      // Playwright's 100+ files to the input is the test driver's work, not the app's.
      await page.locator('dataset-page #folder-input').setInputFiles(dataset.folder);
      const t1 = await pageNow(page);
      await waitInShadow(page, 'dataset-page', `.set-row[data-count="${dataset.rows}"]`, 600_000);
      return [...before, ...(await longTasksSince(page, t1))];
    },
  );
  await goto(page, base, 'train');
  await fillTrainForm(page, SMALL_TRAINING);
  const training = await phase(
    'training',
    () => page.locator('train-page #start').click(),
    () => waitInShadow(page, 'train-page', '#run-detail[data-status="done"]', 600_000),
  );
  const e = summarize(embedding);
  const t = summarize(training);
  console.log(`summary: tasks over 50 ms while embedding ${e.count} (longest ${e.longest} ms), while training ${t.count} (longest ${t.longest} ms); load average after: ${load()}`);
} finally {
  await browser.close();
  await server.close();
  out.cleanup();
  data.cleanup();
}
