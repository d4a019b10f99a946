// The identity of a model kept in a local folder, for embedding sets: two folders hold the same
// encoder when their files agree, wherever they lie and however the path was typed (shards made
// on several machines must merge; a folder with other weights under the same name must not).
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** Bytes read per sample of a large file, and how many samples: a 2.3 GB model is not hashed whole. */
const SAMPLE_BYTES = 64 * 1024;
const SAMPLES = 16;

/**
 * Hex digest (16 characters) of the folder's config.json, preprocessor_config.json and onnx/
 * files: small files whole, large ones by size and SAMPLES evenly spaced SAMPLE_BYTES blocks
 * (reweighted or retrained weights change bytes everywhere).
 */
export function modelFolderFingerprint(dir: string): string {
  const hash = createHash('sha256');
  const files = ['config.json', 'preprocessor_config.json'];
  const onnx = join(dir, 'onnx');
  if (statSync(onnx, { throwIfNoEntry: false })?.isDirectory()) for (const f of readdirSync(onnx).sort()) files.push(`onnx/${f}`);
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
