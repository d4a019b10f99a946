// <waveform-select>: the waveform of a recording on a canvas, with a region
// the user selects by dragging, or adjusts from the keyboard (two slider
// handles: arrows ±step, Shift+arrows ±1 s, Home/End; or type the times).
// Fires `region-change` ({start, end} in seconds) when a drag ends or a
// keyboard/typed change is made, and `region-input` while dragging.
import { LitElement, css, html, type PropertyValues } from 'lit';

export interface Region {
  start: number;
  end: number;
}

/** Per-column min/max of the samples, so drawing costs O(width) after one O(N) pass. */
export function waveformPeaks(samples: Float32Array, columns: number): Float32Array {
  const out = new Float32Array(columns * 2);
  const n = samples.length;
  for (let c = 0; c < columns; c++) {
    const a = Math.floor((c * n) / columns);
    const b = Math.max(a + 1, Math.floor(((c + 1) * n) / columns));
    let lo = 0;
    let hi = 0;
    for (let i = a; i < b && i < n; i++) {
      const v = samples[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out[2 * c] = lo;
    out[2 * c + 1] = hi;
  }
  return out;
}

interface DragState {
  anchor: number;
  edge: 'start' | 'end' | null;
  pointerId: number;
  moved: boolean;
  x0: number;
}

const round3 = (s: number) => Math.round(s * 1000) / 1000;

/** The element's texts (English by default; the app passes its own language's). */
export interface WaveformMessages {
  start: string;
  end: string;
  selectAll: string;
  /** Aria label of a handle. */
  handle: (which: 'start' | 'end') => string;
  /** Aria label of the drawing area; `label` is the element's label. */
  area: (label: string) => string;
  /** "1.30 s of 4.00 s" (already formatted numbers). */
  length: (selected: string, total: string) => string;
}

export const WAVEFORM_MESSAGES_EN: WaveformMessages = {
  start: 'Start (s)',
  end: 'End (s)',
  selectAll: 'Select all',
  handle: (which) => `${which === 'start' ? 'Start' : 'End'} of the selection (seconds)`,
  area: (label) => `${label}: drag to select a region`,
  length: (selected, total) => `${selected} s of ${total} s`,
};

export class WaveformSelect extends LitElement {
  static override properties = {
    samples: { attribute: false },
    sampleRate: { type: Number, attribute: 'sample-rate' },
    start: { type: Number },
    end: { type: Number },
    step: { type: Number },
    label: {},
    messages: { attribute: false },
  };

  samples: Float32Array = new Float32Array(0);
  sampleRate = 16000;
  /** Region start in seconds. */
  start = 0;
  /** Region end in seconds (0 before any audio: the whole recording). */
  end = 0;
  /** Keyboard step in seconds. */
  step = 0.1;
  label = 'Recording';
  /** Texts to use instead of the English ones (any subset). */
  messages: Partial<WaveformMessages> = {};

  #peaks: Float32Array | null = null;
  #peaksFor: { samples: Float32Array; columns: number } | null = null;
  /** A drag either draws a new region from `anchor`, or moves one edge (started on a handle). */
  #drag: DragState | null = null;
  #resize = new ResizeObserver(() => this.#draw());

  static override styles = css`
    :host { display: block; user-select: none; }
    .wrap { position: relative; height: var(--waveform-height, 96px); background: var(--track, #eef1f6); border-radius: 6px; touch-action: none; cursor: crosshair; }
    canvas { position: absolute; inset: 0; width: 100%; height: 100%; display: block; }
    .handle { position: absolute; top: 0; bottom: 0; width: 12px; margin-left: -6px; cursor: ew-resize; outline: none; }
    .handle::after { content: ''; position: absolute; left: 5px; top: 0; bottom: 0; width: 2px; background: var(--accent, #2f5bd3); }
    .handle:focus-visible::after { width: 4px; left: 4px; background: var(--focus, #f5a524); }
    .times { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: end; margin-top: 0.4rem; font-size: 0.9rem; }
    label { display: inline-flex; flex-direction: column; gap: 0.15rem; }
    input { font: inherit; width: 6.5rem; padding: 0.25rem 0.4rem; border: 1px solid var(--line, #b9c0cc); border-radius: 6px; }
    button { font: inherit; padding: 0.3rem 0.7rem; border-radius: 6px; border: 1px solid var(--accent, #2f5bd3); background: transparent; color: var(--accent, #2f5bd3); cursor: pointer; }
    .len { color: var(--muted, #5b6475); }
  `;

  get duration(): number {
    return this.sampleRate > 0 ? this.samples.length / this.sampleRate : 0;
  }

  /** The selected region; the whole recording when nothing was selected. */
  get region(): Region {
    const d = this.duration;
    const end = this.end > 0 ? Math.min(this.end, d) : d;
    return { start: Math.min(this.start, end), end };
  }

  /** Select a region programmatically (clamped, no event). */
  setRegion(start: number, end: number): void {
    const r = this.#clamp(start, end);
    this.start = r.start;
    this.end = r.end;
  }

  /** The selected samples (a view, no copy). */
  selectedSamples(): Float32Array {
    const r = this.region;
    return this.samples.subarray(Math.floor(r.start * this.sampleRate), Math.floor(r.end * this.sampleRate));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.updateComplete.then(() => {
      const wrap = this.renderRoot.querySelector('.wrap');
      if (wrap) this.#resize.observe(wrap);
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize.disconnect();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('samples') && changed.get('samples') !== undefined && !changed.has('start') && !changed.has('end')) {
      // A new recording: select all of it.
      this.start = 0;
      this.end = this.duration;
    }
    if (this.end <= 0 && this.duration > 0) this.end = this.duration;
  }

  protected override updated(): void {
    this.#draw();
  }

  #clamp(start: number, end: number, minLen = 1 / this.sampleRate): Region {
    const d = this.duration;
    let s = Math.max(0, Math.min(start, d));
    let e = Math.max(0, Math.min(end, d));
    if (e < s) [s, e] = [e, s];
    if (e - s < minLen) e = Math.min(d, s + minLen);
    if (e - s < minLen) s = Math.max(0, e - minLen);
    return { start: round3(s), end: round3(e) };
  }

  #timeAt(clientX: number): number {
    const wrap = this.renderRoot.querySelector('.wrap') as HTMLElement;
    const rect = wrap.getBoundingClientRect();
    const f = Math.max(0, Math.min(1, (clientX - rect.left) / rect.width));
    return f * this.duration;
  }

  #emit(type: 'region-change' | 'region-input'): void {
    const r = this.region;
    this.dispatchEvent(new CustomEvent<Region>(type, { detail: { start: r.start, end: r.end }, bubbles: true, composed: true }));
  }

  #onPointerDown = (e: PointerEvent) => {
    if (this.duration <= 0 || e.button !== 0) return;
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    const target = e.target as HTMLElement;
    const edge = target.classList.contains('handle') ? (target.classList.contains('start') ? 'start' : 'end') : null;
    if (edge) target.focus();
    this.#drag = { anchor: this.#timeAt(e.clientX), edge, pointerId: e.pointerId, moved: false, x0: e.clientX };
    e.preventDefault();
  };

  #onPointerMove = (e: PointerEvent) => {
    const d = this.#drag;
    if (!d || d.pointerId !== e.pointerId) return;
    if (!d.moved && Math.abs(e.clientX - d.x0) < 3) return; // a click is not a selection
    d.moved = true;
    this.#applyDrag(d, e.clientX);
    this.#emit('region-input');
  };

  #onPointerUp = (e: PointerEvent) => {
    const d = this.#drag;
    if (!d || d.pointerId !== e.pointerId) return;
    this.#drag = null;
    if (!d.moved) return;
    this.#applyDrag(d, e.clientX);
    this.#emit('region-change');
  };

  #applyDrag(d: DragState, clientX: number): void {
    const t = this.#timeAt(clientX);
    if (d.edge) return this.#moveEdge(d.edge, t, 1 / this.sampleRate);
    const r = this.#clamp(d.anchor, t);
    this.start = r.start;
    this.end = r.end;
  }

  #onHandleKey(which: 'start' | 'end', e: KeyboardEvent): void {
    const big = e.shiftKey ? 1 : this.step;
    const cur = which === 'start' ? this.region.start : this.region.end;
    let next: number;
    switch (e.key) {
      case 'ArrowLeft':
      case 'ArrowDown':
        next = cur - big;
        break;
      case 'ArrowRight':
      case 'ArrowUp':
        next = cur + big;
        break;
      case 'PageDown':
        next = cur - 10 * big;
        break;
      case 'PageUp':
        next = cur + 10 * big;
        break;
      case 'Home':
        next = which === 'start' ? 0 : this.region.start + this.step;
        break;
      case 'End':
        next = which === 'start' ? this.region.end - this.step : this.duration;
        break;
      default:
        return;
    }
    e.preventDefault();
    this.#setEdge(which, next);
  }

  /** Move one edge without letting it come within `minLen` of the other. */
  #moveEdge(which: 'start' | 'end', t: number, minLen: number): void {
    const r = this.region;
    if (which === 'start') this.start = round3(Math.max(0, Math.min(t, r.end - minLen)));
    else this.end = round3(Math.min(this.duration, Math.max(t, r.start + minLen)));
  }

  /** A keyboard or typed move of one edge: at least a step apart from the other. */
  #setEdge(which: 'start' | 'end', t: number): void {
    this.#moveEdge(which, t, Math.min(this.step, this.duration));
    this.#emit('region-change');
  }

  #onTyped(which: 'start' | 'end', e: Event): void {
    const v = Number((e.target as HTMLInputElement).value);
    if (Number.isFinite(v)) this.#setEdge(which, v);
    else this.requestUpdate();
  }

  #selectAll(): void {
    this.start = 0;
    this.end = this.duration;
    this.#emit('region-change');
  }

  #draw(): void {
    const canvas = this.renderRoot.querySelector('canvas');
    if (!canvas) return;
    const dpr = globalThis.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) (canvas.width = w), (canvas.height = h);
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    if (!this.#peaks || this.#peaksFor?.samples !== this.samples || this.#peaksFor.columns !== w) {
      this.#peaks = waveformPeaks(this.samples, w);
      this.#peaksFor = { samples: this.samples, columns: w };
    }
    const css = getComputedStyle(this);
    ctx.clearRect(0, 0, w, h);
    const d = this.duration;
    if (d > 0) {
      const r = this.region;
      ctx.fillStyle = css.getPropertyValue('--selection').trim() || 'rgba(47, 91, 211, 0.18)';
      ctx.fillRect((r.start / d) * w, 0, ((r.end - r.start) / d) * w, h);
    }
    ctx.fillStyle = css.getPropertyValue('--wave').trim() || '#3b4a66';
    const mid = h / 2;
    const p = this.#peaks;
    for (let x = 0; x < w; x++) {
      const lo = p[2 * x]!;
      const hi = p[2 * x + 1]!;
      ctx.fillRect(x, mid - hi * mid, 1, Math.max(1, (hi - lo) * mid));
    }
  }

  override render() {
    const m = { ...WAVEFORM_MESSAGES_EN, ...this.messages };
    const d = this.duration;
    const r = this.region;
    const pos = (t: number) => `${d > 0 ? (t / d) * 100 : 0}%`;
    const handle = (which: 'start' | 'end', t: number) => html`<div
      class="handle ${which}"
      role="slider"
      tabindex="0"
      aria-label=${m.handle(which)}
      aria-valuemin="0"
      aria-valuemax=${d.toFixed(3)}
      aria-valuenow=${t.toFixed(3)}
      aria-valuetext=${`${t.toFixed(2)} s`}
      style="left:${pos(t)}"
      @keydown=${(e: KeyboardEvent) => this.#onHandleKey(which, e)}
    ></div>`;
    return html`<div
        class="wrap"
        role="group"
        aria-label=${m.area(this.label)}
        @pointerdown=${this.#onPointerDown}
        @pointermove=${this.#onPointerMove}
        @pointerup=${this.#onPointerUp}
        @pointercancel=${this.#onPointerUp}
      >
        <canvas></canvas>
        ${d > 0 ? [handle('start', r.start), handle('end', r.end)] : ''}
      </div>
      <div class="times">
        <label>${m.start}<input class="start-input" type="number" min="0" max=${d} step=${this.step} .value=${r.start.toFixed(3)} @change=${(e: Event) => this.#onTyped('start', e)} /></label>
        <label>${m.end}<input class="end-input" type="number" min="0" max=${d} step=${this.step} .value=${r.end.toFixed(3)} @change=${(e: Event) => this.#onTyped('end', e)} /></label>
        <span class="len">${m.length((r.end - r.start).toFixed(2), d.toFixed(2))}</span>
        <button type="button" @click=${this.#selectAll} ?disabled=${d <= 0}>${m.selectAll}</button>
      </div>`;
  }
}

if (!customElements.get('waveform-select')) customElements.define('waveform-select', WaveformSelect);

declare global {
  interface HTMLElementTagNameMap {
    'waveform-select': WaveformSelect;
  }
}
