// AIHub API (client version 0.6): key check, dataset list, file tree, download request.
// The key goes only into the `apikey` request header; it is never part of a message.
import type { IncomingMessage } from 'node:http';
import { AihubError, httpAnswerError } from './errors.ts';
import { httpGet, readBodyText } from './http-client.ts';
import { parseDatasetList, parseFileTree, type DatasetListRow, type FileTreeRow } from './tree.ts';

export interface AihubClientOptions {
  baseUrl: string;
  apiKey?: string;
  apiVersion?: string;
  idleTimeoutMs?: number;
}

export interface DownloadResponse {
  /** 200 (whole tar) or 206 (from `rangeStart`). */
  status: 200 | 206;
  /** Offset of the first body byte within the whole tar. */
  start: number;
  /** Length of the whole tar, when the server said (Content-Length / Content-Range). */
  total: number | null;
  body: IncomingMessage;
}

export class AihubClient {
  readonly baseUrl: string;
  readonly apiVersion: string;
  readonly #apiKey: string | undefined;
  readonly #idleTimeoutMs: number | undefined;

  constructor(opts: AihubClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.apiVersion = opts.apiVersion ?? '0.6';
    this.#apiKey = opts.apiKey;
    this.#idleTimeoutMs = opts.idleTimeoutMs;
  }

  get hasKey(): boolean {
    return !!this.#apiKey;
  }

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.#apiKey ? { apikey: this.#apiKey } : {}), 'user-agent': 'saturi', ...extra };
  }

  async #getText(path: string, what: string): Promise<string> {
    const res = await httpGet(this.baseUrl + path, { headers: this.#headers(), idleTimeoutMs: this.#idleTimeoutMs });
    const text = await readBodyText(res.body, 4 * 1024 * 1024);
    if (res.status !== 200) throw httpAnswerError(res.status, text, what);
    return text;
  }

  /** Checks the API key; throws AihubError with the server's message when it is refused. */
  async validateKey(): Promise<string> {
    if (!this.#apiKey) throw new AihubError('no AIHub API key: set AIHUB_APIKEY (environment or .env) or pass --apikey', false);
    return this.#getText('/api/keyValidate.do', 'the API key check');
  }

  async datasetListText(): Promise<string> {
    return this.#getText('/info/dataset.do', 'the dataset list');
  }

  async datasetList(): Promise<DatasetListRow[]> {
    return parseDatasetList(await this.datasetListText());
  }

  async fileTreeText(datasetKey: string): Promise<string> {
    return this.#getText(`/info/${encodeURIComponent(datasetKey)}.do`, `the file tree of dataset ${datasetKey}`);
  }

  async fileTree(datasetKey: string): Promise<FileTreeRow[]> {
    return parseFileTree(await this.fileTreeText(datasetKey));
  }

  /**
   * Starts `GET /down/<ver>/<dataset>.do?fileSn=<filekeys>`; with `rangeStart > 0` asks for the
   * rest of the tar from that byte. Non-success answers are read (a short text) and thrown as
   * AihubError, so an error message is never mistaken for tar data.
   */
  async openDownload(datasetKey: string, fileSn: string, rangeStart = 0, signal?: AbortSignal): Promise<DownloadResponse> {
    if (!this.#apiKey) throw new AihubError('no AIHub API key: set AIHUB_APIKEY (environment or .env) or pass --apikey', false);
    const url = `${this.baseUrl}/down/${this.apiVersion}/${encodeURIComponent(datasetKey)}.do?fileSn=${encodeURIComponent(fileSn)}`;
    const headers = this.#headers(rangeStart > 0 ? { range: `bytes=${rangeStart}-` } : {});
    const res = await httpGet(url, { headers, idleTimeoutMs: this.#idleTimeoutMs, signal });
    const what = `dataset ${datasetKey} filekey ${fileSn}`;
    if (res.status === 200) {
      const len = Number(res.headers['content-length']);
      return { status: 200, start: 0, total: Number.isFinite(len) && len > 0 ? len : null, body: res.body };
    }
    if (res.status === 206) {
      const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(String(res.headers['content-range'] ?? '').trim());
      if (!m) {
        res.body.destroy();
        throw new AihubError(`AIHub sent a partial answer for ${what} without a usable Content-Range`, true, 206);
      }
      return { status: 206, start: Number(m[1]), total: m[3] === '*' ? null : Number(m[3]), body: res.body };
    }
    const text = await readBodyText(res.body);
    throw httpAnswerError(res.status, text, what);
  }
}
