// `saturi head import|export|info`: bring a pretrained head in (range reads
// only), re-export a checkpoint or run as a Hugging Face head folder.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { alignLabels, BASE_ENCODER, checkFrozenEncoder, type FrozenEncoderCheck } from '../../core/head/hf-format.ts';
import { LABEL_NAMES } from '../../core/config/labels.ts';
import { UserError } from '../cli/errors.ts';
import { loadHead, openBaseModel, openHead, type HubOptions } from './head-source.ts';
import { checkHeadDestination, isInside, writeHeadFolder } from './run-folder.ts';

/**
 * Checks --out before anything is read: it must not be the source or a folder holding it, and may
 * only hold a previous head's files (writeHeadFolder replaces the folder as a whole).
 */
function checkOut(out: string, sources: string[]): void {
  for (const src of sources) {
    if (existsSync(src) && isInside(src, out)) throw new UserError(`--out ${out} ${isInside(out, src) ? 'is' : 'holds'} the source ${src}: writing the head there would delete it; choose another folder`);
  }
  checkHeadDestination(out);
}

export interface ImportOptions extends HubOptions {
  out: string;
  /** Compare encoder layer norms with the base model (default true). */
  checkEncoder?: boolean;
  /** Base model (repo, URL or file); default facebook/w2v-bert-2.0. */
  base?: string;
  print?: (line: string) => void;
}

export interface ImportSummary {
  labels: string[];
  hiddenSize: number;
  inputDim: number;
  dtype: string;
  bytesRead?: number;
  modelSize: number;
  frozen?: FrozenEncoderCheck;
  warnings: string[];
}

export async function importHeadCommand(spec: string, opts: ImportOptions): Promise<ImportSummary> {
  const print = opts.print ?? ((l: string) => process.stderr.write(l + '\n'));
  checkOut(opts.out, [spec]);
  const location = await openHead(spec, opts);
  try {
    const { importHead } = await import('../../core/head/hf-format.ts');
    const imported = await importHead(location.model, location.config, { saturi: location.saturi, configSource: location.configSource });
    const warnings = [...imported.warnings];
    let head = imported.head;
    try {
      head = alignLabels(head, LABEL_NAMES, spec);
    } catch (e) {
      warnings.push(`${(e as Error).message}; kept the model's own labels`);
    }
    let frozen: FrozenEncoderCheck | undefined;
    if (opts.checkEncoder !== false) {
      // --revision is the head's; the base model is read at its default revision, from the same Hub.
      const base = openBaseModel(opts.base ?? BASE_ENCODER, { endpoint: opts.endpoint, token: opts.token });
      try {
        frozen = await checkFrozenEncoder(location.model, base.source, { fineHeader: imported.header });
        if (frozen.frozen === false) warnings.push(frozen.message);
        else print(frozen.message);
      } catch (e) {
        warnings.push(`could not compare the encoder with the base model ${opts.base ?? BASE_ENCODER}: ${(e as Error).message}`);
      } finally {
        await base.close();
      }
    }
    for (const w of warnings) print(`warning: ${w}`);
    // A head from PyTorch was trained on the base model's outputs, in no dtype of ours ('': unknown,
    // so evaluating it on q8 or fp16 embeddings raises no warning; the app's import records the same).
    // What saturi recorded with the head (its training config, its metrics) stays with it, as export keeps it.
    writeHeadFolder(opts.out, head, {
      baseConfig: imported.config,
      source: spec,
      encoder: imported.saturi?.encoder ?? { id: BASE_ENCODER, revision: 'main', dtype: '' },
      training: imported.saturi?.training ?? null,
      eval: imported.saturi?.eval ?? null,
    });
    return {
      labels: head.labels,
      hiddenSize: head.spec.hiddenSize,
      inputDim: head.spec.inputDim,
      dtype: imported.dtype,
      bytesRead: location.http?.bytesRead,
      modelSize: await location.model.size(),
      frozen,
      warnings,
    };
  } finally {
    await location.close();
  }
}

/** Re-exports the head of a checkpoint, run folder or head folder as a clean Hugging Face head folder. */
export async function exportHeadCommand(from: string, out: string): Promise<void> {
  if (!existsSync(from)) throw new UserError(`${from}: not found`);
  const src = existsSync(join(from, 'model.safetensors')) || existsSync(join(from, 'head')) || from.endsWith('.safetensors') ? from : undefined;
  if (!src) throw new UserError(`${from}: neither a head folder, a checkpoint, nor a run folder with head/`);
  checkOut(out, [from]);
  const imported = await loadHead(src);
  writeHeadFolder(out, imported.head, {
    baseConfig: imported.config,
    encoder: imported.saturi?.encoder ?? null,
    training: imported.saturi?.training ?? null,
    eval: imported.saturi?.eval ?? null,
    source: from,
  });
}
