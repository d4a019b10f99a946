// Reading safetensors and configs over HTTP: a host that cannot be reached (offline, refused)
// is an error naming the URL, not fetch's bare "Failed to fetch" / "fetch failed".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchJson, httpSource } from '../../src/core/safetensors/http-source.ts';

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/config.json') return void res.end('{"hidden_size": 32}');
    res.statusCode = 404;
    res.end('no');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('http-source', () => {
  it('a host that refuses the connection is named with the URL and the reason', async () => {
    const gone = `${base}/config.json`;
    expect(await fetchJson(gone)).toEqual({ hidden_size: 32 });
    await new Promise<void>((r) => server.close(() => r()));
    await expect(fetchJson(gone)).rejects.toThrow(`${gone}: cannot be reached (fetch failed): offline, or the host is down`);
    await expect(httpSource(`${base}/model.safetensors`).size()).rejects.toThrow(`${base}/model.safetensors: cannot be reached`);
    server = createServer().listen(0, '127.0.0.1'); // for afterAll
  });

  it("the browser's TypeError is explained the same way", async () => {
    const offline = (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch;
    await expect(fetchJson('https://huggingface.co/x/resolve/main/config.json', { fetch: offline })).rejects.toThrow(
      'https://huggingface.co/x/resolve/main/config.json: cannot be reached (Failed to fetch): offline, or the host is down',
    );
    await expect(httpSource('https://h/m.safetensors', { fetch: offline }).read(0, 8)).rejects.toThrow('https://h/m.safetensors: cannot be reached (Failed to fetch)');
  });
});
