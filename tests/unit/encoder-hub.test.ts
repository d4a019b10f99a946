// Loads the tiny model by repo id through transformers.js's hub code from a local server in
// the Hugging Face URL layout, then offline from the cache folder; errors name the URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { env } from '@huggingface/transformers';
import { encodeWav } from '../../src/core/audio/wav-encode.ts';
import { SessionPoolEmbedder } from '../../src/node/embeddings/session-pool-embedder.ts';
import { runEmbedJob } from '../../src/node/embeddings/embed-job.ts';
import { readEmbeddingSet } from '../../src/node/embeddings/io.ts';
import { loadEncoder } from '../../src/node/encoder/load.ts';
import { makeTinyModel, DEFAULT_TINY_MODEL_DIR } from '../../src/node/encoder/tiny-model.ts';
import { TINY_CONFIG } from '../../src/core/onnx/tiny-conformer.ts';
import { embedSegments } from '../../src/core/encoder/pipeline.ts';
import type { LoadProgress } from '../../src/core/encoder/worker-api.ts';
import { ModelLoadError } from '../../src/core/encoder/hf-loader.ts';
import { tempDir } from '../helpers/paths.ts';
import { runCli } from '../helpers/cli.ts';

const REPO = 'saturi-test/tiny-w2v-bert';

interface HubServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/** Serves DEFAULT_TINY_MODEL_DIR at /{repo}/resolve/{revision}/{file} (GET, HEAD, single Range). */
function startHub(files: { omit?: string[] } = {}): Promise<HubServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}${req.headers.range ? ` (${req.headers.range})` : ''}`);
    const url = decodeURIComponent(req.url ?? '');
    // The hub layout, and a plain folder URL (/static/tiny-w2v-bert/<file>) for loading by URL.
    const hub = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url);
    const plain = /^\/static\/tiny-w2v-bert\/(.+)$/.exec(url);
    const file = hub?.[3] ?? plain?.[1] ?? '';
    const path = join(DEFAULT_TINY_MODEL_DIR, file);
    if ((!hub && !plain) || (hub && hub[1] !== REPO) || file.includes('..') || files.omit?.includes(file) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
      return;
    }
    const body = readFileSync(path);
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
      res.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${body.length}`, 'accept-ranges': 'bytes' });
      res.end(req.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({ url: `http://127.0.0.1:${port}/`, requests, close: () => new Promise<void>((r) => server.close(() => r())) });
    }),
  );
}

const savedHost = env.remoteHost;
const tmp = tempDir('saturi-hub-');
beforeAll(() => {
  makeTinyModel(DEFAULT_TINY_MODEL_DIR, TINY_CONFIG);
});
afterAll(() => {
  env.remoteHost = savedHost;
  tmp.cleanup();
});

const samples = Float32Array.from({ length: 16000 }, (_, i) => 0.3 * Math.sin(i * 0.05) + 0.1 * Math.sin(i * 0.31));

describe('model loading by repo id through the hub code', () => {
  it('downloads with per-file byte progress, caches, and loads again offline', async () => {
    const hub = await startHub();
    const cacheDir = join(tmp.dir, 'cache-a');
    env.remoteHost = hub.url;
    const progress: LoadProgress[] = [];
    const first = await loadEncoder(REPO, 'fp32', { cacheDir, onProgress: (p) => progress.push(p) });
    expect(first.info).toMatchObject({ backend: 'cpu', dtype: 'fp32', dim: TINY_CONFIG.hidden, modelId: REPO, revision: 'main' });
    // The real hub path was used: every model file came from the server in the resolve layout.
    for (const f of ['config.json', 'preprocessor_config.json', 'onnx/model.onnx', 'onnx/model.onnx_data']) {
      expect(hub.requests).toContain(`GET /${REPO}/resolve/main/${f}`);
    }
    const dataSize = statSync(join(DEFAULT_TINY_MODEL_DIR, 'onnx', 'model.onnx_data')).size;
    const dataDone = progress.filter((p) => p.file === 'onnx/model.onnx_data' && p.status === 'done');
    expect(dataDone.length).toBeGreaterThan(0);
    expect(dataDone.at(-1)).toMatchObject({ loaded: dataSize, total: dataSize });
    const bytes = progress.filter((p) => p.status === 'download');
    expect(bytes.length).toBeGreaterThan(0);
    for (const p of bytes) expect(p.loaded).toBeLessThanOrEqual(p.total);
    const e1 = (await embedSegments(first.session, first.extractor, [{ id: 'a', samples }], { mode: 'eval' }))[0]!.embedding;
    await first.dispose();
    await hub.close();

    // Server gone: the second load must come from the cache folder.
    const before = hub.requests.length;
    const second = await loadEncoder(REPO, 'fp32', { cacheDir });
    const e2 = (await embedSegments(second.session, second.extractor, [{ id: 'a', samples }], { mode: 'eval' }))[0]!.embedding;
    expect(Array.from(e2)).toEqual(Array.from(e1));
    expect(hub.requests.length).toBe(before);
    // saturi embed's session workers load the model again by the same repo id, from the same cache.
    expect(second.reload).toEqual({ model: { id: REPO, revision: 'main' }, dtype: 'fp32', cacheDir });
    const wav = join(tmp.dir, 'a.wav');
    writeFileSync(wav, encodeWav(samples, 16000, { float: true, bitsPerSample: 32 }));
    const pool = await SessionPoolEmbedder.start(2, { ...second.reload, threads: 1 }, { mode: 'eval' });
    try {
      for await (const chunk of pool.embed([{ id: 'a', file: wav, path: 'a.wav' }])) expect(Array.from(chunk.embedded[0]!.results[0]!.embedding)).toEqual(Array.from(e1));
    } finally {
      await pool.close();
    }
    expect(hub.requests.length).toBe(before);
    await second.dispose();

    // And the local folder gives the same numbers as the hub copy.
    const local = await loadEncoder(DEFAULT_TINY_MODEL_DIR, 'fp32');
    const e3 = (await embedSegments(local.session, local.extractor, [{ id: 'a', samples }], { mode: 'eval' }))[0]!.embedding;
    expect(Array.from(e3)).toEqual(Array.from(e1));
    await local.dispose();
  });

  it('saturi embed with sessions side by side: the first session downloads by repo id with byte progress, the others load from its cache', async () => {
    const hub = await startHub();
    const cacheDir = join(tmp.dir, 'cache-job');
    env.remoteHost = hub.url;
    const wavs = [0, 1, 2].map((i) => {
      const f = join(tmp.dir, `job-${i}.wav`);
      writeFileSync(f, encodeWav(samples.subarray(0, 8000 + 4000 * i), 16000, { float: true, bitsPerSample: 32 }));
      return f;
    });
    const csv = join(tmp.dir, 'job.csv');
    writeFileSync(csv, ['path,dialect', ...wavs.map((f) => `${f},Jeju-do`)].join('\n') + '\n');
    const progress: LoadProgress[] = [];
    let oneLoad: string[];
    try {
      // What one load into an empty cache asks the hub for.
      await (await loadEncoder(REPO, 'fp32', { cacheDir: join(tmp.dir, 'cache-one') })).dispose();
      oneLoad = hub.requests.splice(0);
      expect(oneLoad).toContain(`GET /${REPO}/resolve/main/onnx/model.onnx_data`);
      const summary = await runEmbedJob({ csv, out: join(tmp.dir, 'job-set'), model: REPO, dtype: 'fp32', split: 'eval', cacheDir, sessions: 2, onLoadProgress: (p) => progress.push(p) });
      expect(summary.layout).toMatchObject({ sessions: 2, featureWorker: false });
      expect(summary.embedded).toBe(3);
    } finally {
      await hub.close();
    }
    // Each file downloaded once, as by one load: the second session read the first one's cache.
    // (transformers.js may also ask for a byte range 0-0 of a file, for its size.)
    const downloads = (requests: string[]) => requests.filter((r) => !r.endsWith(')')).sort();
    expect(downloads(hub.requests)).toEqual(downloads(oneLoad));
    expect(downloads(hub.requests)).toContain(`GET /${REPO}/resolve/main/onnx/model.onnx_data`);
    const dataSize = statSync(join(DEFAULT_TINY_MODEL_DIR, 'onnx', 'model.onnx_data')).size;
    expect(progress.filter((p) => p.file === 'onnx/model.onnx_data' && p.status === 'done').at(-1)).toMatchObject({ loaded: dataSize, total: dataSize });
    expect(progress.some((p) => p.status === 'download')).toBe(true);
    const set = await readEmbeddingSet(join(tmp.dir, 'job-set'));
    expect(set.manifest.encoder).toEqual({ id: REPO, revision: 'main' });
    const local = await loadEncoder(DEFAULT_TINY_MODEL_DIR, 'fp32');
    try {
      const k = set.rows.findIndex((r) => r.path === wavs[1]);
      const e = (await embedSegments(local.session, local.extractor, [{ id: 'b', samples: samples.subarray(0, 12000) }], { mode: 'eval' }))[0]!.embedding;
      expect(Array.from(set.vectors.subarray(k * set.manifest.dim, (k + 1) * set.manifest.dim))).toEqual(Array.from(e));
    } finally {
      await local.dispose();
    }
  }, 60_000);

  it('saturi embed loads a repo id from the mirror HF_ENDPOINT names, as huggingface_hub does', async () => {
    const hub = await startHub();
    try {
      const dir = join(tmp.dir, 'endpoint');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'a.wav'), encodeWav(samples, 16000));
      writeFileSync(join(dir, 'set.csv'), 'name,path,dialect\na.wav,a.wav,Jeju-do\n');
      const r = await runCli(['embed', '--csv', join(dir, 'set.csv'), '--model', REPO, '--dtype', 'q8', '--out', join(dir, 'emb')], {
        env: { HF_ENDPOINT: hub.url.replace(/\/$/, ''), SATURI_MODEL_CACHE: join(dir, 'cache') },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/embedded 1,/);
      expect(hub.requests.some((q) => q.includes(`/${REPO}/resolve/main/onnx/model_quantized.onnx`))).toBe(true);
    } finally {
      await hub.close();
    }
  });

  it('loads a model folder by URL, cached under that URL', async () => {
    const hub = await startHub();
    const cacheDir = join(tmp.dir, 'cache-url');
    const url = `${hub.url}static/tiny-w2v-bert/`;
    const byUrl = await loadEncoder(url, 'q8', { cacheDir });
    expect(byUrl.info).toMatchObject({ backend: 'cpu', dtype: 'q8', modelId: url });
    expect(hub.requests).toContain('GET /static/tiny-w2v-bert/onnx/model_quantized.onnx');
    const e1 = (await embedSegments(byUrl.session, byUrl.extractor, [{ id: 'a', samples }], { mode: 'eval' }))[0]!.embedding;
    await byUrl.dispose();
    await hub.close();
    const again = await loadEncoder(url, 'q8', { cacheDir });
    const e2 = (await embedSegments(again.session, again.extractor, [{ id: 'a', samples }], { mode: 'eval' }))[0]!.embedding;
    expect(Array.from(e2)).toEqual(Array.from(e1));
    await again.dispose();
  });

  it('a missing file is an error naming its URL', async () => {
    const hub = await startHub({ omit: ['onnx/model_fp16.onnx'] });
    try {
      env.remoteHost = hub.url;
      const missing = `${hub.url}${REPO}/resolve/main/onnx/model_fp16.onnx`;
      await expect(loadEncoder(REPO, 'fp16', { cacheDir: join(tmp.dir, 'cache-b') })).rejects.toThrow(missing);
      // The same from saturi embed's first session, in a worker thread: still a ModelLoadError (the CLI's exit 2) naming the URL.
      const wav = join(tmp.dir, 'missing-job.wav');
      writeFileSync(wav, encodeWav(samples, 16000));
      const csv = join(tmp.dir, 'missing-job.csv');
      writeFileSync(csv, `path,dialect\n${wav},Jeju-do\n${wav.replace('.wav', '-2.wav')},Jeju-do\n`);
      const job = runEmbedJob({ csv, out: join(tmp.dir, 'missing-job-set'), model: REPO, dtype: 'fp16', split: 'eval', cacheDir: join(tmp.dir, 'cache-b2'), sessions: 2 });
      await expect(job).rejects.toThrow(missing);
      await expect(job).rejects.toBeInstanceOf(ModelLoadError);
      await expect(job).rejects.toMatchObject({ location: missing });
    } finally {
      await hub.close();
    }
  });

  it('an unreachable host is an error naming the URL tried', async () => {
    const hub = await startHub();
    const url = hub.url;
    await hub.close(); // nothing listens there any more
    env.remoteHost = url;
    await expect(loadEncoder(REPO, 'q8', { cacheDir: join(tmp.dir, 'cache-c') })).rejects.toThrow(url);
  });
});
