// A generated fine-tuned checkpoint with the real layout of
// Wav2Vec2BertForSequenceClassification (large encoder regions before and
// after the head tensors), its base model, and a 127.0.0.1 server that answers
// hub resolve URLs with Range support and counts the bytes it sends.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LABEL_NAMES } from '../../src/core/config/labels.ts';

export interface RawTensor {
  name: string;
  dtype: 'F32' | 'F16' | 'BF16';
  shape: number[];
  values: Float32Array;
}

function encode(values: Float32Array, dtype: RawTensor['dtype']): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const out = new Uint16Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    if (dtype === 'BF16') {
      out[i] = u[0] >>> 16; // truncation; test values are exactly representable
    } else {
      // values used in tests are exactly representable in half precision
      const x = u[0];
      const sign = (x >>> 16) & 0x8000;
      const exp = ((x >>> 23) & 0xff) - 127 + 15;
      const mant = (x >>> 13) & 0x3ff;
      out[i] = values[i] === 0 ? sign : sign | (exp << 10) | mant;
    }
  }
  return new Uint8Array(out.buffer);
}

/** safetensors bytes with tensors in the given order; returns per-tensor absolute byte ranges too. */
export function buildSafetensors(tensors: RawTensor[]): { bytes: Uint8Array; ranges: Map<string, [number, number]>; headerBytes: number } {
  const parts = tensors.map((t) => encode(t.values, t.dtype));
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let off = 0;
  tensors.forEach((t, i) => {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + parts[i].byteLength] };
    off += parts[i].byteLength;
  });
  const json = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.byteLength + off);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  bytes.set(json, 8);
  let at = 8 + json.byteLength;
  const ranges = new Map<string, [number, number]>();
  tensors.forEach((t, i) => {
    bytes.set(parts[i], at);
    ranges.set(t.name, [at, at + parts[i].byteLength]);
    at += parts[i].byteLength;
  });
  return { bytes, ranges, headerBytes: 8 + json.byteLength };
}

/** Small exactly-representable values (multiples of 1/256 in [−1, 1)). */
export function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s >>> 24) - 128) / 256;
  }
  return out;
}

export const DIM = 64;
export const PROJ = 16;
const BIG = 3_000_000; // floats: 12 MB per encoder region, 24 MB in all

export function layerNorms(prefix: string, seed: number, dtype: RawTensor['dtype'] = 'F32'): RawTensor[] {
  const out: RawTensor[] = [];
  for (let l = 0; l < 4; l++) {
    for (const kind of ['weight', 'bias']) out.push({ name: `${prefix}encoder.layers.${l}.final_layer_norm.${kind}`, dtype, shape: [DIM], values: values(DIM, seed + l * 2 + (kind === 'bias' ? 1 : 0)) });
  }
  return out;
}

export function headTensors(dtype: RawTensor['dtype'] = 'F32', withLayerWeights = false): RawTensor[] {
  const t: RawTensor[] = [
    { name: 'classifier.bias', dtype, shape: [6], values: values(6, 11) },
    { name: 'classifier.weight', dtype, shape: [6, PROJ], values: values(6 * PROJ, 12) },
    { name: 'projector.bias', dtype, shape: [PROJ], values: values(PROJ, 13) },
    { name: 'projector.weight', dtype, shape: [PROJ, DIM], values: values(PROJ * DIM, 14) },
  ];
  if (withLayerWeights) t.splice(2, 0, { name: 'layer_weights', dtype, shape: [25], values: values(25, 15) });
  return t;
}

/** Fine-tuned checkpoint: encoder region, head tensors, encoder region (like the real file's order puts them mid-file). */
export function fineTunedModel(opts: { dtype?: RawTensor['dtype']; encoderSeed?: number; layerWeights?: boolean } = {}) {
  const norms = layerNorms('wav2vec2_bert.', opts.encoderSeed ?? 100);
  return buildSafetensors([
    { name: 'wav2vec2_bert.encoder.layers.0.ffn1.intermediate_dense.weight', dtype: 'F32', shape: [BIG], values: new Float32Array(BIG).fill(0.5) },
    ...norms.slice(0, 4),
    ...headTensors(opts.dtype ?? 'F32', opts.layerWeights),
    { name: 'wav2vec2_bert.encoder.layers.3.ffn2.output_dense.weight', dtype: 'F32', shape: [BIG], values: new Float32Array(BIG).fill(-0.25) },
    ...norms.slice(4),
  ]);
}

export function baseModel(encoderSeed = 100) {
  return buildSafetensors([
    ...layerNorms('', encoderSeed),
    { name: 'encoder.layers.0.ffn1.intermediate_dense.weight', dtype: 'F32', shape: [1000], values: new Float32Array(1000) },
  ]);
}

export function hfConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const id2label: Record<string, string> = {};
  const label2id: Record<string, string> = {};
  LABEL_NAMES.forEach((l, i) => {
    id2label[String(i)] = l;
    label2id[l] = String(i);
  });
  return { architectures: ['Wav2Vec2BertForSequenceClassification'], model_type: 'wav2vec2-bert', hidden_size: DIM, classifier_proj_size: PROJ, id2label, label2id, use_weighted_layer_sum: false, num_hidden_layers: 24, finetuning_task: 'audio-classification', ...extra };
}

/** Serves `files` (URL path → bytes) with single-range support; counts bytes sent per path. */
export async function startRangeServer(files: Map<string, Uint8Array>): Promise<{ url: string; served: Map<string, number>; requests: string[]; close: () => Promise<void> }> {
  const served = new Map<string, number>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(`${req.method} ${path} ${req.headers.range ?? ''}`);
    const body = files.get(path);
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    const count = (n: number): void => void served.set(path, (served.get(path) ?? 0) + n);
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (m) {
      const start = Number(m[1]);
      const end = m[2] ? Math.min(Number(m[2]), body.byteLength - 1) : body.byteLength - 1;
      if (start >= body.byteLength) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.byteLength}` }).end();
        return;
      }
      const chunk = body.subarray(start, end + 1);
      count(chunk.byteLength);
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${body.byteLength}`, 'Content-Length': chunk.byteLength, 'Accept-Ranges': 'bytes' }).end(chunk);
      return;
    }
    count(body.byteLength);
    res.writeHead(200, { 'Content-Length': body.byteLength, 'Accept-Ranges': 'bytes' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, served, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}
