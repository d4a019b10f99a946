// Dataset: open a folder of WAVs + pipeline CSVs (or an embedding set), embed it
// in the encoder worker with progress, pause/resume (also after a reload),
// storage usage and quota, stored sets with export and delete.
import { LitElement, html } from 'lit';
import { sharedStyles } from '../components/shared-styles.ts';
import { I18nController, formatBytes, formatDuration, t } from '../i18n/i18n.ts';
import { AppStateController, downloadBlob, getSettings, notifyChanged, requestPersistence, storageInfo, store, type StorageInfo } from '../services/app-state.ts';
import { FolderReadError, folderFromFiles, folderFromHandle, type FolderSource } from '../services/folder.ts';
import { resumableJob, scanFolder, type ScanResult } from '../services/dataset-scan.ts';
import { EmbeddingJobRunner, JobBusyError, createDatasetJob, jobsRunningAnywhere, whenJobReleased, type JobProgress } from '../services/embed-job.ts';
import { exportSetZip, readSetFromFolder, readSetsFromZip, storeAll } from '../services/embedding-io.ts';
import { encoderChoice, loadEncoder } from '../services/workers.ts';
import type { StoredJob, StoredSetRecord } from '../store/store.ts';
import type { LoadProgress } from '../../core/encoder/worker-api.ts';
import { LABELS } from '../../core/config/labels.ts';
import { encoderMismatch, type EmbeddingManifest } from '../../core/encoder/embedding-set.ts';

/** Runners survive page switches (the job keeps going while the user looks at another page). */
const runners = new Map<string, EmbeddingJobRunner>();
const lastProgress = new Map<string, JobProgress>();
const folders = new Map<string, FolderSource>();
/** What an import says: each set stored, with its rows. */
const importedNotice = (recs: readonly StoredSetRecord[]): string => recs.map((rec) => t('dataset.imported', { name: rec.name, n: rec.count })).join(' ');

/** Sets whose start() is loading the encoder: a second click must not start a second runner. */
const starting = new Set<string>();
/** A job this tab is running or starting (elsewhere = held by another tab's lock). */
const busyHere = (setId: string): boolean => !!runners.get(setId)?.isRunning || starting.has(setId);
/**
 * The dataset page on screen. The app makes a new page element on each visit, while a job goes on
 * across visits: its progress, loading messages and errors go to the page shown now, not to the
 * one that started it (whose display froze when the user came back).
 */
let shownPage: DatasetPage | null = null;
/** A running job's progress re-renders the page at most this often (each render is a main-thread layout). */
const PROGRESS_RENDER_MS = 250;

export class DatasetPage extends LitElement {
  static override properties = {
    sets: { state: true },
    jobs: { state: true },
    storage: { state: true },
    scan: { state: true },
    folder: { state: true },
    setName: { state: true },
    busy: { state: true },
    error: { state: true },
    notice: { state: true },
    elsewhere: { state: true },
  };
  sets: StoredSetRecord[] = [];
  jobs: StoredJob[] = [];
  storage: StorageInfo | null = null;
  scan: ScanResult | null = null;
  folder: FolderSource | null = null;
  setName = '';
  busy = '';
  error = '';
  notice = '';
  /** Sets whose jobs run in another tab (their Web Lock is held there). */
  elsewhere = new Set<string>();
  /** Sets whose lock, held elsewhere, this page waits on. */
  private readonly watching = new Set<string>();
  private refreshSeq = 0;
  private readonly i18n = new I18nController(this);
  private readonly appState = new AppStateController(this, () => this.refresh());

  static override styles = [sharedStyles];

  override connectedCallback(): void {
    super.connectedCallback();
    shownPage = this;
  }

  override disconnectedCallback(): void {
    if (shownPage === this) shownPage = null;
    window.clearTimeout(this.progressTimer);
    this.progressTimer = 0;
    super.disconnectedCallback();
  }

  /** Where a job's messages show: the page on screen, else this one (kept for when it returns). */
  private get ui(): DatasetPage {
    return shownPage ?? this;
  }

  private async refresh() {
    // Refreshes overlap (this tab's changes, other tabs', a lock let go): only the latest started lands.
    const seq = ++this.refreshSeq;
    const s = await store();
    const [sets, jobs, storage, running] = await Promise.all([s.listSets(), s.listJobs(), storageInfo(), jobsRunningAnywhere().catch(() => new Set<string>())]);
    if (seq !== this.refreshSeq) return;
    [this.sets, this.jobs, this.storage] = [sets, jobs, storage];
    this.elsewhere = new Set([...running].filter((id) => !busyHere(id)));
    // A job held elsewhere is watched until its lock is let go: the other tab finished or closed,
    // or this page was reloaded and the lock of the page before had not been released yet.
    for (const id of this.elsewhere) {
      if (this.watching.has(id)) continue;
      this.watching.add(id);
      void whenJobReleased(id)
        .catch(() => undefined)
        .then(() => {
          this.watching.delete(id);
          if (this.isConnected) void this.refresh();
        });
    }
  }

  private async pickFolder() {
    const picker = (window as unknown as { showDirectoryPicker?: (o?: object) => Promise<FileSystemDirectoryHandle> }).showDirectoryPicker;
    if (!picker) {
      (this.renderRoot.querySelector('#folder-input') as HTMLInputElement).click();
      return;
    }
    try {
      const handle = await picker({ mode: 'read' });
      await this.openFolder(await folderFromHandle(handle));
    } catch (e) {
      if ((e as Error).name !== 'AbortError') this.error = (e as Error).message;
    }
  }

  private async onFolderInput(e: Event) {
    const input = e.target as HTMLInputElement;
    if (input.files?.length) await this.openFolder(folderFromFiles(input.files));
    input.value = '';
  }

  private async openFolder(folder: FolderSource) {
    this.error = '';
    this.notice = '';
    this.busy = t('dataset.scanning');
    try {
      const scan = await scanFolder(folder);
      if (scan.embeddingSets.length) {
        // A folder of sets (embeddings/ with train/ and test/, say): every one of them.
        // All checked before any is stored, and stored all or none.
        const sets = [];
        for (const { dir } of scan.embeddingSets) sets.push(await readSetFromFolder(folder, dir));
        this.notice = importedNotice(await storeAll(await store(), sets));
        this.scan = null;
        await this.refresh();
        return;
      }
      // A folder whose unfinished job exists: resume it with these files.
      const s = await store();
      const jobs = await s.listJobs();
      const match = resumableJob(jobs, folder.name, scan.items, (j) => !busyHere(j.setId) && !this.elsewhere.has(j.setId));
      if (match) {
        folders.set(match.setId, folder);
        this.notice = t('dataset.resuming', { name: folder.name });
        await this.refresh();
        void this.start(match.setId);
        return;
      }
      this.folder = folder;
      this.scan = scan;
      this.setName = folder.name;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.busy = '';
    }
  }

  private async onSetFile(e: Event) {
    const input = e.target as HTMLInputElement;
    const files = input.files ? Array.from(input.files) : [];
    input.value = '';
    this.error = '';
    try {
      const s = await store();
      // Every zip chosen, each with all the sets it holds, or the three files of one set: all
      // checked before any is stored, and stored all or none.
      const zips = files.filter((f) => f.name.toLowerCase().endsWith('.zip'));
      const sets = zips.length
        ? (await Promise.all(zips.map(readSetsFromZip))).flat()
        : [await readSetFromFolder(folderFromFiles(files), '', files[0]?.webkitRelativePath?.split('/')[0] || `embeddings · ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`)];
      this.notice = importedNotice(await storeAll(s, sets));
      await this.refresh();
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private async createJob() {
    if (!this.scan || !this.folder) return;
    this.error = '';
    this.busy = t('dataset.loadingEncoder');
    try {
      const settings = await getSettings();
      const enc = await loadEncoder(settings, await encoderChoice(settings), (p) => this.showLoad(p));
      const s = await store();
      const set = await createDatasetJob(s, this.setName.trim() || this.folder.name, this.folder, this.scan.items, enc);
      folders.set(set.id, this.folder);
      this.scan = null;
      this.folder = null;
      await this.refresh();
      void this.start(set.id);
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.busy = '';
    }
  }

  private async start(setId: string) {
    if (busyHere(setId)) return;
    starting.add(setId);
    this.ui.requestUpdate();
    try {
      await this.startJob(setId);
    } finally {
      starting.delete(setId);
      this.ui.requestUpdate();
    }
  }

  private async startJob(setId: string) {
    const s = await store();
    let folder = folders.get(setId);
    const job = await s.getJob(setId);
    this.ui.error = '';
    if (!folder && job?.handle) {
      // After a reload the folder handle needs the user's permission again (one click).
      const h = job.handle as FileSystemDirectoryHandle & { requestPermission?: (o: object) => Promise<PermissionState> };
      try {
        if ((await h.requestPermission?.({ mode: 'read' })) === 'granted') folder = await folderFromHandle(h);
      } catch (e) {
        // The folder moved or was deleted since: said on the page (it was an unhandled rejection).
        this.ui.error = t('dataset.folderUnreadable', { name: h.name || job.folderName, why: (e as Error).message });
        return;
      }
    }
    if (!folder) {
      this.ui.notice = t('dataset.reopenToResume', { name: job?.folderName ?? '' });
      return;
    }
    folders.set(setId, folder);
    try {
      const settings = await getSettings();
      this.ui.busy = t('dataset.loadingEncoder');
      const loaded = await loadEncoder(settings, await encoderChoice(settings), (p) => this.ui.showLoad(p));
      this.ui.busy = '';
      // One set, one encoder: rows from another model or dtype would be mixed in silently.
      const set = await s.getSet(setId);
      const why = set && encoderMismatch(set.manifest as unknown as EmbeddingManifest, loaded);
      if (why) {
        this.ui.error = t('dataset.encoderChanged', { name: set!.name, why });
        return;
      }
      const runner = new EmbeddingJobRunner(s, setId, folder, (p) => this.ui.onJobProgress(setId, p));
      runners.set(setId, runner);
      this.ui.requestUpdate();
      await runner.run();
    } catch (e) {
      this.ui.busy = '';
      // The folder cannot be read any more (moved, permission withdrawn): Resume opens it again
      // from its handle rather than reusing the stale listing.
      if (e instanceof FolderReadError) folders.delete(setId);
      const set = this.ui.sets.find((x) => x.id === setId);
      this.ui.error = e instanceof JobBusyError ? t('dataset.runningElsewhere', { name: set?.name ?? setId }) : (e as Error).message;
    } finally {
      await this.ui.refresh();
    }
  }

  private progressTimer = 0;
  private onJobProgress(setId: string, p: JobProgress) {
    lastProgress.set(setId, p);
    if (p.status !== 'running') {
      this.requestUpdate();
      void this.refresh();
      return;
    }
    if (this.progressTimer) return;
    this.progressTimer = window.setTimeout(() => {
      this.progressTimer = 0;
      this.requestUpdate();
    }, PROGRESS_RENDER_MS);
  }

  /** Model download progress while the encoder loads (bytes per file). */
  private showLoad(p: LoadProgress) {
    this.busy = `${t('dataset.loadingEncoder')} ${p.file} · ${p.status}${p.total ? ` · ${formatBytes(p.loaded)} / ${formatBytes(p.total)}` : ''}`;
  }

  private pause(setId: string) {
    runners.get(setId)?.pause();
  }

  private async exportSet(setId: string) {
    try {
      const { blob, fileName } = await exportSetZip(await store(), setId);
      downloadBlob(blob, fileName);
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  private async deleteSet(set: StoredSetRecord) {
    if (!confirm(t('dataset.confirmDelete', { name: set.name }))) return;
    // The job stops first: a batch finishing after the delete would write its job back.
    await runners.get(set.id)?.stop();
    runners.delete(set.id);
    lastProgress.delete(set.id);
    await (await store()).deleteSet(set.id);
    notifyChanged('sets');
  }

  private async persist() {
    await requestPersistence();
    this.storage = await storageInfo();
  }

  private renderStorage() {
    const st = this.storage;
    if (!st) return '';
    const frac = st.quota ? st.usage / st.quota : 0;
    return html`<section class="card" id="storage">
      <h3>${t('dataset.storage')}</h3>
      <p>${t('dataset.usage', { used: formatBytes(st.usage), quota: formatBytes(st.quota), pct: (frac * 100).toFixed(1) })}</p>
      <progress max="1" value=${frac}></progress>
      <div class="row">
        <span class="muted">${st.persisted ? t('dataset.persisted') : t('dataset.notPersisted')}</span>
        ${st.persisted ? '' : html`<button class="secondary" @click=${this.persist}>${t('dataset.askPersist')}</button>`}
      </div>
    </section>`;
  }

  private renderScan() {
    const sc = this.scan;
    if (!sc) return '';
    return html`<section class="card" id="scan">
      <h3>${t('dataset.found', { folder: this.folder?.name ?? '' })}</h3>
      <p>${t('dataset.scanSummary', { csvs: sc.csvs.length, rows: sc.items.length })}</p>
      ${sc.csvs.length === 0 ? html`<p class="error" role="alert" id="no-csv">${t('dataset.noCsv')}</p>` : ''}
      <div class="table-wrap"><table>
        <thead><tr><th>${t('common.dialect')}</th><th class="num">${t('dataset.rows')}</th></tr></thead>
        <tbody>${LABELS.map((l) => html`<tr><td>${l.korean} <small class="muted">${l.romanized}</small></td><td class="num">${sc.counts[l.label] ?? 0}</td></tr>`)}</tbody>
      </table></div>
      ${sc.problems.length
        ? html`<details><summary>${t('dataset.problems', { n: sc.problems.length })}</summary><pre class="log">${sc.problems.slice(0, 200).join('\n')}</pre></details>`
        : ''}
      <div class="row" style="margin-top:0.6rem">
        <label>${t('dataset.setName')}<input id="set-name" .value=${this.setName} @input=${(e: Event) => (this.setName = (e.target as HTMLInputElement).value)} /></label>
        <button id="start-embedding" ?disabled=${!sc.items.length || !!this.busy} @click=${this.createJob}>${t('dataset.embed')}</button>
        <button class="secondary" @click=${() => ((this.scan = null), (this.folder = null))}>${t('common.cancel')}</button>
      </div>
    </section>`;
  }

  private renderJob(job: StoredJob) {
    const runner = runners.get(job.setId);
    const running = !!runner?.isRunning;
    const p = lastProgress.get(job.setId);
    const set = this.sets.find((s) => s.id === job.setId);
    const done = p?.done ?? set?.count ?? 0;
    const stored = p?.stored ?? set?.count ?? 0;
    const total = job.items.length;
    const status = running ? 'running' : this.elsewhere.has(job.setId) ? 'elsewhere' : job.status === 'running' ? 'interrupted' : job.status;
    return html`<div class="job" data-set=${job.setId} data-status=${status} data-done=${done} data-stored=${stored} data-total=${total}>
      <div class="row"><b>${set?.name ?? job.folderName}</b>
        <span class="muted status">${t(`dataset.status.${status}` as 'dataset.status.running')}</span></div>
      <progress max=${total || 1} value=${done}></progress>
      <div class="muted">${t('dataset.progress', {
        done,
        total,
        audio: formatDuration(p?.secondsDone ?? 0),
        eta: p && Number.isFinite(p.eta) && running ? formatDuration(p.eta) : '–',
        rejected: p?.rejected ?? job.rejects.length,
      })}</div>
      ${job.message ? html`<p class="error" role="alert">${job.message}</p>` : ''}
      ${job.rejects.length ? html`<details><summary>${t('dataset.rejects', { n: job.rejects.length })}</summary><pre class="log">${job.rejects.map((r) => `${r.id}: ${r.reason}`).join('\n')}</pre></details>` : ''}
      <div class="row">
        ${running
          ? html`<button class="secondary pause" @click=${() => this.pause(job.setId)}>${t('dataset.pause')}</button>`
          : job.status !== 'done' && status !== 'elsewhere'
            ? html`<button class="resume" ?disabled=${starting.has(job.setId)} @click=${() => this.start(job.setId)}>${t('dataset.resume')}</button>`
            : ''}
      </div>
    </div>`;
  }

  /** The files a finished job skipped, with the reason: kept in view after the job card is gone. */
  private renderSetRejects(setId: string) {
    const job = this.jobs.find((j) => j.setId === setId && j.status === 'done');
    if (!job?.rejects.length) return '';
    return html`<details class="set-rejects"><summary>${t('dataset.rejects', { n: job.rejects.length })}</summary><pre class="log">${job.rejects.map((r) => `${r.id}: ${r.reason}`).join('\n')}</pre></details>`;
  }

  override render() {
    void this.i18n;
    const activeJobs = this.jobs.filter((j) => j.status !== 'done' || runners.get(j.setId)?.isRunning);
    return html`
      <h2>${t('dataset.title')}</h2>
      <p class="muted">${t('dataset.intro')}</p>
      <section class="card">
        <div class="row">
          <button id="open-folder" @click=${this.pickFolder}>${t('dataset.openFolder')}</button>
          <label class="button secondary">${t('dataset.openFolderInput')}
            <input id="folder-input" class="visually-hidden" type="file" webkitdirectory multiple @change=${this.onFolderInput} />
          </label>
          <label class="button secondary">${t('dataset.importSet')}
            <input id="set-input" class="visually-hidden" type="file" accept=".zip,.json,.jsonl,.f32" multiple @change=${this.onSetFile} />
          </label>
        </div>
        ${this.busy ? html`<p class="muted" aria-live="polite">${this.busy}</p>` : ''}
        ${this.notice ? html`<p class="ok" id="notice" aria-live="polite">${this.notice}</p>` : ''}
        ${this.error ? html`<p class="error" role="alert" id="error">${this.error}</p>` : ''}
      </section>
      ${this.renderScan()}
      ${activeJobs.length ? html`<section class="card" id="jobs"><h3>${t('dataset.jobs')}</h3>${activeJobs.map((j) => this.renderJob(j))}</section>` : ''}
      <section class="card" id="sets">
        <h3>${t('dataset.sets')}</h3>
        ${this.sets.length
          ? html`<div class="table-wrap"><table class="stack">
              <thead><tr><th>${t('common.name')}</th><th class="num">${t('dataset.rows')}</th><th class="num">dim</th><th>${t('dataset.encoder')}</th><th></th></tr></thead>
              <tbody>${this.sets.map(
                (s) => html`<tr class="set-row" data-set=${s.id} data-count=${s.count}>
                  <td><b>${s.name}</b>${this.renderSetRejects(s.id)}</td><td class="num" data-label=${t('dataset.rows')}>${s.count}</td><td class="num" data-label="dim">${s.dim}</td>
                  <td class="muted" data-label=${t('dataset.encoder')}>${String((s.manifest.encoder as { id?: string } | undefined)?.id ?? '').split('/').slice(-3).join('/')} · ${String(s.manifest.dtype ?? '')}</td>
                  <td class="actions"><div class="row"><button class="secondary export" @click=${() => this.exportSet(s.id)}>${t('common.export')}</button>
                  <button class="danger delete" @click=${() => this.deleteSet(s)}>${t('common.delete')}</button></div></td></tr>`,
              )}</tbody></table></div>`
          : html`<p class="muted">${t('dataset.noSets')}</p>`}
      </section>
      ${this.renderStorage()}
    `;
  }
}
customElements.define('dataset-page', DatasetPage);
