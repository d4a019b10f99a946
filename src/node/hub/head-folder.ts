// Read an exported head folder (model.safetensors, config.json,
// saturi_head.json) into the Blob form the core push logic takes.
import { openAsBlob } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../cli/errors.ts';
import type { HeadForHub } from '../../core/hub/push-head.ts';
import { HeadFilesError, labelsFromConfig } from '../../core/hub/head-summary.ts';
import { bytesSource } from '../../core/io/byte-source.ts';
import { readHeader, SafetensorsError, type SafetensorsHeader } from '../../core/safetensors/format.ts';

async function readJson(file: string, required: boolean): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' && !required) return null;
    throw new UserError(`${file}: ${e.code === 'ENOENT' ? 'missing (an exported head folder has model.safetensors, config.json and saturi_head.json)' : e.message}`);
  });
  if (text === null) return undefined;
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
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
  await checkSafetensors(bytes, safetensorsPath);
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

/**
 * The format's own header check (dtypes, shapes, offsets against the file's size), so a truncated
 * or wrong file is caught, named, before it is published.
 */
async function checkSafetensors(b: Buffer, file: string): Promise<void> {
  let header: SafetensorsHeader;
  try {
    header = await readHeader(bytesSource(b, file));
  } catch (e) {
    if (e instanceof SafetensorsError) throw new UserError(e.message);
    throw e;
  }
  if (!('classifier.weight' in header.tensors)) throw new UserError(`${file}: has no classifier.weight tensor (not a Saturi/Hugging Face classification head)`);
}
