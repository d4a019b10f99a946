// Classify: record or open a file → 16 kHz mono (off the main thread) → its
// waveform, where a region can be selected (the whole recording at first) →
// encoder windows of 20 s over the selection → active head → probabilities
// (bar chart; timeline when longer).
import { LitElement, html } from 'lit';
import { proxy, transfer } from 'comlink';
import { sharedStyles } from '../components/shared-styles.ts';
import '../components/prob-bars.ts';
import '../components/waveform-select.ts';
import type { Region, WaveformSelect } from '../components/waveform-select.ts';
import { I18nController, formatBytes, formatClock, formatDuration, t } from '../i18n/i18n.ts';
import { waveformMessages } from '../i18n/component-messages.ts';
import { decodeTo16k } from '../services/audio.ts';
import { AppStateController, getSettings, saveSettings } from '../services/app-state.ts';
import { activeHead, predict } from '../services/heads.ts';
import { encoderDownloadPlan, encoderHiddenSize, planTotal, type PlannedFile } from '../services/download-plan.ts';
import { modelSource, type AppSettings, type ResolvedEncoder } from '../services/settings.ts';
import { encoderChoice, encoderWorker, isEncoderLoaded, loadEncoder } from '../services/workers.ts';
import { importPretrainedHead } from '../services/pretrained.ts';
import type { StoredHead } from '../store/store.ts';
import type { EmbedProgress, LoadProgress } from '../../core/encoder/worker-api.ts';
import { newAudioWeights, weightedMean } from '../../core/encoder/window-weights.ts';
import { NUM_LABELS } from '../../core/config/labels.ts';
import { trainedEncoderDifferences } from '../../core/head/trained-encoder.ts';

export const WINDOW_SECONDS = 20;

const dimMismatch = (head: StoredHead, dim: number): Error => new Error(t('classify.dimMismatch', { head: head.name, headDim: head.head.spec.inputDim, dim }));

/** What marks an accepted first-use download: the model with its revision (a new revision is a new download), and the dtype. */
function acceptedKey(s: AppSettings, choice: ResolvedEncoder): string {
  const src = modelSource(s);
  // 'main' keeps the key it had before revisions counted, so earlier acceptances stand.
  const rev = typeof src === 'string' ? 'main' : (src.revision ?? 'main');
  return `${typeof src === 'string' ? src : src.id}${rev === 'main' ? '' : `@${rev}`}|${choice.dtype}`;
}

/** Region times to the hundredth of a second (formatDuration rounds to whole seconds). */
const secs = (x: number) => `${x.toFixed(2)} s`;

interface WindowResult {
  start: number;
  end: number;
  probs: Float32Array;
}

type Phase = 'idle' | 'plan' | 'loading' | 'decoding' | 'embedding' | 'done' | 'error';

export class ClassifyPage extends LitElement {
  static override properties = {
    phase: { state: true },
    error: { state: true },
    head: { state: true },
    resultHead: { state: true },
    plan: { state: true },
    progress: { state: true },
    windows: { state: true },
    aggregate: { state: true },
    duration: { state: true },
    fileName: { state: true },
    recording: { state: true },
    backendNote: { state: true },
    importing: { state: true },
    samples: { state: true },
    region: { state: true },
    classified: { state: true },
    embedProgress: { state: true },
    notice: { state: true },
    importWarning: { state: true },
    encoderWarning: { state: true },
  };
  phase: Phase = 'idle';
  error = '';
  head: StoredHead | undefined | null = null;
  /** The head the shown result came from (the active head may change while it is shown). */
  resultHead = '';
  /** A classification is being started or run: a second click waits for it instead of starting another. */
  private classifying = false;
  plan: PlannedFile[] = [];
  progress = new Map<string, LoadProgress>();
  windows: WindowResult[] = [];
  aggregate: Float32Array | null = null;
  duration = 0;
  fileName = '';
  recording = false;
  backendNote = '';
  importing = '';
  /** The opened recording at 16 kHz (shown as a waveform; a copy of the selection goes to the encoder). */
  samples: Float32Array | null = null;
  /** The selected region in seconds (the whole recording until the user selects). */
  region: Region = { start: 0, end: 0 };
  /** The region the shown result belongs to. */
  classified: Region = { start: 0, end: 0 };
  /** Windows embedded so far in the running classification. */
  embedProgress: { done: number; total: number } | null = null;
  /** A short status line (a cancelled classification). */
  notice = '';
  /** What the pretrained head's import warned of (as the CLI prints it), until the next import. */
  importWarning = '';
  /** The head of the shown result was trained on embeddings of another encoder or dtype than the loaded one. */
  encoderWarning = '';
  private pending: Float32Array | null = null;
  private recorder: MediaRecorder | null = null;
  private stream: MediaStream | null = null;
  /** getUserMedia is pending (a permission prompt may be up): a second click must not open a second stream. */
  private recordStarting = false;
  /** The encoder worker call of the running classification: Cancel and leaving the page stop it by this id. */
  private callId: string | null = null;
  private readonly i18n = new I18nController(this);
  private readonly appState = new AppStateController(this, () => this.refresh());

  static override styles = [sharedStyles];

  private async refresh() {
    this.head = (await activeHead()) ?? undefined;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // Leaving the page ends what it started: the microphone goes off (the recording is dropped),
    // and the encoder stops this page's call instead of running it for nobody, ahead of other pages' work.
    this.stopMicrophone();
    if (this.callId) void encoderWorker().cancel(this.callId);
  }

  private stopMicrophone() {
    if (this.recorder) {
      this.recorder.onstop = null;
      if (this.recorder.state !== 'inactive') this.recorder.stop();
    }
    this.stream?.getTracks().forEach((tr) => tr.stop());
    this.recorder = null;
    this.stream = null;
    this.recording = false;
  }


  /** Entry point for a file or a recording: decode it, show its waveform, classify all of it. */
  private async open(blob: Blob, name: string) {
    this.error = '';
    this.notice = '';
    this.fileName = name;
    this.windows = [];
    this.aggregate = null;
    this.samples = null;
    this.phase = 'decoding';
    try {
      const samples = await decodeTo16k(blob, name);
      this.samples = samples;
      this.duration = samples.length / 16000;
      this.region = { start: 0, end: this.duration };
      this.phase = 'idle';
    } catch (e) {
      this.fail(e);
      return;
    }
    await this.classify();
  }

  /** "Classify selection": the selected samples (a copy: the encoder worker takes ownership of what it gets). */
  private selection(): { samples: Float32Array; region: Region } | null {
    if (!this.samples) return null;
    const el = this.renderRoot.querySelector<WaveformSelect>('waveform-select');
    const region = el ? el.region : { start: 0, end: this.samples.length / 16000 };
    const view = el ? el.selectedSamples() : this.samples;
    return { samples: view.slice(), region };
  }

  private async classify() {
    if (this.classifying) return;
    this.classifying = true;
    try {
      await this.classifyNow();
    } finally {
      this.classifying = false;
    }
  }

  private async classifyNow() {
    const sel = this.selection();
    if (!sel) return;
    this.error = '';
    this.notice = '';
    this.encoderWarning = '';
    this.windows = [];
    this.aggregate = null;
    try {
      if (sel.samples.length < 16000 * 0.1) throw new Error(t('classify.tooShort', { name: this.fileName }));
      const head = await activeHead();
      this.head = head;
      if (!head) throw new Error(t('classify.noHead'));
      this.resultHead = head.name;
      const s = await getSettings();
      const choice = await encoderChoice(s);
      if (!isEncoderLoaded(s, choice)) {
        // Before anything large moves: a head that does not fit this encoder is refused, and a
        // first use of the encoder shows what will be downloaded.
        const dim = await encoderHiddenSize(s);
        if (dim !== null && dim !== head.head.spec.inputDim) throw dimMismatch(head, dim);
        const plan = s.acceptedDownloads.includes(acceptedKey(s, choice)) ? [] : await encoderDownloadPlan(s, choice.dtype);
        // Everything already in the browser's cache: nothing to ask.
        if (!plan.every((f) => f.cached)) {
          this.pending = sel.samples;
          this.classified = sel.region;
          this.plan = plan;
          this.phase = 'plan';
          return;
        }
      }
      this.classified = sel.region;
      await this.run(sel.samples, head, s, choice);
    } catch (e) {
      this.fail(e);
    }
  }

  private async acceptPlan() {
    const s = await getSettings();
    const choice = await encoderChoice(s);
    const next = await saveSettings({ acceptedDownloads: [...s.acceptedDownloads, acceptedKey(s, choice)] });
    const p = this.pending;
    this.pending = null;
    if (!p) return;
    try {
      const head = await activeHead();
      if (!head) throw new Error(t('classify.noHead'));
      await this.run(p, head, next, choice);
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown) {
    this.phase = 'error';
    this.error = e instanceof Error ? e.message : String(e);
  }

  private async run(samples: Float32Array, head: StoredHead, s: AppSettings, choice: ResolvedEncoder) {
    this.phase = 'loading';
    this.progress = new Map();
    const loaded = await loadEncoder(s, choice, (p) => {
      this.progress.set(p.file, p);
      this.requestUpdate('progress');
    });
    this.backendNote = `${loaded.modelId} · ${loaded.dtype} · ${loaded.backend}${loaded.notes.length ? ` (${loaded.notes.join('; ')})` : ''}`;
    if (loaded.dim !== head.head.spec.inputDim) throw dimMismatch(head, loaded.dim);
    // Same size, another encoder or dtype (a head trained on q8 embeddings, say): used, and said,
    // as Evaluate and Train say it (one rule: trainedEncoderDifferences).
    const diffs = head.encoder ? trainedEncoderDifferences(head.encoder, { id: loaded.modelId, revision: loaded.revision, dtype: loaded.dtype }) : [];
    this.encoderWarning = diffs.length ? t('classify.otherEncoder', { head: head.name, why: diffs.join(', ') }) : '';
    // Left while the model loaded: nobody is waiting for this recording.
    if (!this.isConnected) return;
    this.phase = 'embedding';
    this.embedProgress = null;
    const callId = (this.callId = crypto.randomUUID());
    let results;
    try {
      results = await encoderWorker().embed(
        transfer([{ id: 'input', samples }], [samples.buffer]),
        { mode: 'windows', windowSeconds: WINDOW_SECONDS, maxLengthSeconds: WINDOW_SECONDS, overlapSeconds: 0 },
        proxy((p: EmbedProgress) => (this.embedProgress = { done: p.done, total: p.total })),
        undefined,
        callId,
      );
    } catch (e) {
      if ((e as Error).name !== 'AbortError') throw e;
      this.phase = 'idle';
      this.notice = t('classify.cancelled');
      return;
    } finally {
      if (this.callId === callId) this.callId = null;
    }
    const dim = loaded.dim;
    const vectors = new Float32Array(results.length * dim);
    results.forEach((r, i) => vectors.set(r.embedding, i * dim));
    const probs = await predict(head, vectors);
    this.windows = results.map((r, i) => ({ start: r.start, end: r.end, probs: probs.slice(i * NUM_LABELS, (i + 1) * NUM_LABELS) }));
    this.aggregate = weightedMean(probs, newAudioWeights(results), NUM_LABELS);
    this.phase = 'done';
  }

  private onFile(e: Event) {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) void this.open(file, file.name);
  }

  private async toggleRecord() {
    if (this.recorder) {
      this.recorder.stop();
      return;
    }
    if (this.recordStarting) return;
    this.recordStarting = true;
    let stream: MediaStream | undefined;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false } });
      // The page was left while the permission prompt was up: nobody will press Stop.
      if (!this.isConnected) {
        stream.getTracks().forEach((tr) => tr.stop());
        return;
      }
      const rec = new MediaRecorder(stream);
      const parts: Blob[] = [];
      rec.ondataavailable = (ev) => parts.push(ev.data);
      rec.onstop = () => {
        this.stopMicrophone();
        void this.open(new Blob(parts, { type: rec.mimeType }), t('classify.recordingName'));
      };
      rec.start();
      this.stream = stream;
      this.recorder = rec;
      this.recording = true;
      this.error = '';
    } catch (e) {
      // A recorder that would not start (no supported format, …) leaves the microphone on unless told.
      if (stream && !this.recorder) stream.getTracks().forEach((tr) => tr.stop());
      this.fail(new Error(t('classify.micError', { reason: (e as Error).message })));
    } finally {
      this.recordStarting = false;
    }
  }

  private async importPretrained() {
    // A second press while the first import runs would store the head twice.
    if (this.importing) return;
    this.importing = t('classify.importingHead');
    this.error = '';
    this.importWarning = '';
    try {
      const { warnings } = await importPretrainedHead((msg) => (this.importing = msg));
      await this.refresh();
      // What the CLI would print (an encoder that was not frozen, …): the head is used all the same.
      this.importWarning = warnings.join(' ');
    } catch (e) {
      this.fail(e);
    } finally {
      this.importing = '';
    }
  }

  private renderPlan() {
    // Sizes the host did not tell: the total is at least what is known, not a figure.
    const { known, complete } = planTotal(this.plan);
    return html`<section class="card" id="download-plan">
      <h3>${t('classify.planTitle')}</h3>
      <p class="muted">${t('classify.planText')}</p>
      <div class="table-wrap"><table>
        <thead><tr><th>${t('classify.file')}</th><th class="num">${t('classify.size')}</th></tr></thead>
        <tbody>${this.plan.map((f) => html`<tr><td>${f.file}</td><td class="num">${f.cached ? t('classify.cached') : f.size === null ? '?' : formatBytes(f.size)}</td></tr>`)}</tbody>
        <tfoot><tr><th>${t('classify.total')}</th><th class="num" id="plan-total">${complete ? formatBytes(known) : known ? `≥ ${formatBytes(known)}` : '?'}</th></tr></tfoot>
      </table></div>
      <div class="row" style="margin-top:0.6rem">
        <button id="accept-download" @click=${() => this.acceptPlan()}>${t('classify.download')}</button>
        <button class="secondary" @click=${() => ((this.phase = 'idle'), (this.pending = null))}>${t('common.cancel')}</button>
      </div>
    </section>`;
  }

  private renderWaveform(busy: boolean) {
    if (!this.samples) return '';
    const r = this.region;
    return html`<section class="card" id="selection">
      <h3>${this.fileName} <span class="muted">${formatDuration(this.duration)}</span></h3>
      <p class="muted" id="select-hint">${t('classify.selectHint')}</p>
      <waveform-select
        id="waveform"
        .samples=${this.samples}
        sample-rate="16000"
        label=${t('classify.waveform')}
        .messages=${waveformMessages()}
        @region-change=${(e: CustomEvent<Region>) => (this.region = e.detail)}
        @region-input=${(e: CustomEvent<Region>) => (this.region = e.detail)}
      ></waveform-select>
      <div class="row" style="margin-top:0.6rem">
        <button id="classify-selection" ?disabled=${busy || this.phase === 'plan'} @click=${() => this.classify()}>${t('classify.classifySelection')}</button>
        <span class="muted" id="selection-label">${t('classify.selection', { start: secs(r.start), end: secs(r.end) })}</span>
      </div>
    </section>`;
  }

  private renderProgress() {
    const files = [...this.progress.values()];
    const ep = this.phase === 'embedding' ? this.embedProgress : null;
    return html`<section class="card" aria-live="polite">
      <p>${t(`classify.phase.${this.phase}` as 'classify.phase.loading')}</p>
      ${this.phase === 'loading'
        ? files.map(
            (p) => html`<div><span class="muted">${p.file} · ${p.status}${p.total ? ` · ${formatBytes(p.loaded)} / ${formatBytes(p.total)}` : ''}</span>
              <progress max=${p.total || 1} value=${p.status === 'done' || p.status === 'cache' ? p.total || 1 : p.loaded}></progress></div>`,
          )
        : ep
          ? html`<span class="muted" id="embed-progress">${t('classify.windowsDone', { done: ep.done, total: ep.total })}</span><progress max=${ep.total} value=${ep.done}></progress>`
          : html`<progress></progress>`}
      ${this.phase === 'embedding' ? html`<div class="row"><button class="secondary" id="cancel-classify" @click=${() => this.callId && encoderWorker().cancel(this.callId)}>${t('common.cancel')}</button></div>` : ''}
    </section>`;
  }

  private renderResult() {
    if (!this.aggregate) return '';
    const long = this.windows.length > 1;
    const c = this.classified;
    const whole = c.start <= 0 && c.end >= this.duration;
    return html`<section class="card" id="result" data-windows=${this.windows.length} data-start=${c.start} data-end=${c.end}>
      <h3>${t('classify.result')} <span class="muted">${this.fileName} · ${whole ? formatDuration(this.duration) : t('classify.selection', { start: secs(c.start), end: secs(c.end) })}</span></h3>
      ${long ? html`<p class="muted">${t('classify.aggregate', { n: this.windows.length })}</p>` : ''}
      <prob-bars id="aggregate" .probs=${this.aggregate} caption=${t('classify.result')}></prob-bars>
      ${long
        ? html`<h3>${t('classify.timeline')}</h3>
            <window-timeline id="timeline" .windows=${this.windows.map((w) => ({ ...w, start: c.start + w.start, end: c.start + w.end }))}></window-timeline>
            <details><summary>${t('classify.perWindow')}</summary>
              ${this.windows.map((w) => html`<h4 style="margin:0.6rem 0 0.2rem">${formatClock(c.start + w.start)}–${formatClock(c.start + w.end)}</h4><prob-bars class="window-bars" .probs=${w.probs}></prob-bars>`)}
            </details>`
        : ''}
      <p class="muted">${this.backendNote} · ${t('classify.headUsed', { name: this.resultHead })}</p>
    </section>`;
  }

  override render() {
    void this.i18n;
    const busy = ['loading', 'decoding', 'embedding'].includes(this.phase);
    return html`
      <h2>${t('classify.title')}</h2>
      <p class="muted">${t('classify.intro')}</p>
      <section class="card">
        <div class="row">
          <label class="button" for="file-input" tabindex="-1">${t('classify.openFile')}
            <input id="file-input" class="visually-hidden" type="file" accept="audio/*,video/*,.wav,.mp3,.m4a,.ogg,.webm,.flac,.mp4" ?disabled=${busy} @change=${this.onFile} />
          </label>
          <button class=${this.recording ? 'danger' : 'secondary'} id="record" ?disabled=${busy} @click=${this.toggleRecord} aria-pressed=${this.recording}>
            ${this.recording ? t('classify.stop') : t('classify.record')}
          </button>
        </div>
        <p class="muted" id="active-head">
          ${this.head === undefined
            ? html`${t('classify.noHead')}
                <button class="secondary" id="import-pretrained" ?disabled=${!!this.importing} @click=${this.importPretrained}>${t('classify.importPretrained')}</button>
                <a href="#/evaluate">${t('classify.manageHeads')}</a>`
            : this.head
              ? html`${t('classify.activeHead')}: <b>${this.head.name}</b> · <a href="#/evaluate">${t('classify.manageHeads')}</a>`
              : ''}
        </p>
        ${this.importing ? html`<p class="muted" aria-live="polite">${this.importing}</p>` : ''}
      </section>
      ${this.renderWaveform(busy)}
      ${this.phase === 'plan' ? this.renderPlan() : ''}
      ${busy ? this.renderProgress() : ''}
      ${this.phase === 'error' ? html`<p class="error" role="alert" id="error">${this.error}</p>` : ''}
      ${this.notice ? html`<p class="muted" id="notice">${this.notice}</p>` : ''}
      ${this.importWarning ? html`<p class="warning" role="status" id="import-warning">${this.importWarning}</p>` : ''}
      ${this.phase === 'done' && this.encoderWarning ? html`<p class="warning" role="status" id="encoder-warning">${this.encoderWarning}</p>` : ''}
      ${this.phase === 'done' ? this.renderResult() : ''}
    `;
  }
}
customElements.define('classify-page', ClassifyPage);
