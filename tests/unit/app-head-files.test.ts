// The app's head import from files (src/browser/services/head-files.ts), with Node's File.
import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { exportHead } from '../../src/core/head/hf-format.ts';
import { initHeadParams } from '../../src/core/head/init.ts';
import { LABEL_NAMES } from '../../src/core/config/labels.ts';
import { importHeadFiles } from '../../src/browser/services/head-files.ts';

const spec = { type: 'hf', inputDim: 16, hiddenSize: 4, numLabels: 6, activation: 'none', dropout: 0 } as const;
const files = exportHead({ spec, params: initHeadParams(spec, 1), labels: [...LABEL_NAMES] });
const loose = (over: Partial<Record<keyof typeof files, string | Uint8Array>> = {}) =>
  Object.entries({ ...files, ...over }).map(([name, data]) => new File([data as BlobPart], name));

describe('importing a head from files in the app', () => {
  it("names a head from loose files by date, not after its first file, and errors name the file alone", async () => {
    const head = await importHeadFiles(loose());
    expect(head.name).toMatch(/^head · \d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(head.head.spec).toEqual(spec);
    await expect(importHeadFiles(loose({ 'config.json': '{"id2label": ' }))).rejects.toThrow(/^config\.json: /);
    await expect(importHeadFiles(loose().filter((f) => f.name !== 'config.json'))).rejects.toThrow(/^config\.json is missing$/);
  });

  it("a zip names the head and prefixes its errors", async () => {
    const zipped = zipSync({ 'my-head/model.safetensors': files['model.safetensors'], 'my-head/config.json': new TextEncoder().encode(files['config.json']) });
    const head = await importHeadFiles([new File([zipped as BlobPart], 'my-head.zip')]);
    expect(head.name).toBe('my-head');
    const noConfig = zipSync({ 'my-head/model.safetensors': files['model.safetensors'] });
    await expect(importHeadFiles([new File([noConfig as BlobPart], 'my-head.zip')])).rejects.toThrow(/^my-head: config\.json is missing$/);
  });
});
