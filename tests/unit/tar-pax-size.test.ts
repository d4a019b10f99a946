// Entry sizes given by pax size records. Writers put an entry of 8 GiB or more in a pax header
// ("<len> size=<n>\n") and 0 in the ustar size field (python tarfile PAX_FORMAT does); tar-stream
// reads the pax size, so the block tracker in front of it must too, in unpack and in the AIHub
// download (where it also gives the offsets a resume starts from). Small sizes stand in for 8 GiB:
// what matters is where the size comes from.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pseudoRandomBytes } from '../helpers/archives.ts';
import { tempDir } from '../helpers/paths.ts';
import { AihubClient } from '../../src/node/aihub/client.ts';
import { downloadFilekey } from '../../src/node/aihub/download-filekey.ts';
import { loadState } from '../../src/node/aihub/state.ts';
import { extractTar } from '../../src/node/unpack/extract-tar.ts';
import { TarBlockTracker, TarFormatError } from '../../src/node/unpack/tar-blocks.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A ustar header; `size` goes in the size field as is (0 where a pax record carries the real size). */
function ustar(name: string, size: number, type: string, base256 = false): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  if (base256) {
    h[124] = 0x80;
    let v = size;
    for (let i = 135; i > 124; i--) {
      h[i] = v % 256;
      v = Math.floor(v / 256);
    }
  } else {
    h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  }
  h.write('00000000000\0', 136, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

/** pax records "<len> <key>=<value>\n", len counting the whole record (its own digits included). */
function paxRecords(records: Record<string, string>): Buffer {
  let text = '';
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(body) + 1;
    while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
    text += `${len}${body}`;
  }
  return Buffer.from(text, 'utf8');
}

const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);

type Part =
  | { global: Record<string, string> }
  | { name: string; data: Buffer; pax?: Record<string, string>; field?: number };

/** A tar from parts: a pax global header, or a file (ustar size field `field`, 0 by default, pax records before it). */
function paxTar(parts: Part[]): Buffer {
  const out: Buffer[] = [];
  for (const p of parts) {
    if ('global' in p) {
      const d = paxRecords(p.global);
      out.push(ustar('pax_global_header', d.length, 'g'), pad(d));
      continue;
    }
    if (p.pax) {
      const d = paxRecords(p.pax);
      out.push(ustar(`PaxHeaders/${p.name}`, d.length, 'x'), pad(d));
    }
    out.push(ustar(p.name, p.field ?? 0, '0'), pad(p.data));
  }
  out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}

const A = pseudoRandomBytes(3000, 1);
const B = pseudoRandomBytes(20_000, 2);
const C = pseudoRandomBytes(3000, 3);
const D = pseudoRandomBytes(700, 4);

/** The tracker in front of tar-stream, as unpack and the download use them: entries' names, bytes and records. */
async function readThrough(tar: Buffer, chunk = 333) {
  const tracker = new TarBlockTracker();
  const extractor = tarExtract();
  const files: { name: string; data: Buffer }[] = [];
  const consume = (async () => {
    for await (const entry of extractor) {
      const parts: Buffer[] = [];
      for await (const c of entry as AsyncIterable<Buffer>) parts.push(c);
      files.push({ name: entry.header.name, data: Buffer.concat(parts) });
    }
  })();
  const chunks: Buffer[] = [];
  for (let i = 0; i < tar.length; i += chunk) chunks.push(tar.subarray(i, i + chunk));
  await Promise.all([pipeline(Readable.from(chunks), tracker, extractor), consume]);
  return { files, records: tracker.records, tracker };
}

describe('pax size records in the block tracker', () => {
  it("an 'x' header's size overrides a ustar size field of 0 (records, and what tar-stream extracts)", async () => {
    const tar = paxTar([{ name: 'big.bin', data: A, pax: { size: String(A.length) } }, { name: 'next.bin', data: D, field: D.length }]);
    for (const chunk of [1, 333, 100_000]) {
      const { files, records, tracker } = await readThrough(tar, chunk);
      expect(tracker.sawEnd).toBe(true);
      expect(records.map((r) => [r.start, r.dataStart, r.size, r.end])).toEqual([
        [0, 1536, 3000, 1536 + 3072],
        [4608, 5120, 700, 5120 + 1024],
      ]);
      expect(files.map((f) => [f.name, sha(f.data)])).toEqual([
        ['big.bin', sha(A)],
        ['next.bin', sha(D)],
      ]);
    }
  });

  it("a 'g' global size applies to every later entry without its own; an 'x' size overrides it for one entry", async () => {
    const tar = paxTar([
      { global: { size: String(A.length), comment: 'all 3000' } },
      { name: 'a.bin', data: A },
      { name: 'b.bin', data: B, pax: { size: String(B.length), path: 'b.bin' } },
      { name: 'c.bin', data: C, pax: { path: 'c.bin' } }, // an 'x' header with no size: the global one applies
      { name: 'd.bin', data: D, pax: { size: '' }, field: D.length }, // an empty value deletes it: the ustar field applies
    ]);
    const { files, records } = await readThrough(tar);
    expect(records.map((r) => r.size)).toEqual([3000, 20_000, 3000, 700]);
    expect(records.map((r) => r.paxGlobalSize)).toEqual([3000, 3000, 3000, 3000]);
    expect(files.map((f) => [f.name, sha(f.data)])).toEqual([
      ['a.bin', sha(A)],
      ['b.bin', sha(B)],
      ['c.bin', sha(C)],
      ['d.bin', sha(D)],
    ]);
  });

  it('reads GNU base-256 sizes, and refuses a pax size that is not a number', async () => {
    const t = new TarBlockTracker();
    t.write(ustar('huge.bin', 9 * 1024 ** 3, '0', true));
    expect(t.records.map((r) => r.size)).toEqual([9 * 1024 ** 3]);
    t.destroy();
    const bad = paxTar([{ name: 'x.bin', data: A, pax: { size: '3e3' } }]);
    await expect(readThrough(bad)).rejects.toSatisfy((e: unknown) => e instanceof TarFormatError && /bad pax size record/.test(e.message));
  });

  it('unpack (extractTar) extracts entries sized by pax records with the right bytes', async () => {
    const { dir, cleanup } = tempDir('saturi-pax-');
    try {
      const tar = paxTar([{ name: 'big.bin', data: A, pax: { size: String(A.length) } }, { global: { size: String(C.length) } }, { name: 'dir/c.bin', data: C }]);
      const archive = join(dir, 'pax.tar');
      writeFileSync(archive, tar);
      const r = await extractTar(archive, join(dir, 'x'), { gzip: false });
      expect(r).toMatchObject({ files: 2, bytes: A.length + C.length, refused: [] });
      expect(sha(readFileSync(join(dir, 'x', 'big.bin')))).toBe(sha(A));
      expect(sha(readFileSync(join(dir, 'x', 'dir', 'c.bin')))).toBe(sha(C));
    } finally {
      cleanup();
    }
  });
});

describe('pax size records in the AIHub download', () => {
  let server: Server;
  let out: string;
  let cleanup: () => void;
  let tar: Buffer;
  /** Byte counts after which the next answers break off (one per answer, in order). */
  let cuts: number[];
  let ranges: (string | undefined)[];

  beforeEach(async () => {
    ({ dir: out, cleanup } = tempDir('saturi-pax-dl-'));
    cuts = [];
    ranges = [];
    server = createServer((req, res) => {
      if (!req.url!.startsWith('/down/')) {
        res.end('ok');
        return;
      }
      ranges.push(req.headers.range);
      const m = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
      const start = m ? Number(m[1]) : 0;
      if (m) res.writeHead(206, { 'content-length': tar.length - start, 'content-range': `bytes ${start}-${tar.length - 1}/${tar.length}` });
      else res.writeHead(200, { 'content-length': tar.length });
      const cut = cuts.shift();
      if (cut === undefined) {
        res.end(tar.subarray(start));
        return;
      }
      // Cut the connection once the client had time to take the bytes in (tar-stream drops what an
      // entry still buffers when its stream ends early).
      res.write(tar.subarray(start, start + cut), () => setTimeout(() => res.socket?.destroy(), 100));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    cleanup();
  });

  const download = () =>
    downloadFilekey(new AihubClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'k' }), {
      dataset: '1',
      filekey: '2',
      outDir: out,
      retries: 0,
      retryDelayMs: 1,
      maxRetryDelayMs: 2,
    });

  it("an entry sized by an 'x' record downloads in one request with the right bytes", async () => {
    tar = paxTar([{ name: 'd/big.bin', data: A, pax: { size: String(A.length) } }, { name: 'd/next.bin', data: D, field: D.length }]);
    const r = await download();
    expect(r.requests).toBe(1);
    expect(r.files).toEqual(['d/big.bin', 'd/next.bin']);
    expect(sha(readFileSync(join(out, 'd/big.bin')))).toBe(sha(A));
    expect(sha(readFileSync(join(out, 'd/next.bin')))).toBe(sha(D));
  });

  it("resumes inside an entry sized by an 'x' record, and after it entries sized by a 'g' record sent before the resume point", async () => {
    tar = paxTar([
      { global: { size: String(A.length) } },
      { name: 'd/a.bin', data: A },
      { name: 'd/b.bin', data: B, pax: { size: String(B.length) } },
      { name: 'd/c.bin', data: C },
    ]);
    // a.bin: g header 0-1023, header 1024, data 1536-4607; b.bin: x header 4608-5631, header 5632, data 6144-26143.
    cuts = [6144 + 10_000];
    await expect(download()).rejects.toThrow(/giving up/);
    const state = (await loadState(out, '1', '2'))!;
    expect(state.current).toEqual({ name: 'd/b.bin', dataStart: 6144, size: B.length });
    expect(state.paxGlobalSize).toBe(A.length);
    const r = await download();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    const from = Number(/(\d+)/.exec(ranges[1]!)![1]);
    expect(from).toBeGreaterThan(6144);
    expect((from - 6144) % 512).toBe(0);
    expect(r.files).toEqual(['d/a.bin', 'd/b.bin', 'd/c.bin']);
    expect(sha(readFileSync(join(out, 'd/a.bin')))).toBe(sha(A));
    expect(sha(readFileSync(join(out, 'd/b.bin')))).toBe(sha(B));
    expect(sha(readFileSync(join(out, 'd/c.bin')))).toBe(sha(C));
  });

  it("resumes at an entry boundary after the 'g' header: the global size comes from the saved state", async () => {
    tar = paxTar([{ global: { size: String(A.length) } }, { name: 'd/a.bin', data: A }, { name: 'd/c.bin', data: C }]);
    // a.bin ends at 4608; the cut falls inside c.bin's header, so the resume starts at 4608.
    cuts = [4608 + 100];
    await expect(download()).rejects.toThrow(/giving up/);
    const r = await download();
    expect(ranges[1]).toBe('bytes=4608-');
    expect(r.files).toEqual(['d/a.bin', 'd/c.bin']);
    expect(sha(readFileSync(join(out, 'd/c.bin')))).toBe(sha(C));
  });
});
