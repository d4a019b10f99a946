import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesSource } from '../../src/core/io/byte-source.ts';
import { alignLabels, checkFrozenEncoder, exportHead, HeadFormatError, importHead, SATURI_HEAD_FORMAT } from '../../src/core/head/hf-format.ts';
import { serializeSafetensors } from '../../src/core/safetensors/format.ts';
import { initHeadParams } from '../../src/core/head/init.ts';
import { PARAM_NAMES, type Head } from '../../src/core/head/types.ts';
import { LABEL_NAMES } from '../../src/core/config/labels.ts';
import { hubPageToResolveUrl, loadHead } from '../../src/node/head/head-source.ts';
import { importHeadCommand } from '../../src/node/head/head-commands.ts';
import { runEvalFromConfig } from '../../src/node/head/eval-run.ts';
import { clusteredVectors, writeLabelledSet } from './head-fixtures.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/paths.ts';
import { baseModel, DIM, fineTunedModel, headTensors, hfConfig, PROJ, startRangeServer } from './head-hub-fixtures.ts';

const REPO = 'HERIUN/wav2vec-bert-korean-dialect-recognition';
const FINE = `/${REPO}/resolve/main/model.safetensors`;
const CONFIG = `/${REPO}/resolve/main/config.json`;
const BASE = '/facebook/w2v-bert-2.0/resolve/main/model.safetensors';
const TUNED_ENC = '/someone/tuned-encoder/resolve/main/model.safetensors';
const TUNED_CFG = '/someone/tuned-encoder/resolve/main/config.json';
const F16 = '/someone/f16-head/resolve/main/model.safetensors';
const F16_CFG = '/someone/f16-head/resolve/main/config.json';

describe('pretrained head import over HTTP range requests', () => {
  const fine = fineTunedModel();
  const tuned = fineTunedModel({ encoderSeed: 555 });
  const f16 = fineTunedModel({ dtype: 'F16', layerWeights: true });
  let server: Awaited<ReturnType<typeof startRangeServer>>;
  const tmp = tempDir('saturi-head-import-');
  beforeAll(async () => {
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    server = await startRangeServer(
      new Map([
        [FINE, fine.bytes],
        [CONFIG, enc(hfConfig())],
        [BASE, baseModel().bytes],
        [TUNED_ENC, tuned.bytes],
        [TUNED_CFG, enc(hfConfig())],
        [F16, f16.bytes],
        [F16_CFG, enc(hfConfig({ use_weighted_layer_sum: true, torch_dtype: 'float16' }))],
        [`/${REPO}/resolve/v1/model.safetensors`, fine.bytes],
        [`/${REPO}/resolve/v1/config.json`, enc(hfConfig())],
      ]),
    );
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('reads only the header and the head tensors of a 24 MB checkpoint (hub URL, configurable endpoint)', async () => {
    expect(fine.bytes.byteLength).toBeGreaterThan(24_000_000);
    server.served.clear();
    const out = join(tmp.dir, 'imported');
    const s = await importHeadCommand(REPO, { out, endpoint: server.url, checkEncoder: false, print: () => {} });
    const headBytes = headTensors().reduce((n, t) => n + t.values.length * 4, 0);
    // 1 byte to learn the size, the 8-byte length, the JSON header, the head tensors; nothing else.
    expect(server.served.get(FINE)).toBe(1 + fine.headerBytes + headBytes);
    expect(s.bytesRead).toBe(1 + fine.headerBytes + headBytes);
    expect(server.served.get(CONFIG)).toBe(JSON.stringify(hfConfig()).length);
    expect(s).toMatchObject({ inputDim: DIM, hiddenSize: PROJ, dtype: 'F32', labels: [...LABEL_NAMES] });
    const back = await loadHead(out);
    const want = Object.fromEntries(headTensors().map((t) => [t.name, t.values]));
    expect(back.head.params.w1).toEqual(want['projector.weight']);
    expect(back.head.params.b1).toEqual(want['projector.bias']);
    expect(back.head.params.w2).toEqual(want['classifier.weight']);
    expect(back.head.params.b2).toEqual(want['classifier.bias']);
  });

  it('a hub page address (the repo page, /tree/<rev>, /blob/<rev>/file) reads the files under /resolve/', async () => {
    const pages = [`${server.url}/${REPO}`, `${server.url}/${REPO}/`, `${server.url}/${REPO}/tree/v1`, `${server.url}/${REPO}/blob/v1/model.safetensors`];
    for (const page of pages) {
      const out = join(tmp.dir, `from-page-${pages.indexOf(page)}`);
      const s = await importHeadCommand(page, { out, endpoint: server.url, checkEncoder: false, print: () => {} });
      expect(s).toMatchObject({ inputDim: DIM, hiddenSize: PROJ });
    }
    expect(hubPageToResolveUrl('https://huggingface.co/HERIUN/x')).toBe('https://huggingface.co/HERIUN/x/resolve/main');
    // Not the hub, or already a file URL: as they are.
    expect(hubPageToResolveUrl('https://example.org/HERIUN/x')).toBe('https://example.org/HERIUN/x');
    expect(hubPageToResolveUrl(`https://huggingface.co/${FINE.slice(1)}`)).toBe(`https://huggingface.co/${FINE.slice(1)}`);
  });

  it('converts F16 heads, keeps layer_weights and warns about use_weighted_layer_sum', async () => {
    const loc = await loadHead(`${server.url}${F16}`);
    expect(loc.dtype).toBe('F16');
    expect(loc.head.layerWeights?.length).toBe(25);
    expect(loc.head.params.w1).toEqual(headTensors('F32')[3].values);
    expect(loc.warnings.join(' ')).toMatch(/use_weighted_layer_sum/);
    // Imported and written back as F32: the config must not say float16 any more.
    const out = join(tmp.dir, 'f16');
    await importHeadCommand('someone/f16-head', { out, endpoint: server.url, checkEncoder: false, print: () => {} });
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).torch_dtype).toBe('float32');
    // saturi eval says so too, as train does: the head is scored on inputs it was not trained on.
    const setDir = join(tmp.dir, 'wls-set');
    await writeLabelledSet(setDir, clusteredVectors(20, DIM, 7), 'test');
    const evalCfg = join(tmp.dir, 'wls-eval.json');
    writeFileSync(evalCfg, JSON.stringify({ model_name_or_path: out, eval_file: setDir }));
    const printed: string[] = [];
    await runEvalFromConfig(evalCfg, { print: (l) => printed.push(l) });
    expect(printed.filter((l) => l.startsWith('warning: ')).join('\n')).toMatch(/use_weighted_layer_sum/);
  });

  it('compares encoder layer norms with the base model by range reads: frozen → no warning, fine-tuned → warning', async () => {
    server.served.clear();
    const ok = await importHeadCommand(REPO, { out: join(tmp.dir, 'a'), endpoint: server.url, print: () => {} });
    expect(ok.frozen?.frozen).toBe(true);
    expect(ok.frozen?.compared.length).toBe(4);
    expect(ok.warnings).toEqual([]);
    // Only header + head + a few 256-byte layer norms were read from either file.
    expect(server.served.get(FINE)!).toBeLessThan(fine.headerBytes + 20_000);
    expect(server.served.get(BASE)!).toBeLessThan(10_000);

    const lines: string[] = [];
    const bad = await importHeadCommand('someone/tuned-encoder', { out: join(tmp.dir, 'b'), endpoint: server.url, print: (l) => lines.push(l) });
    expect(bad.frozen?.frozen).toBe(false);
    expect(lines.join('\n')).toMatch(/warning: encoder tensors differ from the base model .*expects a fine-tuned encoder/);

    // --revision names the head's revision, not the base model's: the base is read at main.
    server.served.clear();
    const pinned = await importHeadCommand(REPO, { out: join(tmp.dir, 'c'), endpoint: server.url, revision: 'v1', print: () => {} });
    expect(pinned.frozen?.frozen).toBe(true);
    expect(pinned.warnings).toEqual([]);
    expect(server.served.get(BASE)).toBeGreaterThan(0);
  });

  it('checkFrozenEncoder works on any two ByteSources', async () => {
    const r = await checkFrozenEncoder(bytesSource(fine.bytes, 'fine'), bytesSource(baseModel(100).bytes, 'base'));
    expect(r.frozen).toBe(true);
    const r2 = await checkFrozenEncoder(bytesSource(fine.bytes, 'fine'), bytesSource(baseModel(7).bytes, 'base'));
    expect(r2.frozen).toBe(false);
    expect(r2.compared.every((c) => c.maxAbsDiff > 0)).toBe(true);
  });

  it('saturi head import from the CLI (HF_ENDPOINT), and errors naming the URL', async () => {
    const out = join(tmp.dir, 'cli');
    const r = await runCli(['head', 'import', REPO, '--out', out, '--no-check-encoder'], { env: { HF_ENDPOINT: server.url } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/imported head 64→16→6 \(F32, read \d+ of \d+ bytes\)/);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true);
    const info = await runCli(['head', 'info', REPO, '--endpoint', server.url]);
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ type: 'hf', input_dim: 64, hidden_size: 16 });
    const missing = await runCli(['head', 'import', 'nobody/nothing', '--out', join(tmp.dir, 'x')], { env: { HF_ENDPOINT: server.url } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nobody\/nothing: cannot read config\.json.*HTTP 404/);
  });

  it('names the file when a tensor has the wrong rank or saturi_head.json describes an impossible head', async () => {
    const f32 = (shape: number[]) => ({ name: '', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    const file = (projector: number[]) =>
      serializeSafetensors([
        { ...f32(projector), name: 'projector.weight' },
        { ...f32([16]), name: 'projector.bias' },
        { ...f32([6, 16]), name: 'classifier.weight' },
        { ...f32([6]), name: 'classifier.bias' },
      ]);
    await expect(importHead(bytesSource(file([16 * DIM]), 'flat.safetensors'), hfConfig())).rejects.toThrow(/flat\.safetensors: tensor "projector\.weight" has shape \[1024\], expected a matrix/);
    const good = bytesSource(file([16, DIM]), 'm.safetensors');
    const saturi = { format: SATURI_HEAD_FORMAT, head: { type: 'hf', input_dim: DIM, hidden_size: 16, num_labels: 6, activation: 'none', dropout: 1.5 } };
    await expect(importHead(good, hfConfig(), { saturi })).rejects.toThrow(HeadFormatError);
    await expect(importHead(good, hfConfig(), { saturi })).rejects.toThrow(/saturi_head\.json: .*dropout/);
    // From the CLI: the file and the reason, no stack trace.
    const dir = join(tmp.dir, 'bad-saturi');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.safetensors'), file([16, DIM]));
    // A config.json saved with a BOM (a Windows editor) reads as the browser reads it.
    writeFileSync(join(dir, 'config.json'), `\uFEFF${JSON.stringify(hfConfig())}`);
    writeFileSync(join(dir, 'saturi_head.json'), JSON.stringify(saturi));
    const r = await runCli(['head', 'info', dir]);
    expect(r.stderr).toMatch(/^saturi: .*saturi_head\.json: .*dropout/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(2);
    writeFileSync(join(dir, 'saturi_head.json'), JSON.stringify({ ...saturi, head: { ...saturi.head, dropout: 0 } }));
    expect((await runCli(['head', 'info', dir])).code).toBe(0);
  });

  it('rejects heads whose shapes disagree with config.json', async () => {
    await expect(importHead(bytesSource(fine.bytes, 'm.safetensors'), hfConfig({ classifier_proj_size: 99 }))).rejects.toThrow(/classifier_proj_size is 99 but projector.weight has 16 rows/);
    await expect(importHead(bytesSource(fine.bytes, 'm.safetensors'), hfConfig({ hidden_size: 1024 }))).rejects.toThrow(/hidden_size is 1024 but projector.weight has 64 columns/);
    const cfg = hfConfig();
    delete (cfg.id2label as Record<string, string>)['5'];
    await expect(importHead(bytesSource(fine.bytes, 'm.safetensors'), cfg)).rejects.toThrow(/id2label has 5 labels but classifier.weight has 6 rows/);
  });
});

describe('head export', () => {
  it('round-trips hf and mlp heads through model.safetensors + config.json + saturi_head.json', async () => {
    const tmp = tempDir('saturi-head-export-');
    try {
      for (const spec of [
        { type: 'hf', inputDim: 32, hiddenSize: 8, numLabels: 6, activation: 'none', dropout: 0 },
        { type: 'mlp', inputDim: 32, hiddenSize: 10, numLabels: 6, activation: 'gelu', dropout: 0.1 },
      ] as const) {
        const head: Head = { spec: { ...spec }, params: initHeadParams({ ...spec }, 5), labels: [...LABEL_NAMES] };
        const files = exportHead(head, { encoder: { id: 'facebook/w2v-bert-2.0', revision: 'main', dtype: 'fp16' }, eval: { eval_accuracy: 0.5 }, training: { learning_rate: 5e-5, num_train_epochs: 10 } });
        const dir = join(tmp.dir, spec.type);
        mkdirSync(dir);
        for (const [n, d] of Object.entries(files)) writeFileSync(join(dir, n), d);
        const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
        expect(config.architectures).toEqual(['Wav2Vec2BertForSequenceClassification']);
        expect(config.id2label['3']).toBe('Jeju-do');
        expect(config.label2id['Jeju-do']).toBe('3');
        expect(config.classifier_proj_size).toBe(spec.hiddenSize);
        expect(config.use_weighted_layer_sum).toBe(false);
        expect(config.hidden_size).toBe(32);
        const saturi = JSON.parse(readFileSync(join(dir, 'saturi_head.json'), 'utf8'));
        expect(saturi.head).toEqual({ type: spec.type, input_dim: 32, hidden_size: spec.hiddenSize, num_labels: 6, activation: spec.activation, dropout: spec.dropout });
        expect(saturi.encoder.dtype).toBe('fp16');
        const back = await loadHead(dir);
        if (spec.type === 'mlp') {
          // Without saturi_head.json its tensors would pass for a linear head: refused, not misread.
          const bare = join(tmp.dir, 'mlp-bare');
          mkdirSync(bare);
          for (const n of ['model.safetensors', 'config.json']) writeFileSync(join(bare, n), files[n as keyof typeof files]);
          await expect(loadHead(bare)).rejects.toThrow(/config\.json.*saturi "mlp" head \(saturi_head_type\).*saturi_head\.json/);
        }
        expect(back.head.spec).toEqual(head.spec);
        expect(back.head.labels).toEqual(head.labels);
        for (const p of PARAM_NAMES) expect(back.head.params[p]).toEqual(head.params[p]);
        // saturi head import of it keeps what saturi recorded (the model card's training and metrics), as the app's import does.
        const again = join(tmp.dir, `${spec.type}-imported`);
        await importHeadCommand(dir, { out: again, checkEncoder: false, print: () => {} });
        const kept = JSON.parse(readFileSync(join(again, 'saturi_head.json'), 'utf8'));
        expect(kept.training).toEqual(saturi.training);
        expect(kept.eval).toEqual({ eval_accuracy: 0.5 });
        expect(kept.training).toMatchObject({ learning_rate: 5e-5 });
      }
    } finally {
      tmp.cleanup();
    }
  });

  it('aligns a head with the same labels in another order to configs/labels.json, and refuses other labels', () => {
    const spec = { type: 'hf', inputDim: 4, hiddenSize: 3, numLabels: 6, activation: 'none', dropout: 0 } as const;
    const params = initHeadParams(spec, 1);
    const reversed = [...LABEL_NAMES].reverse();
    const aligned = alignLabels({ spec, params, labels: reversed }, LABEL_NAMES, 'x');
    expect(aligned.labels).toEqual([...LABEL_NAMES]);
    expect(aligned.params.b2[0]).toBe(params.b2[5]);
    expect([...aligned.params.w2.subarray(0, 3)]).toEqual([...params.w2.subarray(15, 18)]);
    expect(() => alignLabels({ spec, params, labels: ['a', 'b', 'c', 'd', 'e', 'f'] }, LABEL_NAMES, 'other/repo')).toThrow(/other\/repo: labels .* do not match configs\/labels.json/);
  });
});
