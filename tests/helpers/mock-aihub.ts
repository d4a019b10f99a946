// A mock AIHub API server on 127.0.0.1 for tests: key check, dataset list, file trees, and
// downloads answering a tar (built with tar-stream) whose large files are split into `.partN`
// pieces, with optional Range support and injectable failures.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeTar, type TarEntrySpec } from './archives.ts';

export interface MockFile {
  filekey: string;
  /** Path inside the tar, starting with the dataset folder. */
  path: string;
  data: Uint8Array;
}

export interface MockDataset {
  key: string;
  name: string;
  files: MockFile[];
}

export type MockFailure =
  /** Send `afterBytes` bytes of the body, then cut the connection. */
  | { kind: 'drop'; afterBytes: number; filekey?: string }
  /** Answer this status and text body instead of the tar. */
  | { kind: 'status'; status: number; body: string; filekey?: string };

export interface MockRequest {
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  status?: number;
}

export interface MockAihubOptions {
  apiKey: string;
  datasets: MockDataset[];
  /** Files larger than this are split into `.part0 … .partN` pieces (default 16 KiB). */
  pieceSize?: number;
  rangeSupport?: boolean;
  /** Body chunk size when streaming (default 8 KiB): small, so drops land mid-entry. */
  chunkSize?: number;
}

export const APPROVAL_EXPIRED_MESSAGE = '데이터 사용 승인 기간이 만료되었습니다. AIHub에서 다시 신청해 주세요.';
export const WRONG_KEY_MESSAGE = '유효하지 않은 API 키입니다.';

export interface MockAihub {
  url: string;
  requests: MockRequest[];
  /** Downloads answer 206 to `Range: bytes=N-` when true, else the whole tar with 200. */
  rangeSupport: boolean;
  /** Every download answers 502 with APPROVAL_EXPIRED_MESSAGE. */
  approvalExpired: boolean;
  /** Downloads are sent chunked, their length unsaid (no Content-Length, `bytes a-b/*`). */
  unsizedAnswers: boolean;
  /** Tars are sent without their two zero end-of-archive blocks. */
  noEndBlocks: boolean;
  /** Consumed in order by matching download requests, one failure per request. */
  failures: MockFailure[];
  /** Statuses answered instead, one per request, by the key check, the dataset list and the file trees. */
  infoFailures: { status: number; body: string }[];
  /** The exact tar body served for `fileSn` of a dataset. */
  tarFor(datasetKey: string, fileSn: string): Promise<Buffer>;
  /** Tar entry names for `fileSn`, in tar order. */
  entryNamesFor(datasetKey: string, fileSn: string): Promise<string[]>;
  downloads(): MockRequest[];
  close(): Promise<void>;
}

function humanSize(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 10 ? 0 : 1)} ${units[i]}`;
}

/** The tree text AIHub draws for a dataset (notice lines first, like the real answer). */
export function treeText(ds: MockDataset): string {
  type Node = { name: string; children: Map<string, Node>; file?: MockFile };
  const root: Node = { name: '', children: new Map() };
  for (const f of ds.files) {
    let node = root;
    const parts = f.path.split('/');
    parts.forEach((part, i) => {
      let child = node.children.get(part);
      if (!child) {
        child = { name: part, children: new Map() };
        node.children.set(part, child);
      }
      if (i === parts.length - 1) child.file = f;
      node = child;
    });
  }
  const lines = ['=================== 공지사항 ===================', `${ds.name} | 데이터 다운로드 안내`, '================================================', ''];
  const walk = (node: Node, prefix: string) => {
    const kids = [...node.children.values()];
    kids.forEach((k, i) => {
      const last = i === kids.length - 1;
      const label = k.file ? `${k.name} | ${humanSize(k.file.data.length)} | ${k.file.filekey}` : k.name;
      lines.push(`${prefix}${last ? '└─' : '├─'}${label}`);
      walk(k, prefix + (last ? '    ' : '│   '));
    });
  };
  walk(root, '    ');
  return lines.join('\n') + '\n';
}

/** Tar entries for the selected files: folders, then files, big ones as pieces in TEXT order. */
function tarEntries(files: MockFile[], pieceSize: number): TarEntrySpec[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/') + '/');
  }
  const entries: TarEntrySpec[] = [...dirs].sort().map((name) => ({ name, type: 'directory' as const }));
  for (const f of files) {
    if (f.data.length <= pieceSize) {
      entries.push({ name: f.path, data: f.data });
      continue;
    }
    const pieces: TarEntrySpec[] = [];
    for (let i = 0, off = 0; off < f.data.length; i++, off += pieceSize) {
      pieces.push({ name: `${f.path}.part${i}`, data: f.data.subarray(off, Math.min(f.data.length, off + pieceSize)) });
    }
    // A server that lists pieces the way a shell glob does: part0, part1, part10, part11, part2, …
    pieces.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    entries.push(...pieces);
  }
  return entries;
}

export async function startMockAihub(opts: MockAihubOptions): Promise<MockAihub> {
  const pieceSize = opts.pieceSize ?? 16 * 1024;
  const chunkSize = opts.chunkSize ?? 8 * 1024;
  const cache = new Map<string, Promise<{ tar: Buffer; names: string[] }>>();
  const sockets = new Set<import('node:net').Socket>();

  const select = (datasetKey: string, fileSn: string): MockFile[] | null => {
    const ds = opts.datasets.find((d) => d.key === datasetKey);
    if (!ds) return null;
    if (fileSn === 'all') return ds.files;
    const keys = fileSn.split(',').map((s) => s.trim());
    const files = ds.files.filter((f) => keys.includes(f.filekey));
    return files.length === keys.length ? files : null;
  };
  const build = (datasetKey: string, fileSn: string) => {
    const id = `${datasetKey}:${fileSn}`;
    let p = cache.get(id);
    if (!p) {
      const files = select(datasetKey, fileSn);
      if (!files) throw new Error(`mock: unknown dataset/filekey ${id}`);
      const entries = tarEntries(files, pieceSize);
      p = makeTar(entries).then((tar) => ({ tar, names: entries.map((e) => e.name) }));
      cache.set(id, p);
    }
    return p;
  };

  const mock: MockAihub = {
    url: '',
    requests: [],
    rangeSupport: opts.rangeSupport ?? true,
    approvalExpired: false,
    unsizedAnswers: false,
    noEndBlocks: false,
    failures: [],
    infoFailures: [],
    tarFor: async (d, f) => (await build(d, f)).tar,
    entryNamesFor: async (d, f) => (await build(d, f)).names,
    downloads: () => mock.requests.filter((r) => r.path.startsWith('/down/')),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  const text = (res: ServerResponse, log: MockRequest, status: number, body: string) => {
    log.status = status;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const log: MockRequest = { path: u.pathname, query: Object.fromEntries(u.searchParams), headers: { ...req.headers } };
    mock.requests.push(log);
    const keyOk = req.headers['apikey'] === opts.apiKey;
    if ((u.pathname === '/api/keyValidate.do' || u.pathname.startsWith('/info/')) && mock.infoFailures.length) {
      const f = mock.infoFailures.shift()!;
      return text(res, log, f.status, f.body);
    }

    if (u.pathname === '/api/keyValidate.do') return keyOk ? text(res, log, 200, '유효한 API 키입니다.') : text(res, log, 401, WRONG_KEY_MESSAGE);
    if (u.pathname === '/info/dataset.do') {
      return text(res, log, 200, ['[데이터셋 목록]', ...opts.datasets.map((d) => `${d.key}, ${d.name}`)].join('\n') + '\n');
    }
    const info = /^\/info\/(\d+)\.do$/.exec(u.pathname);
    if (info) {
      const ds = opts.datasets.find((d) => d.key === info[1]);
      return ds ? text(res, log, 200, treeText(ds)) : text(res, log, 404, '데이터셋을 찾을 수 없습니다.');
    }
    const down = /^\/down\/0\.6\/(\d+)\.do$/.exec(u.pathname);
    if (!down) return text(res, log, 404, 'not found');
    if (!keyOk) return text(res, log, 401, WRONG_KEY_MESSAGE);
    if (mock.approvalExpired) return text(res, log, 502, APPROVAL_EXPIRED_MESSAGE);
    const fileSn = u.searchParams.get('fileSn') ?? '';
    if (!select(down[1], fileSn)) return text(res, log, 404, '파일을 찾을 수 없습니다.');
    const fi = mock.failures.findIndex((f) => !f.filekey || f.filekey === fileSn);
    const failure = fi >= 0 ? mock.failures.splice(fi, 1)[0] : null;
    if (failure?.kind === 'status') return text(res, log, failure.status, failure.body);

    const built = (await build(down[1], fileSn)).tar;
    // tar-stream ends a tar with two 512-byte zero blocks.
    const tar = mock.noEndBlocks ? built.subarray(0, built.length - 1024) : built;
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    if (range && mock.rangeSupport) {
      start = Number(range[1]);
      if (start >= tar.length) return text(res, log, 416, 'range not satisfiable');
      log.status = 206;
      res.writeHead(206, {
        'content-type': 'application/x-tar',
        ...(mock.unsizedAnswers ? {} : { 'content-length': tar.length - start }),
        'content-range': `bytes ${start}-${tar.length - 1}/${mock.unsizedAnswers ? '*' : tar.length}`,
        'accept-ranges': 'bytes',
      });
    } else {
      log.status = 200;
      res.writeHead(200, { 'content-type': 'application/x-tar', ...(mock.unsizedAnswers ? {} : { 'content-length': tar.length }) });
    }
    const limit = failure?.kind === 'drop' ? start + failure.afterBytes : tar.length;
    for (let off = start; off < Math.min(limit, tar.length); off += chunkSize) {
      const chunk = tar.subarray(off, Math.min(off + chunkSize, limit, tar.length));
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
      if (res.destroyed) return;
    }
    if (failure?.kind === 'drop') {
      // Let the bytes already written reach the client, then cut the connection without ending the body.
      await new Promise<void>((r) => res.write('', () => r()));
      res.socket?.destroy();
      return;
    }
    res.end();
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mock.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return mock;
}
