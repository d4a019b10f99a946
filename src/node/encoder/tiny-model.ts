// Writes a generated w2v-BERT-shaped model folder in the transformers.js layout:
//   config.json, preprocessor_config.json,
//   onnx/model.onnx + onnx/model.onnx_data (fp32, external data like the real export),
//   onnx/model_fp16.onnx, onnx/model_quantized.onnx (q8).
// Idempotent: a stamp with the config and a hash of the generator sources lets a rerun skip.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../io/atomic-write.ts';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTinyConformer, tinyModelConfigJson, type TinyConformerConfig } from '../../core/onnx/tiny-conformer.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..');
const GENERATOR_SOURCES = ['src/core/onnx/tiny-conformer.ts', 'src/core/onnx/builder.ts', 'src/core/onnx/protobuf-writer.ts', 'src/node/encoder/tiny-model.ts'];
const STAMP = '.saturi-generated.json';
export const MODEL_FILES = ['config.json', 'preprocessor_config.json', 'onnx/model.onnx', 'onnx/model.onnx_data', 'onnx/model_fp16.onnx', 'onnx/model_quantized.onnx'];

export const DEFAULT_TINY_MODEL_DIR = join(repoRoot, 'models', 'tiny-w2v-bert');

function generatorKey(cfg: TinyConformerConfig): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(cfg));
  for (const f of GENERATOR_SOURCES) h.update(readFileSync(join(repoRoot, f)));
  h.update(readFileSync(join(repoRoot, 'configs', 'preprocessor_config.json')));
  return h.digest('hex');
}

function writeAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomicSync(path, data);
}

/** Generates the model folder unless it is already up to date. Returns whether it wrote files. */
export function makeTinyModel(outDir: string, cfg: TinyConformerConfig): { written: boolean; dir: string } {
  const key = generatorKey(cfg);
  const stampPath = join(outDir, STAMP);
  if (existsSync(stampPath) && MODEL_FILES.every((f) => existsSync(join(outDir, f)))) {
    try {
      if ((JSON.parse(readFileSync(stampPath, 'utf8')) as { key?: string }).key === key) return { written: false, dir: outDir };
    } catch {
      // unreadable stamp: regenerate
    }
  }
  const fp32 = buildTinyConformer(cfg, 'fp32', { externalData: 'model.onnx_data' });
  const fp16 = buildTinyConformer(cfg, 'fp16');
  const q8 = buildTinyConformer(cfg, 'q8');
  // Data file before the graph that points into it; the stamp last.
  writeAtomic(join(outDir, 'onnx', 'model.onnx_data'), fp32.externalData!);
  writeAtomic(join(outDir, 'onnx', 'model.onnx'), fp32.model);
  writeAtomic(join(outDir, 'onnx', 'model_fp16.onnx'), fp16.model);
  writeAtomic(join(outDir, 'onnx', 'model_quantized.onnx'), q8.model);
  writeAtomic(join(outDir, 'config.json'), JSON.stringify(tinyModelConfigJson(cfg), null, 2) + '\n');
  writeAtomic(join(outDir, 'preprocessor_config.json'), readFileSync(join(repoRoot, 'configs', 'preprocessor_config.json')));
  writeAtomic(stampPath, JSON.stringify({ key, config: cfg }, null, 2) + '\n');
  return { written: true, dir: outDir };
}
