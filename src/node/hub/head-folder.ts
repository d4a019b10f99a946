// Read an exported head folder (model.safetensors, config.json,
// saturi_head.json) into the Blob form the core push logic takes.
import { openAsBlob } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../cli/errors.ts';
import type { HeadForHub } from '../../core/hub/push-head.ts';
import { HeadFilesError, labelsFromConfig } from '../../core/hub/head-summary.ts';

async function readJson(file: string, required: boolean): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' && !required) return null;
    throw new UserError(`${file}: ${e.code === 'ENOENT' ? 'missing (an exported head folder has model.safetensors, config.json and saturi_head.json)' : e.message}`);
  });
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

export async function readHeadFolder(dir: string): Promise<HeadForHub & { safetensorsPath: string }> {
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new UserError(`${dir}: not a folder (expected an exported head folder)`);
  const safetensorsPath = join(dir, 'model.safetensors');
  const sst = await stat(safetensorsPath).catch(() => null);
  if (!sst?.isFile()) throw new UserError(`${safetensorsPath}: missing (an exported head folder has model.safetensors, config.json and saturi_head.json)`);
  const bytes = await readFile(safetensorsPath);
  checkSafetensors(bytes, safetensorsPath);
  const config = await readJson(join(dir, 'config.json'), true);
  try {
    labelsFromConfig(config, join(dir, 'config.json'));
  } catch (e) {
    if (e instanceof HeadFilesError) throw new UserError(e.message);
    throw e;
  }
  const saturiHead = await readJson(join(dir, 'saturi_head.json'), false);
  return { safetensors: await openAsBlob(safetensorsPath), config, saturiHead, safetensorsPath };
}

/** Header sanity check, so a truncated or wrong file is caught before it is published. */
function checkSafetensors(b: Buffer, file: string): void {
  if (b.length < 8) throw new UserError(`${file}: too short to be a safetensors file`);
  const n = Number(b.readBigUInt64LE(0));
  if (n <= 0 || 8 + n > b.length) throw new UserError(`${file}: bad safetensors header length ${n}`);
  let header: Record<string, { data_offsets?: [number, number] }>;
  try {
    header = JSON.parse(b.toString('utf8', 8, 8 + n));
  } catch {
    throw new UserError(`${file}: safetensors header is not JSON`);
  }
  let end = 0;
  for (const [k, v] of Object.entries(header)) if (k !== '__metadata__' && v.data_offsets) end = Math.max(end, v.data_offsets[1]);
  if (8 + n + end > b.length) throw new UserError(`${file}: truncated (tensors need ${8 + n + end} bytes, file has ${b.length})`);
  if (!('classifier.weight' in header)) throw new UserError(`${file}: has no classifier.weight tensor (not a Saturi/Hugging Face classification head)`);
}
