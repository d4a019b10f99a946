// The TypeScript reference as an engine: float32 storage, the formulas of
// reference.ts and adamw.ts. Slow (plain loops), but needs nothing else, and it
// is what the ONNX engines are checked against.
import { ADAMW_DEFAULTS, adamwUpdateTensor, clipCoefficient, gradSumOfSquares, type AdamWHyper } from './adamw.ts';
import type { HeadEngine, StepInput } from './engine.ts';
import { headForward, headLossAndGrads } from './reference.ts';
import { cloneTensors, DECAYED, PARAM_NAMES, type AdamState, type HeadSpec, type HeadTensors } from './types.ts';

export class ReferenceEngine implements HeadEngine {
  readonly kind = 'reference' as const;
  private params?: HeadTensors;
  private opt?: AdamState;

  constructor(
    readonly spec: HeadSpec,
    private readonly hyper: AdamWHyper = ADAMW_DEFAULTS,
  ) {}

  async load(params: HeadTensors, opt: AdamState): Promise<void> {
    this.params = cloneTensors(params);
    this.opt = { step: opt.step, m: cloneTensors(opt.m), v: cloneTensors(opt.v) };
  }

  async step(input: StepInput): Promise<number> {
    const { params, opt } = this.state();
    const { loss, grads } = headLossAndGrads(this.spec, params, input.x, input.yw, input.batch, input.mask);
    const clip = clipCoefficient(gradSumOfSquares(PARAM_NAMES.map((p) => grads[p])), input.maxGradNorm);
    for (const p of PARAM_NAMES) adamwUpdateTensor(params[p], grads[p], opt.m[p], opt.v[p], this.hyper, input.scalars, DECAYED[p], clip);
    opt.step += 1;
    return loss;
  }

  async logits(x: Float32Array, batch: number): Promise<Float32Array> {
    return headForward(this.spec, this.state().params, x, batch).logits;
  }

  async read(): Promise<{ params: HeadTensors; opt: AdamState }> {
    const { params, opt } = this.state();
    return { params: cloneTensors(params), opt: { step: opt.step, m: cloneTensors(opt.m), v: cloneTensors(opt.v) } };
  }

  async dispose(): Promise<void> {
    this.params = undefined;
    this.opt = undefined;
  }

  private state(): { params: HeadTensors; opt: AdamState } {
    if (!this.params || !this.opt) throw new Error('ReferenceEngine: load() parameters first');
    return { params: this.params, opt: this.opt };
  }
}
