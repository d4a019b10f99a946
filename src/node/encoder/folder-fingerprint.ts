// The identity of a model kept in a local folder, for embedding sets: two folders hold the same
// encoder when their files agree, wherever they lie and however the path was typed (shards made
// on several machines must merge; a folder with other weights under the same name must not).
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { modelFileFor } from '../../core/encoder/model-source.ts';
import type { EncoderDtype } from '../../core/encoder/embedding-set.ts';

/** Bytes read per sample of a large file, and how many samples: a 2.3 GB model is not hashed whole. */
const SAMPLE_BYTES = 64 * 1024;
const SAMPLES = 16;

/**
 * Hex digest (16 characters) of the folder's config.json, preprocessor_config.json and the onnx/
 * files `dtype` loads (model<suffix>.onnx and its external data): small files whole, large ones by
 * size and SAMPLES evenly spaced SAMPLE_BYTES blocks (reweighted or retrained weights change bytes
 * everywhere). Other dtypes' files are left out: a folder holding only model_quantized.onnx is the
 * same q8 encoder as a full one, and adding a dtype to a folder changes none of its sets.
 */
export function modelFolderFingerprint(dir: string, dtype: EncoderDtype): string {
  const own = modelFileFor(dtype).slice('onnx/'.length); // model_quantized.onnx, and its _data files
  return fingerprint(dir, onnxFiles(dir).filter((f) => f === own || f.startsWith(`${own}_data`)));
}

/**
 * The digest of the folder before it was scoped to a dtype (every onnx/ file): what sets embedded
 * then recorded, so a job started with that version resumes with the same folder.
 */
export function legacyModelFolderFingerprint(dir: string): string {
  return fingerprint(dir, onnxFiles(dir));
}

function onnxFiles(dir: string): string[] {
  const onnx = join(dir, 'onnx');
  return statSync(onnx, { throwIfNoEntry: false })?.isDirectory() ? readdirSync(onnx).sort() : [];
}

function fingerprint(dir: string, onnx: readonly string[]): string {
  const hash = createHash('sha256');
  const files = ['config.json', 'preprocessor_config.json', ...onnx.map((f) => `onnx/${f}`)];
  const block = Buffer.alloc(SAMPLE_BYTES);
  for (const rel of files) {
    const path = join(dir, rel);
    const size = statSync(path, { throwIfNoEntry: false })?.size;
    if (size === undefined) continue;
    hash.update(`${rel}\0${size}\0`);
    if (size <= SAMPLES * SAMPLE_BYTES) {
      hash.update(readFileSync(path));
      continue;
    }
    const fd = openSync(path, 'r');
    try {
      for (let k = 0; k < SAMPLES; k++) {
        const pos = Math.floor(((size - SAMPLE_BYTES) * k) / (SAMPLES - 1));
        let got = 0;
        while (got < SAMPLE_BYTES) {
          const n = readSync(fd, block, got, SAMPLE_BYTES - got, pos + got);
          if (n === 0) break;
          got += n;
        }
        hash.update(block.subarray(0, got));
      }
    } finally {
      closeSync(fd);
    }
  }
  return hash.digest('hex').slice(0, 16);
}
