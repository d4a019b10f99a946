// Fresh head parameters the way PyTorch's nn.Linear initialises them:
// weight and bias both from U(−1/√in, 1/√in) (kaiming_uniform with a=√5 gives
// exactly this bound for the weight), drawn from our seeded PRNG so every
// engine and every run with the same seed starts from the same numbers.
// With `initializerRange` (the config key initializer_range), the way
// transformers' Wav2Vec2BertPreTrainedModel._init_weights re-initialises the
// new head of from_pretrained: weights N(0, initializer_range²), biases 0.
import { Rng } from '../random/rng.ts';
import type { HeadSpec, HeadTensors } from './types.ts';
import { validateSpec } from './types.ts';

export function initHeadParams(spec: HeadSpec, seed: number, initializerRange: number | null = null): HeadTensors {
  validateSpec(spec);
  const rng = new Rng(seed, 'head-init');
  const p: HeadTensors = {
    w1: new Float32Array(spec.hiddenSize * spec.inputDim),
    b1: new Float32Array(spec.hiddenSize),
    w2: new Float32Array(spec.numLabels * spec.hiddenSize),
    b2: new Float32Array(spec.numLabels),
  };
  if (initializerRange !== null) {
    rng.fillNormal(p.w1, 0, initializerRange);
    rng.fillNormal(p.w2, 0, initializerRange);
    return p;
  }
  const k1 = 1 / Math.sqrt(spec.inputDim);
  const k2 = 1 / Math.sqrt(spec.hiddenSize);
  // Same order as nn.Linear's reset_parameters: weight then bias, layer by layer.
  rng.fillUniform(p.w1, -k1, k1);
  rng.fillUniform(p.b1, -k1, k1);
  rng.fillUniform(p.w2, -k2, k2);
  rng.fillUniform(p.b2, -k2, k2);
  return p;
}
