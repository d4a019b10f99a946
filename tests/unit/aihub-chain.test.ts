import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { makeZip, pseudoRandomBytes } from '../helpers/archives.ts';
import { startMockAihub, type MockAihub } from '../helpers/mock-aihub.ts';
import { tempDir } from '../helpers/paths.ts';
import { AihubClient } from '../../src/node/aihub/client.ts';
import { downloadDataset } from '../../src/node/aihub/download.ts';
import { createProgressBars } from '../../src/node/aihub/progress.ts';
import { unpackDir } from '../../src/node/unpack/unpack-dir.ts';

const KEY = 'chain-key';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
let mock: MockAihub | null = null;
let cleanup: (() => void) | null = null;
afterEach(async () => {
  await mock?.close();
  cleanup?.();
});

describe('download → unpack', () => {
  it('AIHub zips with CP949 names arrive split and interrupted, and unpack into proper Korean paths', async () => {
    const wav = pseudoRandomBytes(90_000, 5);
    const label = JSON.stringify({ id: '말뭉치_001', utterance: [{ start: 1.5, end: 5 }] });
    const folder = '013.한국어_방언_발화_데이터(강원도)/01.데이터/1.Training';
    const audioZip = makeZip([
      { name: '강원도/', encoding: 'cp949' },
      { name: '강원도/말뭉치_001.wav', data: wav, encoding: 'cp949', method: 'store' },
    ]);
    const labelZip = makeZip([{ name: '강원도/말뭉치_001.json', data: label, encoding: 'cp949' }]);
    mock = await startMockAihub({
      apiKey: KEY,
      pieceSize: 8 * 1024,
      datasets: [
        {
          key: '118',
          name: '한국어 방언 발화(강원도)',
          files: [
            { filekey: '37495', path: `${folder}/원천데이터/[원천]강원도_학습데이터_1.zip`, data: audioZip },
            { filekey: '37496', path: `${folder}/라벨링데이터/[라벨]강원도_학습데이터_1.zip`, data: labelZip },
          ],
        },
      ],
    });
    mock.failures.push({ kind: 'drop', afterBytes: 40_000, filekey: '37495' });
    const t = tempDir('saturi-chain-');
    cleanup = t.cleanup;
    const raw = join(t.dir, 'data', 'raw');

    // Progress bars drawn into a fake terminal while downloading.
    const term = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    let drawn = '';
    term.on('data', (d: Buffer) => (drawn += d.toString()));
    const bars = createProgressBars(term as unknown as NodeJS.WritableStream);
    const summary = await downloadDataset({
      client: new AihubClient({ baseUrl: mock.url, apiKey: KEY }),
      dataset: '118',
      filekeys: ['37495', '37496'],
      outDir: raw,
      retryDelayMs: 1,
      events: bars,
    });
    bars.stop();
    expect(summary.ok).toBe(true);
    expect(drawn).toMatch(/118\/37495/);
    expect(drawn).toMatch(/overall/);
    expect(drawn).toMatch(/ETA/);
    expect(drawn).not.toContain(KEY);

    const unpacked = await unpackDir(raw, { concurrency: 2 });
    expect(unpacked.ok).toBe(true);
    expect(unpacked.extracted).toBe(2);
    const audioDir = join(raw, folder, '원천데이터', '[원천]강원도_학습데이터_1');
    expect(sha(readFileSync(join(audioDir, '강원도', '말뭉치_001.wav')))).toBe(sha(wav));
    expect(readFileSync(join(raw, folder, '라벨링데이터', '[라벨]강원도_학습데이터_1', '강원도', '말뭉치_001.json'), 'utf8')).toBe(label);
    expect(existsSync(join(raw, folder, '원천데이터', '[원천]강원도_학습데이터_1.zip'))).toBe(false);
  });
});
