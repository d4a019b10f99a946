// Train: head config form (keys of configs/train-head.json), start / pause /
// cancel, live charts of loss, learning rate and eval metrics, a log; runs are
// stored and can be compared.
import { LitElement, html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { proxy, transfer } from 'comlink';
import { sharedStyles } from '../components/shared-styles.ts';
import '../components/line-chart.ts';
import type { Series } from '../components/line-chart.ts';
import { I18nController, t } from '../i18n/i18n.ts';
import { AppStateController, notifyChanged, store } from '../services/app-state.ts';
import { makeActive } from '../services/heads.ts';
import { EVAL_SPLITS, labelledVectors, splitsOf } from '../services/training-data.ts';
import { trainerWorker } from '../services/workers.ts';
import { newId, type StoredRun, type StoredSetRecord } from '../store/store.ts';
import { DEFAULT_TRAINING_CONFIG, type EngineKind, type HeadTrainingConfig, type TrainEvent } from '../../core/head/worker-api.ts';
import type { Activation, HeadSpec, HeadType } from '../../core/head/types.ts';
import { LABEL_NAMES, LABELS } from '../../core/config/labels.ts';
import { classesMissingFromTraining } from '../../core/head/loss-weights.ts';
import { checkTrainingConfig } from '../../core/head/train-config.ts';
import { embeddingsIncompatibility, type EmbeddingManifest } from '../../core/encoder/embedding-set.ts';

/** The form: training keys of configs/train-head.json plus the head's type and sizes. */
export interface TrainForm extends HeadTrainingConfig {
  head_type: HeadType;
  classifier_proj_size: number;
  mlp_hidden_size: number;
  mlp_activation: Exclude<Activation, 'none'>;
  mlp_dropout: number;
}

export const DEFAULT_FORM: TrainForm = {
  ...DEFAULT_TRAINING_CONFIG,
  head_type: 'hf',
  classifier_proj_size: 768,
  mlp_hidden_size: 256,
  mlp_activation: 'relu',
  mlp_dropout: 0.1,
};

const NUMBER_KEYS: (keyof TrainForm)[] = [
  'learning_rate', 'weight_decay', 'warmup_steps', 'num_train_epochs', 'max_steps', 'per_device_train_batch_size', 'per_device_eval_batch_size',
  'seed', 'eval_steps', 'logging_steps', 'save_steps', 'classifier_proj_size', 'mlp_hidden_size', 'mlp_dropout', 'adam_beta1', 'adam_beta2', 'adam_epsilon', 'max_grad_norm',
];
const BOOL_KEYS: (keyof TrainForm)[] = ['load_best_model_at_end', 'class_weights'];
/** Numbers that may be left empty for null (initializer_range: empty = nn.Linear's initialisation). */
const NULLABLE_KEYS: (keyof TrainForm)[] = ['initializer_range'];

/**
 * A run's status as shown: one stored as running or paused that is not this page's live run was
 * cut off by a reload or a closed tab (the trainer worker went with the page).
 */
function runStatus(r: StoredRun): StoredRun['status'] | 'interrupted' {
  return (r.status === 'running' || r.status === 'paused') && live?.run.id !== r.id ? 'interrupted' : r.status;
}

/** The live run (kept across page switches). */
interface Live {
  run: StoredRun;
  steps: [number, number, number][]; // step, loss, lr
  paused: boolean;
  totalSteps: number;
  engine: string;
}
let live: Live | null = null;
/** True from a Start click until its run is live: a double click must not start a second run. */
let starting = false;
const liveListeners = new Set<() => void>();
const notifyLive = () => liveListeners.forEach((f) => f());

export class TrainPage extends LitElement {
  static override properties = {
    sets: { state: true },
    runs: { state: true },
    form: { state: true },
    trainSetId: { state: true },
    evalSetId: { state: true },
    splitInfo: { state: true },
    error: { state: true },
    warning: { state: true },
    compare: { state: true },
    selectedRun: { state: true },
    engine: { state: true },
    engines: { state: true },
  };
  engine: EngineKind | 'auto' = 'auto';
  engines: EngineKind[] = [];
  sets: StoredSetRecord[] = [];
  runs: StoredRun[] = [];
  form: TrainForm = { ...DEFAULT_FORM };
  trainSetId = '';
  evalSetId = '';
  splitInfo: Record<string, number> = {};
  error = '';
  /** Said before a run that will train, but on data that may not mean what it seems (another encoder, no eval rows). */
  warning = '';
  compare = new Set<string>();
  selectedRun = '';
  private readonly i18n = new I18nController(this);
  private readonly appState = new AppStateController(this, () => this.refresh());
  private readonly onLive = () => this.requestUpdate();
  /** The log shows its newest line unless the reader has scrolled up to read older ones. */
  private followLog = true;

  static override styles = [sharedStyles];

  override connectedCallback(): void {
    super.connectedCallback();
    liveListeners.add(this.onLive);
  }
  override disconnectedCallback(): void {
    liveListeners.delete(this.onLive);
    super.disconnectedCallback();
  }

  private async refresh() {
    const s = await store();
    [this.sets, this.runs] = await Promise.all([s.listSets(), s.listRuns()]);
    if (!this.engines.length) void trainerWorker().engineInfo().then((info) => (this.engines = info.available)).catch(() => undefined);
    if (!this.sets.some((x) => x.id === this.trainSetId)) this.trainSetId = this.sets.at(-1)?.id ?? '';
    if (this.evalSetId && !this.sets.some((x) => x.id === this.evalSetId)) this.evalSetId = '';
    if (this.trainSetId) this.splitInfo = await splitsOf(s, this.trainSetId);
  }

  private setField(key: keyof TrainForm, raw: string | boolean) {
    // An emptied number field is no value (Number('') would be a silent 0), refused at start.
    const empty = String(raw).trim() === '';
    const v = BOOL_KEYS.includes(key) ? Boolean(raw) : NUMBER_KEYS.includes(key) ? (empty ? NaN : Number(raw)) : NULLABLE_KEYS.includes(key) ? (empty ? null : Number(raw)) : raw;
    this.form = { ...this.form, [key]: v } as TrainForm;
  }

  private async start() {
    if (starting || (live && live.run.status !== 'done' && live.run.status !== 'cancelled' && live.run.status !== 'failed')) return;
    starting = true;
    this.requestUpdate();
    this.error = '';
    this.warning = '';
    const s = await store();
    const f = this.form;
    /** The run this Start made: a Start refused before it exists leaves earlier runs alone. */
    let created: StoredRun | null = null;
    try {
      for (const k of NUMBER_KEYS) if (!Number.isFinite(f[k] as number)) throw new Error(t('train.badNumber', { key: k }));
      const trainSet = this.sets.find((x) => x.id === this.trainSetId);
      if (!trainSet) throw new Error(t('train.noTrainSet'));
      const sameSet = !this.evalSetId || this.evalSetId === this.trainSetId;
      // One set with a split column: train rows train, dev/test rows evaluate. Read now, not from
      // this.splitInfo, which a Start pressed right after choosing another set would find stale.
      const splits = sameSet ? await splitsOf(s, trainSet.id) : {};
      const hasSplits = sameSet && Object.keys(splits).some((k) => EVAL_SPLITS.includes(k)) && 'train' in splits;
      const train = await labelledVectors(s, trainSet.id, hasSplits ? (sp) => sp === 'train' : undefined);
      const evalData = sameSet
        ? hasSplits
          ? await labelledVectors(s, trainSet.id, (sp) => EVAL_SPLITS.includes(sp))
          : undefined
        : await labelledVectors(s, this.evalSetId);
      if (!train.count) throw new Error(t('train.emptyTrain'));
      if (evalData && evalData.dim !== train.dim) throw new Error(t('train.dimMismatch'));
      const config: HeadTrainingConfig = Object.fromEntries(Object.keys(DEFAULT_TRAINING_CONFIG).map((k) => [k, f[k as keyof TrainForm]])) as unknown as HeadTrainingConfig;
      checkTrainingConfig(config, t('train.config'), { head_type: f.head_type, classifier_proj_size: f.classifier_proj_size, mlp_hidden_size: f.mlp_hidden_size, mlp_activation: f.mlp_activation, mlp_dropout: f.mlp_dropout });
      // Embeddings of another encoder or dtype train fine and mean little: said, not refused (as the CLI warns).
      const evalSet = sameSet ? undefined : this.sets.find((x) => x.id === this.evalSetId);
      const why = evalSet && embeddingsIncompatibility(trainSet.manifest as unknown as EmbeddingManifest, evalSet.manifest as unknown as EmbeddingManifest);
      const missing = evalData ? classesMissingFromTraining(train.labels, evalData.labels, LABEL_NAMES.length) : [];
      const warnings = [
        why ? t('train.otherEncoder', { eval: evalSet.name, train: trainSet.name, why }) : evalData && !evalData.count ? t('train.emptyEval') : '',
        missing.length
          ? t(f.class_weights ? 'train.classesMissingWeighted' : 'train.classesMissing', { classes: missing.map((m) => `${LABELS[m.label]!.korean} (${m.evalRows})`).join(', ') })
          : '',
      ];
      this.warning = warnings.filter(Boolean).join(' ');
      // Same mapping as headSpecFromConfig (src/core/head/train-config.ts).
      const spec: HeadSpec =
        f.head_type === 'hf'
          ? { type: 'hf', inputDim: train.dim, hiddenSize: f.classifier_proj_size, numLabels: LABEL_NAMES.length, activation: 'none', dropout: 0 }
          : { type: 'mlp', inputDim: train.dim, hiddenSize: f.mlp_hidden_size, numLabels: LABEL_NAMES.length, activation: f.mlp_activation, dropout: f.mlp_dropout };
      const run: StoredRun = {
        id: newId('run'),
        name: `${trainSet.name} · ${localTime(new Date())}`,
        created: new Date().toISOString(),
        status: 'running',
        config: { ...f, train_file: trainSet.name, eval_file: evalData ? (sameSet ? `${trainSet.name} (dev/test)` : this.sets.find((x) => x.id === this.evalSetId)?.name) : null },
        trainSetId: trainSet.id,
        evalSetId: sameSet ? trainSet.id : this.evalSetId,
        log: [],
      };
      await s.putRun(run);
      created = run;
      live = { run, steps: [], paused: false, totalSteps: 0, engine: '' };
      starting = false; // `live` guards from here on
      this.selectedRun = run.id;
      notifyLive();
      let lastSave = 0;
      // "Delete everything" (Settings) removes the run while it trains: the training is stopped
      // and nothing is written back (the run, its head, the active head would come back).
      let deleted = false;
      const persist = async (force = false) => {
        if (deleted || (!force && performance.now() - lastSave < 1000)) return;
        lastSave = performance.now();
        if (!(await s.getRun(run.id))) {
          deleted = true;
          await trainerWorker().cancel();
          return;
        }
        await s.putRun(run);
      };
      const onEvent = (e: TrainEvent) => {
        if (!live) return;
        switch (e.type) {
          case 'start':
            live.totalSteps = e.totalSteps;
            live.engine = e.engine;
            run.log.push({ step: e.startStep, total_steps: e.totalSteps, num_train: e.numTrain, num_eval: e.numEval });
            break;
          case 'step':
            live.steps.push([e.step, e.loss, e.learning_rate]);
            break;
          case 'log':
            run.log.push({ step: e.step, epoch: e.epoch, loss: e.loss, learning_rate: e.learning_rate });
            break;
          case 'eval':
            run.log.push({ step: e.step, epoch: e.epoch, eval_loss: e.eval_loss, eval_accuracy: e.eval_accuracy, eval_precision: e.eval_precision, eval_recall: e.eval_recall, eval_f1: e.eval_f1 });
            break;
          case 'paused':
            live.paused = true;
            run.status = 'paused';
            break;
          case 'resumed':
            live.paused = false;
            run.status = 'running';
            break;
          case 'done':
            break;
        }
        void persist(e.type !== 'step');
        this.scheduleRender();
      };
      const result = await trainerWorker().train(
        config,
        { spec, labels: [...LABEL_NAMES] },
        transfer({ vectors: train.vectors, labels: train.labels, dim: train.dim }, [train.vectors.buffer, train.labels.buffer]),
        evalData ? transfer({ vectors: evalData.vectors, labels: evalData.labels, dim: evalData.dim }, [evalData.vectors.buffer, evalData.labels.buffer]) : undefined,
        proxy(onEvent),
        { engine: this.engine },
      );
      if (deleted || !(await s.getRun(run.id))) {
        live = null;
        return;
      }
      const best = result.bestEval ?? result.finalEval;
      // The head's own metrics: the best checkpoint's only when the head is that checkpoint.
      const own = result.headEval;
      const headId = newId('head');
      await s.putHead({
        id: headId,
        name: `${trainSet.name} · ${spec.type} ${spec.inputDim}→${spec.hiddenSize}→${spec.numLabels}${result.cancelled ? ' (cancelled)' : ''}`,
        created: new Date().toISOString(),
        source: 'trained',
        head: result.head,
        // With the dtype: a head exported without it made `saturi eval` warn of another encoder.
        encoder: { ...(trainSet.manifest.encoder as { id: string; revision?: string }), dtype: String(trainSet.manifest.dtype ?? '') },
        training: { ...run.config, steps: result.steps, engine: result.engine, best_step: result.bestStep },
        ...(own ? { metrics: { eval_loss: own.eval_loss, eval_accuracy: own.eval_accuracy, eval_precision: own.eval_precision, eval_recall: own.eval_recall, eval_f1: own.eval_f1 } } : {}),
      });
      // A cancelled run's head is kept but does not replace the head in use.
      if (!result.cancelled) await makeActive(headId);
      run.status = result.cancelled ? 'cancelled' : 'done';
      run.headId = headId;
      run.metrics = {
        steps: result.steps,
        engine: result.engine,
        best_step: result.bestStep,
        ...(result.finalEval ? { final: stripMetrics(result.finalEval) } : {}),
        ...(result.bestEval ? { best: stripMetrics(result.bestEval) } : {}),
        ...(best ? { confusion: best.metrics.confusion, per_class: best.metrics.perClass } : {}),
      };
      await s.putRun(run);
      notifyChanged('heads');
    } catch (e) {
      this.error = (e as Error).message;
      if (created && created.status !== 'done' && (await s.getRun(created.id))) {
        created.status = 'failed';
        created.error = this.error;
        await s.putRun(created);
      }
    } finally {
      starting = false;
      notifyLive();
      await this.refresh();
    }
  }

  private renderQueued = false;
  /** At most two re-renders a second however fast the events come (keeps main-thread tasks short). */
  private scheduleRender() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    setTimeout(() => {
      this.renderQueued = false;
      notifyLive();
    }, 500);
  }

  private async pause() {
    if (!live) return;
    if (live.paused) await trainerWorker().resume();
    else await trainerWorker().pause();
  }

  private async cancel() {
    await trainerWorker().cancel();
  }

  private renderField(key: keyof TrainForm) {
    const v = this.form[key];
    if (BOOL_KEYS.includes(key)) {
      return html`<label class="inline"><input type="checkbox" name=${key} .checked=${Boolean(v)} @change=${(e: Event) => this.setField(key, (e.target as HTMLInputElement).checked)} />${key}</label>`;
    }
    if (key === 'head_type') {
      return html`<label>${key}<select name=${key} @change=${(e: Event) => this.setField(key, (e.target as HTMLSelectElement).value)}>
        ${['hf', 'mlp'].map((o) => html`<option value=${o} .selected=${v === o}>${o}</option>`)}</select></label>`;
    }
    if (key === 'mlp_activation') {
      return html`<label>${key}<select name=${key} ?disabled=${this.form.head_type === 'hf'} @change=${(e: Event) => this.setField(key, (e.target as HTMLSelectElement).value)}>
        ${['relu', 'gelu', 'tanh'].map((o) => html`<option value=${o} .selected=${v === o}>${o}</option>`)}</select></label>`;
    }
    return html`<label>${key}<input name=${key} type="number" step="any" .value=${v === null ? '' : String(v)} placeholder=${v === null ? 'null' : ''} ?disabled=${(key === 'mlp_dropout' || key === 'mlp_hidden_size') ? this.form.head_type === 'hf' : key === 'classifier_proj_size' ? this.form.head_type === 'mlp' : false}
      @change=${(e: Event) => this.setField(key, (e.target as HTMLInputElement).value)} /></label>`;
  }

  private runSeries(run: StoredRun, steps: [number, number, number][]) {
    const logs = run.log;
    steps = thin(steps, 400);
    const loss: Series = { name: t('train.loss'), color: '#2f5bd3', points: steps.length ? steps.map(([s, l]) => [s, l]) : logs.filter((e) => 'loss' in e).map((e) => [e.step, e.loss]) };
    const evalLoss: Series = { name: 'eval_loss', color: '#e0662c', points: logs.filter((e) => 'eval_loss' in e).map((e) => [e.step, e.eval_loss]) };
    // Live: the rate each step used. From the log: the rate after step s (as Hugging Face logs
    // it), which step s + 1 uses, so a reloaded chart draws the same line.
    const lr: Series = { name: 'learning_rate', color: '#66a182', points: steps.length ? steps.map(([s, , r]) => [s, r]) : logs.filter((e) => 'learning_rate' in e).map((e) => [e.step + 1, e.learning_rate]) };
    const acc: Series = { name: 'eval_accuracy', color: '#8d6cab', points: logs.filter((e) => 'eval_accuracy' in e).map((e) => [e.step, e.eval_accuracy]) };
    const f1: Series = { name: 'eval_f1', color: '#d1495b', points: logs.filter((e) => 'eval_f1' in e).map((e) => [e.step, e.eval_f1]) };
    return { loss, evalLoss, lr, acc, f1 };
  }

  private renderRunDetail(run: StoredRun, steps: [number, number, number][]) {
    const s = this.runSeries(run, steps);
    // One element per line, keyed by its place in the log: a live update adds the new
    // lines (and drops the oldest) instead of replacing, re-shaping and re-laying out
    // the whole text.
    const from = Math.max(0, run.log.length - 100);
    return html`<div class="grid" style="grid-template-columns:repeat(auto-fit,minmax(17rem,1fr))">
        <line-chart id="chart-loss" title=${t('train.lossChart')} .series=${[s.loss, s.evalLoss]}></line-chart>
        <line-chart id="chart-lr" title="learning_rate" .series=${[s.lr]}></line-chart>
        <line-chart id="chart-eval" title=${t('train.evalChart')} .series=${[s.acc, s.f1]}></line-chart>
      </div>
      <h3>${t('train.log')}</h3>
      <pre
        class="log"
        id="log"
        tabindex="0"
        @scroll=${(e: Event) => {
          const el = e.currentTarget as HTMLElement;
          this.followLog = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
        }}
      >${repeat(
        run.log.slice(from),
        (_, i) => from + i,
        (e) => html`<div>${formatLogLine(e)}</div>`,
      )}</pre>`;
  }

  private renderRuns() {
    if (!this.runs.length) return html`<p class="muted">${t('train.noRuns')}</p>`;
    const colors = ['#2f5bd3', '#e0662c', '#66a182', '#8d6cab', '#d1495b', '#00798c'];
    const compared = this.runs.filter((r) => this.compare.has(r.id));
    return html`<div class="table-wrap"><table id="runs" class="stack">
        <thead><tr><th>${t('train.compare')}</th><th>${t('common.name')}</th><th>${t('train.status')}</th><th class="num">steps</th><th class="num">eval_loss</th><th class="num">accuracy</th><th class="num">F1</th><th></th></tr></thead>
        <tbody>${this.runs.map((r) => {
          const best = (r.metrics?.best ?? r.metrics?.final) as Record<string, number> | undefined;
          const status = runStatus(r);
          return html`<tr class="run-row" data-run=${r.id} data-status=${status}>
            <td data-label=${t('train.compare')}><input type="checkbox" aria-label=${t('train.compare')} .checked=${this.compare.has(r.id)} @change=${(e: Event) => {
              const next = new Set(this.compare);
              if ((e.target as HTMLInputElement).checked) next.add(r.id);
              else next.delete(r.id);
              this.compare = next;
            }} /></td>
            <td><button class="secondary" @click=${() => (this.selectedRun = r.id)}>${r.name}</button></td>
            <td data-label=${t('train.status')}>${t(`train.st.${status}` as 'train.st.done')}</td>
            <td class="num" data-label="steps">${(r.metrics?.steps as number | undefined) ?? r.log.at(-1)?.step ?? 0}</td>
            <td class="num" data-label="eval_loss">${best ? best.eval_loss.toFixed(4) : '–'}</td>
            <td class="num" data-label="accuracy">${best ? best.eval_accuracy.toFixed(3) : '–'}</td>
            <td class="num" data-label="F1">${best ? best.eval_f1.toFixed(3) : '–'}</td>
            <td class="actions"><button class="danger" @click=${async () => {
              await (await store()).deleteRun(r.id);
              await this.refresh();
            }}>${t('common.delete')}</button></td>
          </tr>`;
        })}</tbody></table></div>
      ${compared.length
        ? html`<div class="grid" style="grid-template-columns:repeat(auto-fit,minmax(17rem,1fr))">
            <line-chart title="eval_loss" .series=${compared.map((r, i) => ({ ...this.runSeries(r, []).evalLoss, name: r.name, color: colors[i % colors.length] }))}></line-chart>
            <line-chart title="eval_accuracy" .series=${compared.map((r, i) => ({ ...this.runSeries(r, []).acc, name: r.name, color: colors[i % colors.length] }))}></line-chart>
          </div>`
        : ''}`;
  }

  protected override updated(): void {
    const log = this.renderRoot.querySelector<HTMLElement>('#log');
    if (log && this.followLog) log.scrollTop = log.scrollHeight;
  }

  override render() {
    void this.i18n;
    const running = !!live && (live.run.status === 'running' || live.run.status === 'paused');
    const shown = live && live.run.id === this.selectedRun ? live.run : this.runs.find((r) => r.id === this.selectedRun);
    const keys = Object.keys(DEFAULT_FORM) as (keyof TrainForm)[];
    return html`
      <h2>${t('train.title')}</h2>
      <p class="muted">${t('train.intro')}</p>
      <section class="card">
        <div class="row">
          <label>${t('train.trainSet')}<select id="train-set" @change=${async (e: Event) => {
            const id = (this.trainSetId = (e.target as HTMLSelectElement).value);
            const splits = await splitsOf(await store(), id);
            if (this.trainSetId === id) this.splitInfo = splits; // a later choice wins
          }}>
            ${this.sets.map((s) => html`<option value=${s.id} .selected=${s.id === this.trainSetId}>${s.name} (${s.count})</option>`)}
          </select></label>
          <label>${t('train.evalSet')}<select id="eval-set" @change=${(e: Event) => (this.evalSetId = (e.target as HTMLSelectElement).value)}>
            <option value="" .selected=${!this.evalSetId}>${t('train.evalFromSplit')}</option>
            ${this.sets.map((s) => html`<option value=${s.id} .selected=${s.id === this.evalSetId}>${s.name} (${s.count})</option>`)}
          </select></label>
        </div>
        <label>${t('train.engine')}<select id="engine" @change=${(e: Event) => (this.engine = (e.target as HTMLSelectElement).value as EngineKind | 'auto')}>
          ${(['auto', ...this.engines] as const).map((k) => html`<option value=${k} .selected=${k === this.engine}>${k}</option>`)}
        </select></label>
        <p class="muted">${t('train.splits')}: ${Object.entries(this.splitInfo).map(([k, n]) => `${k} ${n}`).join(', ') || '–'}</p>
        <details open>
          <summary>${t('train.config')}</summary>
          <div class="grid" id="config-form">${keys.map((k) => this.renderField(k))}</div>
        </details>
        <div class="row" style="margin-top:0.8rem">
          <button id="start" ?disabled=${running || starting || !this.sets.length} @click=${this.start}>${t('train.start')}</button>
          <button id="pause" class="secondary" ?disabled=${!running} @click=${this.pause}>${live?.paused ? t('train.resume') : t('train.pause')}</button>
          <button id="cancel" class="danger" ?disabled=${!running} @click=${this.cancel}>${t('common.cancel')}</button>
          ${live && running ? html`<span class="muted" id="live-status">${t('train.progress', { step: live.steps.at(-1)?.[0] ?? 0, total: live.totalSteps, engine: live.engine })}</span>` : ''}
        </div>
        ${live && running ? html`<progress max=${live.totalSteps || 1} value=${live.steps.at(-1)?.[0] ?? 0}></progress>` : ''}
        ${this.error ? html`<p class="error" role="alert" id="error">${this.error}</p>` : ''}
        ${this.warning ? html`<p class="warning" role="status" id="warning">${this.warning}</p>` : ''}
      </section>
      ${shown ? html`<section class="card" id="run-detail" data-status=${runStatus(shown)}><h3>${shown.name}</h3>${this.renderRunDetail(shown, live?.run.id === shown.id ? live.steps : [])}</section>` : ''}
      <section class="card"><h3>${t('train.runs')}</h3>${this.renderRuns()}</section>
    `;
  }
}
customElements.define('train-page', TrainPage);

function stripMetrics(r: { eval_loss: number; eval_accuracy: number; eval_precision: number; eval_recall: number; eval_f1: number }) {
  return { eval_loss: r.eval_loss, eval_accuracy: r.eval_accuracy, eval_precision: r.eval_precision, eval_recall: r.eval_recall, eval_f1: r.eval_f1 };
}

/** One log entry as a readable line: `step 25 · epoch 1.09 · eval_loss 0.0211 · eval_accuracy 1.000`. */
function formatLogLine(e: Record<string, number>): string {
  return Object.entries(e)
    .map(([k, v]) => (k === 'step' ? `step ${v}` : `${k} ${Number.isInteger(v) ? v : Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toFixed(4)}`))
    .join(' · ');
}

/**
 * `2026-11-25 13:52` in local time. Not toLocaleString: its first call loads ICU
 * locale data, a 50–120 ms main-thread task right when training starts.
 */
function localTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Every k-th point so a chart never draws more than `max` (the last point is kept). */
function thin<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const k = Math.ceil(points.length / max);
  const out = points.filter((_, i) => i % k === 0);
  if (out.at(-1) !== points.at(-1)) out.push(points.at(-1)!);
  return out;
}
