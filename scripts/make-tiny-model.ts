// npm run models:tiny → models/tiny-w2v-bert/ (generated, not committed).
// Options: --out <dir>  --large (hidden 256, 8 layers, for the encoder benchmark).
import { resolve } from 'node:path';
import { BENCH_LARGE_CONFIG, TINY_CONFIG, parameterCount } from '../src/core/onnx/tiny-conformer.ts';
import { DEFAULT_TINY_MODEL_DIR, makeTinyModel } from '../src/node/encoder/tiny-model.ts';

const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
const large = args.includes('--large');
const cfg = large ? BENCH_LARGE_CONFIG : TINY_CONFIG;
const out = outIdx >= 0 && args[outIdx + 1] ? resolve(args[outIdx + 1]!) : DEFAULT_TINY_MODEL_DIR;
const t0 = performance.now();
const { written } = makeTinyModel(out, cfg);
const ms = (performance.now() - t0).toFixed(0);
console.log(
  written
    ? `wrote ${out} (hidden ${cfg.hidden}, ${cfg.layers} layers, ~${(parameterCount(cfg) / 1e3).toFixed(0)}k parameters) in ${ms} ms`
    : `${out} is up to date`,
);
