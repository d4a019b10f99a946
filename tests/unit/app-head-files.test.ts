// The app's head import from files (src/browser/services/head-files.ts), with Node's File.
import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { exportHead } from '../../src/core/head/hf-format.ts';
import { initHeadParams } from '../../src/core/head/init.ts';
import { LABEL_NAMES } from '../../src/core/config/labels.ts';
import { importHeadFiles } from '../../src/browser/services/head-files.ts';
import { bytesSource } from '../../src/core/io/byte-source.ts';
import { readHeader, readTensors, serializeSafetensors } from '../../src/core/safetensors/format.ts';

const spec = { type: 'hf', inputDim: 16, hiddenSize: 4, numLabels: 6, activation: 'none', dropout: 0 } as const;
const files = exportHead({ spec, params: initHeadParams(spec, 1), labels: [...LABEL_NAMES] });
const loose = (over: Partial<Record<keyof typeof files, string | Uint8Array>> = {}) =>
  Object.entries({ ...files, ...over }).map(([name, data]) => new File([data as BlobPart], name));

describe('importing a head from files in the app', () => {
  it("names a head from loose files by date, not after its first file, and errors name the file alone", async () => {
    const { head, warnings } = await importHeadFiles(loose());
    expect(warnings).toEqual([]);
    expect(head.name).toMatch(/^head · \d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(head.head.spec).toEqual(spec);
    await expect(importHeadFiles(loose({ 'config.json': '{"id2label": ' }))).rejects.toThrow(/^config\.json: /);
    await expect(importHeadFiles(loose().filter((f) => f.name !== 'config.json'))).rejects.toThrow(/^config\.json is missing$/);
  });

  it('reads only the header and the head tensors of a large model.safetensors (the published one is 2.3 GB)', async () => {
    // The head's tensors after 64 MiB of encoder weights, as in a full model's file.
    const small = bytesSource(files['model.safetensors'], 'model.safetensors');
    const header = await readHeader(small);
    const names = Object.keys(header.tensors);
    const tensors = await readTensors(small, header, names);
    const filler = { name: 'wav2vec2_bert.encoder.filler', shape: [16 * 1024 * 1024], data: new Float32Array(16 * 1024 * 1024) };
    const full = serializeSafetensors([filler, ...names.map((n) => ({ name: n, shape: header.tensors[n]!.shape, data: tensors.get(n)!.data }))]);
    let read = 0;
    class CountingFile extends File {
      override slice(start?: number, end?: number, type?: string): Blob {
        read += (end ?? this.size) - (start ?? 0);
        return super.slice(start, end, type);
      }
    }
    const model = new CountingFile([full as BlobPart], 'model.safetensors');
    const { head } = await importHeadFiles([model, ...loose().filter((f) => f.name !== 'model.safetensors')]);
    expect(head.head.spec).toEqual(spec);
    expect(Array.from(head.head.params.w1)).toEqual(Array.from((await importHeadFiles(loose())).head.head.params.w1));
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(64 * 1024);
  });

  it("a zip names the head and prefixes its errors", async () => {
    const zipped = zipSync({ 'my-head/model.safetensors': files['model.safetensors'], 'my-head/config.json': new TextEncoder().encode(files['config.json']) });
    const { head } = await importHeadFiles([new File([zipped as BlobPart], 'my-head.zip')]);
    expect(head.name).toBe('my-head');
    const noConfig = zipSync({ 'my-head/model.safetensors': files['model.safetensors'] });
    await expect(importHeadFiles([new File([noConfig as BlobPart], 'my-head.zip')])).rejects.toThrow(/^my-head: config\.json is missing$/);
  });

  it('a zip of a run folder (checkpoints beside the head) is refused, not paired by file name', async () => {
    const other = exportHead({ spec, params: initHeadParams(spec, 2), labels: [...LABEL_NAMES] });
    const enc = (t: string) => new TextEncoder().encode(t);
    const run = zipSync({
      'run/head/model.safetensors': files['model.safetensors'],
      'run/head/config.json': enc(files['config.json']),
      'run/checkpoint-2/model.safetensors': other['model.safetensors'],
      'run/config.json': enc('{"learning_rate": 5e-5}'),
    });
    await expect(importHeadFiles([new File([run as BlobPart], 'run.zip')])).rejects.toThrow('run.zip: holds 2 heads (run/head/, run/checkpoint-2/); zip one head folder');
    // One head folder beside other files: its own config, not the training config.
    const one = zipSync({ 'run/head/model.safetensors': files['model.safetensors'], 'run/head/config.json': enc(files['config.json']), 'run/config.json': enc('{"learning_rate": 5e-5}') });
    expect((await importHeadFiles([new File([one as BlobPart], 'run.zip')])).head.head.spec).toEqual(spec);
  });

  it('returns the import warnings (a weighted layer sum) for the page to show', async () => {
    const config = { ...JSON.parse(files['config.json']), use_weighted_layer_sum: true };
    const { warnings } = await importHeadFiles(loose({ 'config.json': JSON.stringify(config) }));
    expect(warnings.join('\n')).toMatch(/use_weighted_layer_sum/);
  });
});
