// EncoderSession over an onnxruntime InferenceSession (web or node: the Tensor class is passed
// in, so this file needs neither runtime). Handles models whose float I/O is float16.
import { toFloat16Bits } from '../onnx/builder.ts';
import type { EncoderSession } from './pipeline.ts';
import type { OrtSessionLike } from './hf-loader.ts';

export type OrtTensorCtor = new (type: 'float32' | 'float16' | 'int64', data: Float32Array | Uint16Array | BigInt64Array, dims: readonly number[]) => unknown;

function float16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    out[i] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}

export class OrtEncoderSession implements EncoderSession {
  private readonly featuresType: 'float32' | 'float16';

  constructor(
    readonly session: OrtSessionLike,
    private readonly Tensor: OrtTensorCtor,
    readonly dim: number,
  ) {
    for (const name of ['input_features', 'attention_mask']) {
      if (!session.inputNames.includes(name)) throw new Error(`encoder model has no input "${name}" (inputs: ${session.inputNames.join(', ')})`);
    }
    if (!session.outputNames.includes('last_hidden_state')) throw new Error(`encoder model has no output "last_hidden_state" (outputs: ${session.outputNames.join(', ')})`);
    const meta = session.inputMetadata?.find((m) => m.name === 'input_features');
    this.featuresType = meta?.type === 'float16' ? 'float16' : 'float32';
  }

  async run(features: Float32Array, mask: BigInt64Array, batch: number, frames: number): Promise<Float32Array> {
    const rowSize = features.length / (batch * frames);
    const feats =
      this.featuresType === 'float16'
        ? new this.Tensor('float16', toFloat16Bits(features), [batch, frames, rowSize])
        : new this.Tensor('float32', features, [batch, frames, rowSize]);
    const out = await this.session.run({ input_features: feats, attention_mask: new this.Tensor('int64', mask, [batch, frames]) });
    const h = out.last_hidden_state!;
    const expect = batch * frames * this.dim;
    let data: Float32Array;
    if (h.type === 'float16') data = float16ToFloat32(h.data instanceof Uint16Array ? h.data : new Uint16Array((h.data as ArrayBufferView).buffer));
    else data = h.data as Float32Array;
    if (data.length !== expect) throw new Error(`encoder returned ${data.length} values, expected ${batch}×${frames}×${this.dim} (dims ${h.dims.join('×')})`);
    for (const t of Object.values(out)) t.dispose?.();
    return data;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
