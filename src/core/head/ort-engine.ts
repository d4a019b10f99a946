// The head trainer on onnxruntime: the same ONNX graph (onnx-graph.ts) on
// onnxruntime-node (CPU, MLAS), onnxruntime-web WASM (CPU) and the
// onnxruntime-web WebGPU EP. The runtime module is injected so this file stays
// environment-free.
import type * as OrtCommon from 'onnxruntime-common';
import { ADAMW_DEFAULTS, adamwUpdateTensor, clipCoefficient, type AdamWHyper } from './adamw.ts';
import { SimdAdamW, simdAvailable } from './adamw-simd.ts';
import type { HeadEngine, StepInput } from './engine.ts';
import {
  buildLogitsGraph,
  buildTrainGraph,
  gradOutput,
  GRAD_SUM_SQ_OUTPUT,
  LOGITS_OUTPUT,
  LOSS_OUTPUT,
  momentInput,
  newMomentOutput,
  newParamOutput,
  paramInput,
  TRAIN_INPUTS,
} from './onnx-graph.ts';
import { cloneTensors, DECAYED, PARAM_NAMES, paramShape, type AdamState, type HeadSpec, type HeadTensors, type ParamName } from './types.ts';
import type { EngineKind } from './worker-api.ts';

type Tensor = OrtCommon.Tensor;
type Session = OrtCommon.InferenceSession;

/** max_grad_norm fed to the graph when clipping is off (0): finite, and above any gradient norm. */
const NO_CLIP_BOUND = 1e30;

/** The parts of an onnxruntime module (node or web) the engine uses. */
export interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: OrtCommon.InferenceSession.SessionOptions): Promise<Session> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => Tensor;
}

export interface OrtEngineOptions {
  kind: EngineKind;
  ort: OrtModule;
  /** Execution providers and threads, e.g. { executionProviders: ['webgpu'] } or { intraOpNumThreads: 1 }. */
  sessionOptions?: OrtCommon.InferenceSession.SessionOptions;
  /** See TrainGraphOptions.adam. Default 'graph' when keepOnGpu, else 'host'. */
  adam?: 'graph' | 'host';
  /** Keep parameters and moments in GPU buffers between steps (WebGPU EP). */
  keepOnGpu?: boolean;
  hyper?: AdamWHyper;
  /** See TrainGraphOptions.lowRank (default true). */
  lowRank?: boolean;
  /**
   * Let onnxruntime write gradients straight into the AdamW kernel's memory
   * (pre-allocated outputs; onnxruntime-node supports them). Saves a 3 MB
   * allocation and copy per step. Verified on the first step, else off.
   */
  preallocateGradients?: boolean;
}

export class OrtEngine implements HeadEngine {
  readonly kind: EngineKind;
  private readonly ort: OrtModule;
  private readonly adam: 'graph' | 'host';
  private readonly hyper: AdamWHyper;
  private step_ = 0;
  /** 'graph' mode: current parameter/moment tensors by input name (maybe GPU-resident). */
  private state = new Map<string, Tensor>();
  /** 'host' mode: host arrays; the param tensors wrap these arrays and see in-place updates. */
  private host?: { params: HeadTensors; m: HeadTensors; v: HeadTensors; tensors: Record<ParamName, Tensor>; kernel?: SimdAdamW; gradFetches?: Record<string, Tensor | null> };
  /** null: not yet verified; true: onnxruntime writes gradients in place; false: copy them. */
  private gradsInPlace: boolean | null;

  private constructor(
    readonly spec: HeadSpec,
    opts: OrtEngineOptions,
    private readonly trainSession: Session,
    private readonly logitsSession: Session,
  ) {
    this.kind = opts.kind;
    this.ort = opts.ort;
    this.adam = opts.adam ?? (opts.keepOnGpu ? 'graph' : 'host');
    this.hyper = opts.hyper ?? ADAMW_DEFAULTS;
    this.gradsInPlace = opts.preallocateGradients ? null : false;
  }

  static async create(spec: HeadSpec, opts: OrtEngineOptions): Promise<OrtEngine> {
    const adam = opts.adam ?? (opts.keepOnGpu ? 'graph' : 'host');
    const hyper = opts.hyper ?? ADAMW_DEFAULTS;
    const trainOptions: OrtCommon.InferenceSession.SessionOptions = { ...opts.sessionOptions };
    if (opts.keepOnGpu) {
      if (adam !== 'graph') throw new Error('OrtEngine: keepOnGpu needs the AdamW step in the graph');
      const loc: Record<string, OrtCommon.Tensor.DataLocation> = { [LOSS_OUTPUT]: 'cpu' };
      for (const p of PARAM_NAMES) {
        loc[newParamOutput(p)] = 'gpu-buffer';
        loc[newMomentOutput('m', p)] = 'gpu-buffer';
        loc[newMomentOutput('v', p)] = 'gpu-buffer';
      }
      trainOptions.preferredOutputLocation = loc;
    }
    const trainSession = await opts.ort.InferenceSession.create(buildTrainGraph(spec, { adam, hyper, lowRank: opts.lowRank }), trainOptions);
    const logitsSession = await opts.ort.InferenceSession.create(buildLogitsGraph(spec), { ...opts.sessionOptions });
    return new OrtEngine(spec, opts, trainSession, logitsSession);
  }

  async load(params: HeadTensors, opt: AdamState): Promise<void> {
    this.releaseState();
    this.step_ = opt.step;
    if (this.adam === 'host') {
      let p: HeadTensors;
      let m: HeadTensors;
      let v: HeadTensors;
      let kernel: SimdAdamW | undefined;
      if (simdAvailable()) {
        // Parameters live in the kernel's WebAssembly memory; onnxruntime reads them from there.
        kernel = new SimdAdamW(PARAM_NAMES.map((n) => params[n].length), this.hyper);
        const view = (arr: Float32Array[]): HeadTensors => ({ w1: arr[0], b1: arr[1], w2: arr[2], b2: arr[3] });
        p = view(kernel.param);
        m = view(kernel.m);
        v = view(kernel.v);
        for (const n of PARAM_NAMES) {
          p[n].set(params[n]);
          m[n].set(opt.m[n]);
          v[n].set(opt.v[n]);
        }
      } else {
        p = cloneTensors(params);
        m = cloneTensors(opt.m);
        v = cloneTensors(opt.v);
      }
      const tensors = {} as Record<ParamName, Tensor>;
      for (const n of PARAM_NAMES) tensors[n] = new this.ort.Tensor('float32', p[n], paramShape(this.spec, n));
      let gradFetches: Record<string, Tensor | null> | undefined;
      if (kernel && this.gradsInPlace !== false) {
        gradFetches = { [LOSS_OUTPUT]: null, [GRAD_SUM_SQ_OUTPUT]: null };
        PARAM_NAMES.forEach((n, i) => (gradFetches![gradOutput(n)] = new this.ort.Tensor('float32', kernel.grad[i], paramShape(this.spec, n))));
      }
      this.host = { params: p, m, v, tensors, kernel, gradFetches };
      return;
    }
    for (const n of PARAM_NAMES) {
      const dims = paramShape(this.spec, n);
      this.state.set(paramInput(n), new this.ort.Tensor('float32', params[n].slice(), dims));
      this.state.set(momentInput('m', n), new this.ort.Tensor('float32', opt.m[n].slice(), dims));
      this.state.set(momentInput('v', n), new this.ort.Tensor('float32', opt.v[n].slice(), dims));
    }
  }

  private paramFeeds(): Record<string, Tensor> {
    const feeds: Record<string, Tensor> = {};
    if (this.host) {
      for (const n of PARAM_NAMES) feeds[paramInput(n)] = this.host.tensors[n];
    } else {
      if (this.state.size === 0) throw new Error('OrtEngine: load() parameters first');
      for (const n of PARAM_NAMES) feeds[paramInput(n)] = this.state.get(paramInput(n))!;
    }
    return feeds;
  }

  async step(input: StepInput): Promise<number> {
    const { spec } = this;
    const feeds = this.paramFeeds();
    feeds[TRAIN_INPUTS.x] = new this.ort.Tensor('float32', input.x.subarray(0, input.batch * spec.inputDim), [input.batch, spec.inputDim]);
    feeds[TRAIN_INPUTS.yw] = new this.ort.Tensor('float32', input.yw.subarray(0, input.batch * spec.numLabels), [input.batch, spec.numLabels]);
    if (spec.dropout > 0) {
      if (!input.mask) throw new Error('OrtEngine: this head has dropout; the step needs a dropout mask');
      feeds[TRAIN_INPUTS.mask] = new this.ort.Tensor('float32', input.mask.subarray(0, input.batch * spec.hiddenSize), [input.batch, spec.hiddenSize]);
    }
    const s = input.scalars;
    if (this.adam === 'graph') {
      for (const [k, t] of this.state) feeds[k] = t;
      feeds[TRAIN_INPUTS.decay] = new this.ort.Tensor('float32', new Float32Array([s.decayFactor]), [1]);
      feeds[TRAIN_INPUTS.stepSize] = new this.ort.Tensor('float32', new Float32Array([s.stepSize]), [1]);
      feeds[TRAIN_INPUTS.bc2Sqrt] = new this.ort.Tensor('float32', new Float32Array([s.bc2Sqrt]), [1]);
      // No clipping: a bound no norm reaches gives the coefficient min(1, 1e30 / (‖g‖ + 1e-6)) = 1.
      // Finite: WGSL lets implementations assume no infinities, so ∞ could come out as anything.
      feeds[TRAIN_INPUTS.maxGradNorm] = new this.ort.Tensor('float32', new Float32Array([input.maxGradNorm || NO_CLIP_BOUND]), [1]);
      const out = await this.trainSession.run(feeds);
      const loss = (out[LOSS_OUTPUT].data as Float32Array)[0];
      out[LOSS_OUTPUT].dispose();
      const old = [...this.state.values()];
      for (const n of PARAM_NAMES) {
        this.state.set(paramInput(n), out[newParamOutput(n)]);
        this.state.set(momentInput('m', n), out[newMomentOutput('m', n)]);
        this.state.set(momentInput('v', n), out[newMomentOutput('v', n)]);
      }
      for (const t of old) if (t.location === 'gpu-buffer') t.dispose();
      this.step_ += 1;
      return loss;
    }
    const host = this.host!;
    const inPlace = host.gradFetches !== undefined && this.gradsInPlace !== false;
    const out = inPlace ? await this.trainSession.run(feeds, host.gradFetches as unknown as OrtCommon.InferenceSession.FetchesType) : await this.trainSession.run(feeds);
    if (inPlace && this.gradsInPlace === null) {
      // First step: check that the gradients really landed in the kernel's memory.
      this.gradsInPlace = PARAM_NAMES.every((n, i) => {
        const got = out[gradOutput(n)].data as Float32Array;
        const view = host.kernel!.grad[i];
        return got === view || got.every((x, j) => Object.is(x, view[j]));
      });
    }
    const kernel = host.kernel;
    if (kernel && !this.gradsInPlace) PARAM_NAMES.forEach((n, i) => kernel.grad[i].set(out[gradOutput(n)].data as Float32Array));
    const clip = clipCoefficient((out[GRAD_SUM_SQ_OUTPUT].data as Float32Array)[0]!, input.maxGradNorm);
    PARAM_NAMES.forEach((n, i) => {
      if (kernel) kernel.update(i, s, DECAYED[n], clip);
      else adamwUpdateTensor(host.params[n], out[gradOutput(n)].data as Float32Array, host.m[n], host.v[n], this.hyper, s, DECAYED[n], clip);
    });
    this.step_ += 1;
    return (out[LOSS_OUTPUT].data as Float32Array)[0];
  }

  async logits(x: Float32Array, batch: number): Promise<Float32Array> {
    const feeds = this.paramFeeds();
    feeds[TRAIN_INPUTS.x] = new this.ort.Tensor('float32', x.subarray(0, batch * this.spec.inputDim), [batch, this.spec.inputDim]);
    const out = await this.logitsSession.run(feeds);
    const t = out[LOGITS_OUTPUT];
    const data = ((await t.getData()) as Float32Array).slice();
    t.dispose();
    return data;
  }

  async read(): Promise<{ params: HeadTensors; opt: AdamState }> {
    if (this.host) {
      const h = this.host;
      return { params: cloneTensors(h.params), opt: { step: this.step_, m: cloneTensors(h.m), v: cloneTensors(h.v) } };
    }
    const get = async (name: string): Promise<Float32Array> => ((await this.state.get(name)!.getData()) as Float32Array).slice();
    const params = {} as HeadTensors;
    const m = {} as HeadTensors;
    const v = {} as HeadTensors;
    for (const n of PARAM_NAMES) {
      params[n] = await get(paramInput(n));
      m[n] = await get(momentInput('m', n));
      v[n] = await get(momentInput('v', n));
    }
    return { params, opt: { step: this.step_, m, v } };
  }

  private releaseState(): void {
    for (const t of this.state.values()) if (t.location === 'gpu-buffer') t.dispose();
    this.state.clear();
    this.host = undefined;
  }

  async dispose(): Promise<void> {
    this.releaseState();
    await this.trainSession.release();
    await this.logitsSession.release();
  }
}

