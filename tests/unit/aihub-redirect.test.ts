// Redirects on the AIHub client: a download may be answered from another address (the tools
// AIHub users run, curl -L and Python requests, follow them). The API key goes only to its origin.
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pseudoRandomBytes } from '../helpers/archives.ts';
import { startMockAihub, type MockAihub } from '../helpers/mock-aihub.ts';
import { tempDir } from '../helpers/paths.ts';
import { AihubClient } from '../../src/node/aihub/client.ts';
import { downloadFilekey } from '../../src/node/aihub/download-filekey.ts';
import { httpGet, MAX_REDIRECTS, readBodyText } from '../../src/node/aihub/http-client.ts';

const KEY = 'TEST-KEY-redirect-77';
const PATH = '009.한국어_방언/라벨링데이터/a.zip';
const DATA = pseudoRandomBytes(70_000, 5);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A server whose handler is given; resolves to its base URL. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let servers: Server[] = [];
let mock: MockAihub;
let cleanup: () => void;
let out: string;
beforeEach(async () => {
  mock = await startMockAihub({ apiKey: KEY, datasets: [{ key: '71517', name: 'x', files: [{ filekey: '1', path: PATH, data: DATA }] }], pieceSize: 1 << 20 });
  ({ dir: out, cleanup } = tempDir('saturi-redirect-'));
});
afterEach(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  servers = [];
  await mock.close();
  cleanup();
});

describe('AIHub client redirects', () => {
  it('a download answered by a redirect on the same host is followed, key and Range kept, and resumes', async () => {
    // Front: /down/… → 302 → /moved/down/…, which the front passes to the mock with the headers it got.
    const seen: IncomingHttpHeaders[] = [];
    let cut = true;
    const front = await serve((req, res) => {
      if (req.url!.startsWith('/down/')) {
        res.writeHead(302, { location: `/moved${req.url}` }).end('moved');
        return;
      }
      seen.push(req.headers);
      const up = request(mock.url + req.url!.replace(/^\/moved/, ''), { headers: req.headers }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        // The first answer breaks off after 30 000 bytes: the next request must resume with Range.
        if (cut && r.statusCode === 200) {
          cut = false;
          let sent = 0;
          r.on('data', (c: Buffer) => {
            if (sent >= 30_000) return;
            const part = c.subarray(0, 30_000 - sent);
            sent += part.length;
            // Flushed first, then the connection drops: the client holds 30 000 bytes.
            if (sent >= 30_000) res.write(part, () => res.destroy());
            else res.write(part);
          });
        } else r.pipe(res);
      });
      up.end();
    });
    servers.push(front.server);
    const client = new AihubClient({ baseUrl: front.url, apiKey: KEY });
    const r = await downloadFilekey(client, { dataset: '71517', filekey: '1', outDir: out, retryDelayMs: 2, maxRetryDelayMs: 10 });
    expect(r.status).not.toBe('skipped');
    expect(sha(readFileSync(join(out, PATH)))).toBe(sha(DATA));
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((h) => h.apikey === KEY)).toBe(true);
    expect(seen.slice(1).some((h) => /^bytes=\d+-$/.test(String(h.range)))).toBe(true);
  });

  it('a redirect to another host gets the Range header but never the API key', async () => {
    let storageSaw: IncomingHttpHeaders | undefined;
    const storage = await serve((req, res) => {
      storageSaw = req.headers;
      res.writeHead(200).end('tar bytes');
    });
    const front = await serve((req, res) => res.writeHead(307, { location: `${storage.url}/signed?token=abc` }).end());
    servers.push(storage.server, front.server);
    const res = await httpGet(`${front.url}/down/0.6/1.do?fileSn=1`, { headers: { apikey: KEY, range: 'bytes=10-' } });
    expect(res.status).toBe(200);
    expect(await readBodyText(res.body)).toBe('tar bytes');
    expect(storageSaw!.apikey).toBeUndefined();
    expect(storageSaw!.range).toBe('bytes=10-');
  });

  it('a redirect loop ends with an error naming the host, not a hang', async () => {
    let hits = 0;
    const loop = await serve((req, res) => {
      hits++;
      res.writeHead(302, { location: '/again' }).end();
    });
    servers.push(loop.server);
    const host = new URL(loop.url).host;
    await expect(httpGet(`${loop.url}/down`)).rejects.toThrow(`${host}: more than ${MAX_REDIRECTS} redirects`);
    expect(hits).toBe(MAX_REDIRECTS + 1);
  });
});
