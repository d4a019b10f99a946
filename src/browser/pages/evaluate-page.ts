// Evaluate any stored head on any stored set (accuracy, macro P/R/F1, per-class
// table, confusion heat map); manage heads: make active, export, import, delete,
// push to the Hugging Face Hub (<hub-push> in a dialog; hub URL from Settings).
import { LitElement, css, html } from 'lit';
import { sharedStyles } from '../components/shared-styles.ts';
import '../components/confusion-matrix.ts';
import '../components/hub-push.ts';
import type { HeadForHub, PushHeadResult } from '../../core/hub/push-head.ts';
import { I18nController, pct, t } from '../i18n/i18n.ts';
import { AppStateController, downloadBlob, getSettings, notifyChanged, store } from '../services/app-state.ts';
import { activeHead, evaluateHead, makeActive } from '../services/heads.ts';
import { exportHeadZip, headFilesOf, importHeadFiles } from '../services/head-files.ts';
import { hubTokenStore } from '../services/hub-token.ts';
import { hubPushMessages } from '../i18n/component-messages.ts';
import { importPretrainedHead } from '../services/pretrained.ts';
import { labelledVectors, splitsOf } from '../services/training-data.ts';
import type { StoredHead, StoredSetRecord } from '../store/store.ts';
import type { EvalReport } from '../../core/head/worker-api.ts';
import { LABELS } from '../../core/config/labels.ts';
import { trainedEncoderDifferences } from '../../core/head/trained-encoder.ts';

/** Why a head's embeddings differ from a set's (encoder, revision, dtype), or null when they agree or the head does not say. */
function headEncoderDifference(head: StoredHead, set: StoredSetRecord): string | null {
  const e = head.encoder;
  const m = set.manifest as { encoder?: { id?: string; revision?: string }; dtype?: string };
  if (!e || !m.encoder?.id) return null;
  const diffs = trainedEncoderDifferences(e, { id: m.encoder.id, revision: m.encoder.revision, dtype: m.dtype });
  return diffs.length ? t('evaluate.otherEncoder', { head: head.name, why: diffs.join(', ') }) : null;
}

export class EvaluatePage extends LitElement {
  static override properties = {
    heads: { state: true },
    sets: { state: true },
    headId: { state: true },
    setId: { state: true },
    split: { state: true },
    splits: { state: true },
    report: { state: true },
    busy: { state: true },
    error: { state: true },
    notice: { state: true },
    warning: { state: true },
    importWarnings: { state: true },
    pushNote: { state: true },
    activeId: { state: true },
    pushing: { state: true },
    hubUrl: { state: true },
  };
  heads: StoredHead[] = [];
  sets: StoredSetRecord[] = [];
  headId = '';
  setId = '';
  split = '';
  splits: Record<string, number> = {};
  report: (EvalReport & { head: string; set: string; n: number }) | null = null;
  busy = '';
  error = '';
  notice = '';
  /** The head was trained on another encoder's embeddings than the evaluated set's (as the CLI warns). */
  warning = '';
  /** What the last head import warned of (a weighted layer sum, an encoder that was not frozen, …), as the CLI prints it. */
  importWarnings: string[] = [];
  /** Shown in the push dialog: a push of another head is still running. */
  pushNote = '';
  activeId: string | null = null;
  /** The head whose "Push to Hub" dialog is open, with its exported files. */
  pushing: { head: StoredHead; files: HeadForHub } | null = null;
  hubUrl = '';
  private readonly i18n = new I18nController(this);
  private readonly appState = new AppStateController(this, () => this.refresh());

  static override styles = [
    sharedStyles,
    css`
      dialog { border: 1px solid var(--line, #b9c0cc); border-radius: 10px; padding: 1rem 1.2rem; width: min(36rem, calc(100vw - 2rem)); box-sizing: border-box; }
      dialog::backdrop { background: rgba(20, 28, 45, 0.45); }
      dialog h3 { margin-top: 0; }
      .dialog-close { display: flex; justify-content: flex-end; margin-top: 0.6rem; }
    `,
  ];

  private async refresh() {
    const s = await store();
    [this.heads, this.sets] = await Promise.all([s.listHeads(), s.listSets()]);
    const settings = await getSettings();
    // The head Classify uses: the chosen one, or the newest when it was deleted (or never chosen).
    this.activeId = (await activeHead())?.id ?? null;
    this.hubUrl = settings.hubUrl;
    if (!this.heads.some((h) => h.id === this.headId)) this.headId = this.activeId && this.heads.some((h) => h.id === this.activeId) ? this.activeId : (this.heads.at(-1)?.id ?? '');
    if (!this.sets.some((x) => x.id === this.setId)) this.setId = this.sets.at(-1)?.id ?? '';
    this.splits = this.setId ? await splitsOf(s, this.setId) : {};
  }

  private async evaluate() {
    this.error = '';
    this.warning = '';
    this.report = null;
    const head = this.heads.find((h) => h.id === this.headId);
    const set = this.sets.find((x) => x.id === this.setId);
    if (!head || !set) return;
    this.busy = t('evaluate.running');
    try {
      const data = await labelledVectors(await store(), set.id, this.split ? (sp) => sp === this.split : undefined);
      if (data.dim !== head.head.spec.inputDim) throw new Error(t('evaluate.dimMismatch', { head: head.name, headDim: head.head.spec.inputDim, set: set.name, dim: data.dim }));
      if (!data.count) throw new Error(t('evaluate.empty'));
      const report = await evaluateHead(head.head, { vectors: data.vectors, labels: data.labels, dim: data.dim });
      this.report = { ...report, head: head.name, set: set.name + (this.split ? ` (${this.split})` : ''), n: data.count };
      this.warning = headEncoderDifference(head, set) ?? '';
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.busy = '';
    }
  }

  private async exportHead(h: StoredHead) {
    try {
      const { blob, fileName } = await exportHeadZip(h);
      downloadBlob(blob, fileName);
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  private async openPush(h: StoredHead) {
    this.error = '';
    // One push at a time: switching the dialog to another head mid-push showed that head's name over
    // the running push's progress, and named it in the pushed notice.
    const running = this.renderRoot.querySelector('hub-push');
    if (this.pushing && running?._status.kind === 'busy' && this.pushing.head.id !== h.id) {
      // Said inside the dialog: the page behind a modal dialog is not seen.
      this.pushNote = t('evaluate.pushBusy', { name: this.pushing.head.name });
      this.renderRoot.querySelector<HTMLDialogElement>('#push-dialog')?.showModal();
      return;
    }
    this.pushNote = '';
    try {
      const files = headFilesOf(h);
      const dec = new TextDecoder();
      this.pushing = {
        head: h,
        files: { safetensors: files['model.safetensors']!, config: JSON.parse(dec.decode(files['config.json'])), saturiHead: JSON.parse(dec.decode(files['saturi_head.json'])) },
      };
      this.hubUrl = (await getSettings()).hubUrl;
      await this.updateComplete;
      // One <hub-push> serves every head, so a typed token lasts for the session; clear the last head's outcome.
      const el = this.renderRoot.querySelector('hub-push');
      if (el && el._status.kind !== 'busy') el._status = { kind: 'idle' };
      this.renderRoot.querySelector<HTMLDialogElement>('#push-dialog')?.showModal();
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  private closePush() {
    this.renderRoot.querySelector<HTMLDialogElement>('#push-dialog')?.close();
  }

  private onPushed(e: CustomEvent<PushHeadResult>) {
    if (this.pushing) this.notice = t('evaluate.pushed', { name: this.pushing.head.name, url: e.detail.repoUrl });
  }

  private renderPushDialog() {
    const p = this.pushing;
    return html`<dialog id="push-dialog" aria-labelledby="push-title">
      ${p
        ? html`<h3 id="push-title">${t('evaluate.pushTitle', { name: p.head.name })}</h3>
            <p class="muted">${t('evaluate.pushText')}</p>
            ${this.pushNote ? html`<p class="warning" role="status" id="push-note">${this.pushNote}</p>` : ''}
            <hub-push .head=${p.files} hub-url=${this.hubUrl} .tokenStore=${hubTokenStore} .messages=${hubPushMessages()} @hub-pushed=${this.onPushed}></hub-push>
            <div class="dialog-close"><button class="secondary" id="close-push" @click=${this.closePush}>${t('common.close')}</button></div>`
        : ''}
    </dialog>`;
  }

  private async onImport(e: Event) {
    const input = e.target as HTMLInputElement;
    const files = input.files ? Array.from(input.files) : [];
    input.value = '';
    if (!files.length) return;
    this.error = '';
    this.importWarnings = [];
    try {
      const { head: h, warnings } = await importHeadFiles(files);
      await (await store()).putHead(h);
      await makeActive(h.id);
      this.notice = t('evaluate.importedHead', { name: h.name });
      notifyChanged('heads');
      // After the refresh notifyChanged starts (which recomputes the encoder warning).
      this.importWarnings = warnings;
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  private async importPretrained() {
    // A second press while the first import runs would store the head twice.
    if (this.busy) return;
    this.error = '';
    this.importWarnings = [];
    this.busy = t('classify.importingHead');
    try {
      const { warnings } = await importPretrainedHead((m) => (this.busy = m));
      await this.refresh();
      this.importWarnings = warnings;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.busy = '';
    }
  }

  private renderReport() {
    const r = this.report;
    if (!r) return '';
    return html`<section class="card" id="report">
      <h3>${r.head} · ${r.set} <span class="muted">(${r.n})</span></h3>
      <div class="grid" id="summary">
        <div><div class="muted">${t('evaluate.accuracy')}</div><b id="accuracy" data-value=${r.eval_accuracy}>${pct(r.eval_accuracy)}</b></div>
        <div><div class="muted">${t('evaluate.precision')}</div><b>${pct(r.eval_precision)}</b></div>
        <div><div class="muted">${t('evaluate.recall')}</div><b>${pct(r.eval_recall)}</b></div>
        <div><div class="muted">${t('evaluate.f1')}</div><b>${pct(r.eval_f1)}</b></div>
        <div><div class="muted">eval_loss</div><b>${r.eval_loss.toFixed(4)}</b></div>
      </div>
      <h3>${t('evaluate.perClass')}</h3>
      <div class="table-wrap"><table id="per-class">
        <thead><tr><th>${t('common.dialect')}</th><th class="num">${t('evaluate.precision')}</th><th class="num">${t('evaluate.recall')}</th><th class="num">F1</th><th class="num">${t('evaluate.support')}</th></tr></thead>
        <tbody>${r.metrics.perClass.map((c, i) => html`<tr><td>${LABELS[i]?.korean} <small class="muted">${LABELS[i]?.romanized}</small></td>
          <td class="num">${c.precision.toFixed(3)}</td><td class="num">${c.recall.toFixed(3)}</td><td class="num">${c.f1.toFixed(3)}</td><td class="num">${c.support}</td></tr>`)}</tbody>
      </table></div>
      <h3>${t('evaluate.confusion')}</h3>
      <confusion-matrix id="confusion" .matrix=${r.metrics.confusion} trueLabel=${t('evaluate.trueLabel')} predLabel=${t('evaluate.predLabel')}></confusion-matrix>
    </section>`;
  }

  override render() {
    void this.i18n;
    return html`
      <h2>${t('evaluate.title')}</h2>
      <p class="muted">${t('evaluate.intro')}</p>
      <section class="card">
        <div class="row">
          <label>${t('evaluate.head')}<select id="eval-head" @change=${(e: Event) => (this.headId = (e.target as HTMLSelectElement).value)}>
            ${this.heads.map((h) => html`<option value=${h.id} .selected=${h.id === this.headId}>${h.name}</option>`)}</select></label>
          <label>${t('evaluate.set')}<select id="eval-set" @change=${async (e: Event) => {
            this.setId = (e.target as HTMLSelectElement).value;
            this.split = '';
            this.splits = await splitsOf(await store(), this.setId);
          }}>${this.sets.map((s) => html`<option value=${s.id} .selected=${s.id === this.setId}>${s.name} (${s.count})</option>`)}</select></label>
          <label>${t('evaluate.split')}<select id="eval-split" @change=${(e: Event) => (this.split = (e.target as HTMLSelectElement).value)}>
            <option value="" .selected=${this.split === ''}>${t('evaluate.allRows')}</option>
            ${Object.entries(this.splits).map(([k, n]) => html`<option value=${k} .selected=${k === this.split}>${k} (${n})</option>`)}</select></label>
          <button id="evaluate" ?disabled=${!this.headId || !this.setId || !!this.busy} @click=${this.evaluate}>${t('evaluate.run')}</button>
        </div>
        ${this.busy ? html`<p class="muted" aria-live="polite">${this.busy}</p>` : ''}
        ${this.notice ? html`<p class="ok" aria-live="polite" id="notice">${this.notice}</p>` : ''}
        ${this.warning ? html`<p class="warning" role="status" id="warning">${this.warning}</p>` : ''}
        ${this.importWarnings.map((w) => html`<p class="warning import-warning" role="status">${w}</p>`)}
        ${this.error ? html`<p class="error" role="alert" id="error">${this.error}</p>` : ''}
      </section>
      ${this.renderReport()}
      <section class="card" id="heads">
        <h3>${t('evaluate.heads')}</h3>
        <div class="row">
          <label class="button secondary">${t('evaluate.importHead')}
            <input id="head-input" class="visually-hidden" type="file" multiple accept=".zip,.safetensors,.json" @change=${this.onImport} />
          </label>
          <button class="secondary" id="import-pretrained" ?disabled=${!!this.busy} @click=${this.importPretrained}>${t('classify.importPretrained')}</button>
        </div>
        ${this.heads.length
          ? html`<div class="table-wrap"><table class="stack" id="heads-table">
              <thead><tr><th>${t('evaluate.active')}</th><th>${t('common.name')}</th><th>${t('evaluate.source')}</th><th>${t('evaluate.shape')}</th><th></th></tr></thead>
              <tbody>${this.heads.map(
                (h) => html`<tr class="head-row" data-head=${h.id}>
                  <td data-label=${t('evaluate.active')}><input type="radio" name="active" aria-label=${t('evaluate.makeActive')} .checked=${h.id === this.activeId} @change=${async () => {
                    // The last import's warnings were about that head, not this one.
                    this.importWarnings = [];
                    await makeActive(h.id);
                  }} /></td>
                  <td><b>${h.name}</b></td><td data-label=${t('evaluate.source')}>${t(`evaluate.src.${h.source}` as 'evaluate.src.trained')}</td>
                  <td class="muted" data-label=${t('evaluate.shape')}>${h.head.spec.type} ${h.head.spec.inputDim}→${h.head.spec.hiddenSize}→${h.head.spec.numLabels}</td>
                  <td class="actions"><div class="row"><button class="secondary export-head" @click=${() => this.exportHead(h)}>${t('common.export')}</button>
                  <button class="secondary push-head" @click=${() => this.openPush(h)}>${t('evaluate.pushHub')}</button>
                  <button class="danger" @click=${async () => {
                    if (!confirm(t('evaluate.confirmDelete', { name: h.name }))) return;
                    await (await store()).deleteHead(h.id);
                    notifyChanged('heads');
                  }}>${t('common.delete')}</button></div></td></tr>`,
              )}</tbody></table></div>`
          : html`<p class="muted">${t('evaluate.noHeads')}</p>`}
      </section>
      ${this.renderPushDialog()}
    `;
  }
}
customElements.define('evaluate-page', EvaluatePage);
