// Drives the built app in headless Chromium: build it like `npm run build`,
// record main-thread long tasks, wait inside the pages' shadow roots, pick the
// tiny model, embed a dataset folder, train a head. Shared by the flow test
// (tests/browser/app-flows.test.ts) and `npm run bench:app`.
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.ts';

export interface LongTask {
  start: number;
  duration: number;
  /** Start as epoch ms (timeOrigin + start): comparable across reloads and with a trace. */
  epoch: number;
}

/** Long tasks (> 50 ms, the browser's own definition) of the current document, recorded from the first script on. */
export const LONGTASK_SCRIPT = `
  window.__longtasks = [];
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, duration: e.duration, epoch: performance.timeOrigin + e.startTime }); })
      .observe({ type: 'longtask', buffered: true });
  } catch {}
`;

export async function longTasksSince(page: Page, since: number): Promise<LongTask[]> {
  return page.evaluate((t0) => (window as unknown as { __longtasks: LongTask[] }).__longtasks.filter((e) => e.start >= t0), since);
}

export const pageNow = (page: Page): Promise<number> => page.evaluate(() => performance.now());

export function summarize(tasks: LongTask[]): { count: number; longest: number } {
  return { count: tasks.length, longest: Math.round(Math.max(0, ...tasks.map((e) => e.duration))) };
}

/** Builds the app into `outDir` exactly as `npm run build` does (test runners set NODE_ENV=test, which would make a dev-mode bundle). */
export async function buildApp(outDir: string, opts: { minify?: boolean } = {}): Promise<void> {
  const env = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: repoRoot,
      configFile: join(repoRoot, 'vite.config.ts'),
      mode: 'production',
      logLevel: 'error',
      build: { outDir, emptyOutDir: true, ...(opts.minify === false ? { minify: false } : {}) },
    });
  } finally {
    process.env.NODE_ENV = env;
  }
}

/**
 * Waits until `selector` matches inside `host`'s shadow root. The check runs in the
 * page from its own timer every 500 ms and the page resolves one promise: Playwright's
 * waitForFunction poller showed up in traces as main-thread tasks of 50–1250 ms on
 * the loaded machine, counted against the page being measured for long tasks.
 */
export async function waitInShadow(page: Page, host: string, selector: string, timeout = 180_000): Promise<void> {
  await page.evaluate(
    ([h, sel, limit]) =>
      new Promise<void>((resolve, reject) => {
        // (No named functions in here: tsx would wrap them in a helper the page lacks.)
        const t0 = performance.now();
        const timer = setInterval(() => {
          const found = !!document.querySelector('saturi-app')?.shadowRoot?.querySelector(h)?.shadowRoot?.querySelector(sel);
          if (found || performance.now() - t0 > limit) {
            clearInterval(timer);
            if (found) resolve();
            else reject(new Error(`${h} ${sel} did not appear within ${limit} ms`));
          }
        }, 500);
      }),
    [host, selector, timeout] as const,
  );
}

export async function attrInShadow(page: Page, host: string, selector: string, attr: string): Promise<string | null> {
  return page.evaluate(
    ([h, sel, a]) => document.querySelector('saturi-app')?.shadowRoot?.querySelector(h)?.shadowRoot?.querySelector(sel)?.getAttribute(a) ?? null,
    [host, selector, attr] as const,
  );
}

export async function goto(page: Page, base: string, route: string): Promise<void> {
  await page.goto(`${base}/#/${route}`);
  await page.locator(`${route}-page`).waitFor();
}

/** Chooses the tiny encoder served by the site on the settings page. */
export async function useTinyModel(page: Page, base: string): Promise<void> {
  await goto(page, base, 'settings');
  await page.locator('settings-page input[name="source"][value="tiny"]').check();
  await page.locator('#tiny-status').filter({ hasText: /served by this site|이 사이트에 있음/ }).waitFor({ timeout: 30_000 });
}

/** Opens a dataset folder on the dataset page and waits for its scan. */
export async function openDatasetFolder(page: Page, folder: string): Promise<void> {
  await page.locator('dataset-page #folder-input').setInputFiles(folder);
  await page.locator('dataset-page #scan').waitFor();
}

/** Head config of the flow test and the bench: a small head the tones dataset trains in ~60 epochs. */
export const SMALL_TRAINING: Record<string, string> = {
  learning_rate: '0.02',
  warmup_steps: '5',
  num_train_epochs: '60',
  per_device_train_batch_size: '8',
  eval_steps: '25',
  logging_steps: '5',
  classifier_proj_size: '32',
};

/** Fills the train page's form (the page must be open). */
export async function fillTrainForm(page: Page, values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) {
    const input = page.locator(`train-page [name="${name}"]`);
    await input.fill(value);
    await input.dispatchEvent('change');
  }
}
