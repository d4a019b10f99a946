// A stand-in for the Hugging Face Hub's upload endpoints, on 127.0.0.1, as
// @huggingface/hub 2.x calls them (read from its src/lib/create-repo.ts and
// commit.ts):
//   POST /api/repos/create                                   {name, organization, type, visibility}
//   POST /api/{models|datasets}/{ns}/{name}/preupload/{rev}  → {files:[{path, uploadMode: lfs|regular}]}
//   POST /[datasets/]{ns}/{name}.git/info/lfs/objects/batch   → {transfer:"basic", objects:[{oid, size, actions.upload.href}]}
//   PUT  {upload href}                                        raw bytes (sha256 checked against the oid)
//   POST /api/{models|datasets}/{ns}/{name}/commit/{rev}      NDJSON: header, file (base64), lfsFile (oid)
//   PUT  /api/{models|datasets}/{ns}/{name}/settings          {private: bool} (huggingface_hub update_repo_settings)
// It records every request and the files each repo ends up with, checks the
// bearer token, allows CORS (for the browser test), and can fail chosen
// requests to exercise retries and resumes.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockRequest {
  method: string;
  path: string;
  status: number;
  /** Authorization header as received. */
  authorization?: string;
}

export interface MockCommit {
  repo: string;
  type: 'model' | 'dataset';
  summary: string;
  oid: string;
  files: string[];
}

export interface MockRepo {
  type: 'model' | 'dataset';
  id: string;
  private: boolean;
  files: Map<string, Buffer>;
  /** Each visibility the settings endpoint set, in order. */
  visibilityChanges: boolean[];
}

export interface FailureRule {
  method?: string;
  /** Matched against the request path. */
  path: RegExp;
  status: number;
  /** How many matching requests fail (then they pass). Infinity = until removed. */
  times: number;
  /** Let this many matching requests through before failing. */
  skip?: number;
}

/** The credentials a real storage upload URL carries in its query string (presigned S3): never to be shown. */
export const SIGNED_QUERY = 'X-Amz-Credential=MOCKCREDENTIAL&X-Amz-Signature=mocksignature0123';

/** Files the real Hub's default .gitattributes stores in LFS. */
const LFS_EXT = /\.(safetensors|bin|onnx|pt|wav|flac|mp3|ogg|m4a|parquet|arrow|zip|tar|gz)$/i;

export interface MockHub {
  url: string;
  token: string;
  requests: MockRequest[];
  commits: MockCommit[];
  repos: Map<string, MockRepo>;
  lfs: Map<string, Buffer>;
  fail(rule: FailureRule): FailureRule;
  clearFailures(): void;
  repo(type: 'model' | 'dataset', id: string): MockRepo | undefined;
  /** Put a repo on the hub as if someone had created it earlier. */
  addRepo(type: 'model' | 'dataset', id: string, opts?: { private?: boolean }): MockRepo;
  /** Whether anything was uploaded to the repo: a file, a commit, or a pre-upload request. */
  uploadedTo(type: 'model' | 'dataset', id: string): boolean;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startMockHub(opts: { token?: string } = {}): Promise<MockHub> {
  const token = opts.token ?? 'hf_mockTokenForTests0123456789';
  const requests: MockRequest[] = [];
  const commits: MockCommit[] = [];
  const repos = new Map<string, MockRepo>();
  const lfs = new Map<string, Buffer>();
  let failures: FailureRule[] = [];
  let base = '';
  let commitCounter = 0;

  const key = (type: string, id: string) => `${type}:${id}`;

  function cors(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, OPTIONS');
    // "*" does not cover Authorization in CORS; echo what the browser asks for.
    res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'authorization, content-type');
    res.setHeader('Access-Control-Expose-Headers', 'ETag, X-Request-Id');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  }

  function json(res: ServerResponse, status: number, body: unknown): void {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(new URL(req.url ?? '/', base).pathname);
    cors(req, res);
    if (method === 'OPTIONS') {
      res.statusCode = 204;
      res.end();
      return 204;
    }
    const rule = failures.find((f) => (!f.method || f.method === method) && f.path.test(path) && f.times > 0);
    if (rule && rule.skip) rule.skip--;
    else if (rule) {
      rule.times--;
      await readBody(req);
      json(res, rule.status, { error: `injected failure ${rule.status}` });
      return rule.status;
    }
    const isLfsPut = method === 'PUT' && path.startsWith('/lfs-upload/');
    if (!isLfsPut && req.headers.authorization !== `Bearer ${token}`) {
      await readBody(req);
      json(res, 401, { error: 'Invalid credentials in Authorization header' });
      return 401;
    }
    const body = await readBody(req);

    if (method === 'POST' && path === '/api/repos/create') {
      const p = JSON.parse(body.toString('utf8')) as { name: string; organization: string; type?: string; visibility?: string };
      const type = p.type === 'dataset' ? 'dataset' : 'model';
      const id = `${p.organization}/${p.name}`;
      if (repos.has(key(type, id))) {
        json(res, 409, { error: 'You already created this repo', url: `${base}/${id}` });
        return 409;
      }
      repos.set(key(type, id), { type, id, private: p.visibility === 'private', files: new Map(), visibilityChanges: [] });
      json(res, 200, { url: `${base}/${type === 'dataset' ? 'datasets/' : ''}${id}`, id });
      return 200;
    }

    let m = /^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/(preupload|commit)\/([^/]+)$/.exec(path);
    if (m && method === 'POST') {
      const type = m[1] === 'datasets' ? 'dataset' : 'model';
      const repo = repos.get(key(type, m[2]!));
      if (!repo) {
        json(res, 404, { error: 'Repository not found' });
        return 404;
      }
      if (m[3] === 'preupload') {
        const p = JSON.parse(body.toString('utf8')) as { files: { path: string; size: number }[] };
        json(res, 200, { files: p.files.map((f) => ({ path: f.path, uploadMode: LFS_EXT.test(f.path) || f.size > 10_000_000 ? 'lfs' : 'regular' })) });
        return 200;
      }
      // NDJSON commit: validate everything first, then apply atomically.
      const lines = body.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { key: string; value: Record<string, unknown> });
      const header = lines.find((l) => l.key === 'header');
      const staged = new Map<string, Buffer>();
      for (const l of lines) {
        if (l.key === 'file') {
          const enc = l.value.encoding === 'base64' ? 'base64' : 'utf8';
          staged.set(String(l.value.path), Buffer.from(String(l.value.content), enc));
        } else if (l.key === 'lfsFile') {
          const blob = lfs.get(String(l.value.oid));
          if (!blob || blob.length !== Number(l.value.size)) {
            json(res, 422, { error: `LFS object ${l.value.oid} for ${l.value.path} was not uploaded` });
            return 422;
          }
          staged.set(String(l.value.path), blob);
        }
      }
      for (const [p, b] of staged) repo.files.set(p, b);
      const oid = createHash('sha1').update(`commit-${++commitCounter}`).digest('hex');
      commits.push({ repo: repo.id, type, summary: String(header?.value.summary ?? ''), oid, files: [...staged.keys()] });
      json(res, 200, { success: true, commitOid: oid, commitUrl: `${base}/${type === 'dataset' ? 'datasets/' : ''}${repo.id}/commit/${oid}` });
      return 200;
    }

    // Repo info (huggingface_hub's repo_info, @huggingface/hub's repoExists).
    m = /^\/api\/(models|datasets)\/([^/]+\/[^/]+)$/.exec(path);
    if (m && method === 'GET') {
      const repo = repos.get(key(m[1] === 'datasets' ? 'dataset' : 'model', m[2]!));
      if (!repo) {
        json(res, 404, { error: 'Repository not found' });
        return 404;
      }
      json(res, 200, { id: repo.id, private: repo.private });
      return 200;
    }

    m = /^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/settings$/.exec(path);
    if (m && method === 'PUT') {
      const repo = repos.get(key(m[1] === 'datasets' ? 'dataset' : 'model', m[2]!));
      if (!repo) {
        json(res, 404, { error: 'Repository not found' });
        return 404;
      }
      const p = JSON.parse(body.toString('utf8')) as { private?: unknown };
      if (typeof p.private === 'boolean') {
        repo.private = p.private;
        repo.visibilityChanges.push(p.private);
      }
      json(res, 200, {});
      return 200;
    }

    m = /^\/(?:(datasets)\/)?([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/.exec(path);
    if (m && method === 'POST') {
      const p = JSON.parse(body.toString('utf8')) as { objects: { oid: string; size: number }[] };
      json(res, 200, {
        transfer: 'basic',
        objects: p.objects.map((o) =>
          // Objects already stored need no upload (no actions), as on the real Hub.
          lfs.has(o.oid) ? { oid: o.oid, size: o.size } : { oid: o.oid, size: o.size, actions: { upload: { href: `${base}/lfs-upload/${o.oid}?${SIGNED_QUERY}`, expires_in: 3600 } } },
        ),
      });
      return 200;
    }

    if (isLfsPut) {
      const oid = path.slice('/lfs-upload/'.length);
      const sha = createHash('sha256').update(body).digest('hex');
      if (sha !== oid) {
        json(res, 400, { error: `content sha256 ${sha} does not match ${oid}` });
        return 400;
      }
      lfs.set(oid, body);
      res.statusCode = 200;
      res.setHeader('ETag', `"${oid}"`);
      res.end();
      return 200;
    }

    json(res, 404, { error: `mock hub: no route for ${method} ${path}` });
    return 404;
  }

  const server = createServer((req, res) => {
    handle(req, res).then(
      (status) => requests.push({ method: req.method ?? 'GET', path: new URL(req.url ?? '/', base).pathname, status, authorization: req.headers.authorization }),
      (e: unknown) => {
        requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', status: 500 });
        if (!res.headersSent) json(res, 500, { error: String(e) });
        else res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    token,
    requests,
    commits,
    repos,
    lfs,
    fail(rule) {
      failures.push(rule);
      return rule;
    },
    clearFailures() {
      failures = [];
    },
    repo: (type, id) => repos.get(key(type, id)),
    addRepo(type, id, o = {}) {
      const r: MockRepo = { type, id, private: o.private ?? false, files: new Map(), visibilityChanges: [] };
      repos.set(key(type, id), r);
      return r;
    },
    uploadedTo(type, id) {
      return (
        (repos.get(key(type, id))?.files.size ?? 0) > 0 ||
        commits.some((c) => c.type === type && c.repo === id) ||
        requests.some((q) => q.path.startsWith(`/api/${type}s/${id}/preupload`))
      );
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * An exported head as the head exporter writes it (TEAM.md "Exported head"):
 * model.safetensors with Hugging Face tensor names, a
 * Wav2Vec2BertForSequenceClassification config.json, and saturi_head.json.
 * Small sizes; weights are a seeded pattern so byte comparisons are meaningful.
 */
export function makeHeadFixture(labels: readonly string[], opts: { dim?: number; proj?: number } = {}): {
  safetensors: Uint8Array;
  config: Record<string, unknown>;
  saturiHead: Record<string, unknown>;
} {
  const dim = opts.dim ?? 16;
  const proj = opts.proj ?? 8;
  const L = labels.length;
  const tensors: [string, number[]][] = [
    ['projector.weight', [proj, dim]],
    ['projector.bias', [proj]],
    ['classifier.weight', [L, proj]],
    ['classifier.bias', [L]],
  ];
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of tensors) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - (headerText.length % 8)) % 8);
  const hb = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + hb.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let seed = 12345;
  for (let i = 0; i < offset / 4; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    dv.setFloat32(8 + hb.length + i * 4, (seed / 2 ** 32 - 0.5) * 0.2, true);
  }
  const id2label = Object.fromEntries(labels.map((l, i) => [String(i), l]));
  const label2id = Object.fromEntries(labels.map((l, i) => [l, i]));
  const config = {
    architectures: ['Wav2Vec2BertForSequenceClassification'],
    model_type: 'wav2vec2-bert',
    hidden_size: dim,
    classifier_proj_size: proj,
    use_weighted_layer_sum: false,
    num_labels: L,
    id2label,
    label2id,
    finetuning_task: 'audio-classification',
  };
  // Same fields as src/core/head/hf-format.ts exportHead writes.
  const saturiHead = {
    format: 'saturi-head',
    version: 1,
    head: { type: 'hf', input_dim: dim, hidden_size: proj, num_labels: L, activation: 'none', dropout: 0 },
    labels: [...labels],
    encoder: { id: 'Xenova/w2v-bert-2.0', revision: 'main', dtype: 'q8' },
    training: { learning_rate: 0.001, num_train_epochs: 5, per_device_train_batch_size: 16, seed: 42, weight_decay: 0.01 },
    eval: { eval_loss: 1.234, eval_accuracy: 0.5682, eval_precision: 0.5726, eval_recall: 0.5682, eval_f1: 0.5579 },
    created: '2026-11-25T00:00:00.000Z',
  };
  return { safetensors: out, config, saturiHead };
}
