import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/paths.ts';
import { makeHeadFixture, SIGNED_QUERY, startMockHub, type MockHub } from '../helpers/mock-hf-hub.ts';
import { HubApiError, hubErrorText } from '../../src/core/hub/hub-error.ts';
import { LABELS, LABEL_NAMES } from '../../src/core/config/labels.ts';
import { buildModelCard } from '../../src/core/hub/model-card.ts';
import { summarizeHead } from '../../src/core/hub/head-summary.ts';
import { pushHead } from '../../src/core/hub/push-head.ts';
import { exportHead } from '../../src/core/head/hf-format.ts';
import { initHeadParams } from '../../src/core/head/init.ts';
import { checkToken } from '../../src/core/hub/repo-id.ts';
import { readHeadFolder } from '../../src/node/hub/head-folder.ts';
import { resolveToken } from '../../src/node/hub/token.ts';

const { dir, cleanup } = tempDir('saturi-hub-');
let hub: MockHub;
const headDir = join(dir, 'head');
const fixture = makeHeadFixture(LABEL_NAMES);
const fastRetry = { SATURI_HUB_RETRY_DELAY_MS: '20' };

beforeAll(async () => {
  hub = await startMockHub();
  mkdirSync(headDir);
  writeFileSync(join(headDir, 'model.safetensors'), fixture.safetensors);
  writeFileSync(join(headDir, 'config.json'), JSON.stringify(fixture.config, null, 2));
  writeFileSync(join(headDir, 'saturi_head.json'), JSON.stringify(fixture.saturiHead, null, 2));
});
afterAll(async () => {
  await hub.close();
  cleanup();
});

describe('model card', () => {
  const card = buildModelCard({ repo: 'alice/saturi-dialect-head', summary: summarizeHead(fixture.config, fixture.saturiHead) });
  const [, front, body] = card.split(/^---$/m);

  it('has Hub front matter for an audio-classification head on w2v-BERT 2.0', () => {
    expect(card.startsWith('---\n')).toBe(true);
    expect(front).toMatch(/^library_name: transformers$/m);
    expect(front).toMatch(/^pipeline_tag: audio-classification$/m);
    expect(front).toMatch(/^base_model: facebook\/w2v-bert-2\.0$/m);
    expect(front).toMatch(/^language:\n- ko$/m);
    expect(front).toMatch(/^tags:\n(- .+\n)*- audio-classification\n/m);
    expect(front).toMatch(/^metrics:\n- accuracy\n- precision\n- recall\n- f1$/m);
    expect(front).toMatch(/- type: accuracy\n\s+value: 0\.5682\n/);
    expect(front).toMatch(/- type: f1\n\s+value: 0\.5579\n/);
    // Each model-index result names its dataset (type and name are required by the Hub's schema).
    expect(front).toMatch(/^ {2}- task:\n {6}type: audio-classification\n {6}name: .+\n {4}dataset:\n {6}type: \S+\n {6}name: .+\n/m);
  });

  it('lists labels (Korean and romanised), head, encoder, training config, metrics and loading code', () => {
    for (const l of LABELS) expect(body).toContain(`| ${l.id} | ${l.label} | ${l.korean} | ${l.romanized} |`);
    expect(body).toContain('| encoder | Xenova/w2v-bert-2.0 |');
    expect(body).toContain('| revision | main |');
    expect(body).toContain('| dtype | q8 |');
    expect(body).toContain('| learning_rate | 0.001 |');
    expect(body).toContain('| num_train_epochs | 5 |');
    expect(body).toContain('| Accuracy | 0.5682 |');
    expect(body).toContain('| F1 (macro) | 0.5579 |');
    expect(body).toContain('| loss | 1.234 |');
    expect(body).toContain('| classifier_proj_size | 8 |');
    expect(body).toContain('Wav2Vec2BertForSequenceClassification.from_pretrained("facebook/w2v-bert-2.0", config=config)');
    expect(body).toContain('repo = "alice/saturi-dialect-head"');
  });

  it('reads the files the head exporter writes (src/core/head/hf-format.ts)', () => {
    const spec = { type: 'mlp' as const, inputDim: 16, hiddenSize: 8, numLabels: 6, activation: 'gelu' as const, dropout: 0.1 };
    const files = exportHead({ spec, params: initHeadParams(spec, 1), labels: [...LABEL_NAMES] }, {
      encoder: { id: 'facebook/w2v-bert-2.0', revision: 'abc123', dtype: 'fp16' },
      training: { learning_rate: 0.0002, seed: 7 },
      eval: { eval_loss: 0.9, eval_accuracy: 0.61, eval_precision: 0.6, eval_recall: 0.61, eval_f1: 0.59 },
    });
    const s = summarizeHead(JSON.parse(files['config.json']), JSON.parse(files['saturi_head.json']));
    expect(s).toMatchObject({ labels: [...LABEL_NAMES], headType: 'mlp', inputDim: 16, projSize: 8, activation: 'gelu' });
    expect(s.encoder).toEqual({ id: 'facebook/w2v-bert-2.0', revision: 'abc123', dtype: 'fp16' });
    expect(s.training).toEqual({ learning_rate: 0.0002, seed: 7 });
    expect(s.metrics).toEqual({ loss: 0.9, accuracy: 0.61, precision: 0.6, recall: 0.61, f1: 0.59 });
    const card = buildModelCard({ repo: 'a/b', summary: s });
    expect(card).toContain('| dtype | fp16 |');
    expect(card).toMatch(/- type: f1\n\s+value: 0\.59\n/);
  });

  it("reads the figures of a pretrained head the app stored under \"reported\"", () => {
    const spec = { type: 'hf', inputDim: 16, hiddenSize: 8, numLabels: 6, activation: 'none', dropout: 0 } as const;
    const files = exportHead({ spec, params: initHeadParams(spec, 1), labels: [...LABEL_NAMES] }, {
      eval: { reported: { eval_accuracy: 0.5682, eval_f1: 0.5579 }, warnings: ['x'] },
    });
    const s = summarizeHead(JSON.parse(files['config.json']), JSON.parse(files['saturi_head.json']));
    expect(s.metrics).toEqual({ accuracy: 0.5682, f1: 0.5579 });
    expect(buildModelCard({ repo: 'a/b', summary: s })).toMatch(/- type: accuracy\n\s+value: 0\.5682\n/);
  });

  it('rejects a config without id2label, naming the file', () => {
    expect(() => summarizeHead({ num_labels: 6 }, {})).toThrow('config.json: has no id2label map');
  });
});

describe('saturi hub push-head', () => {
  it('uploads safetensors, config and model card, retrying a failed commit, and never prints the token', async () => {
    hub.fail({ method: 'POST', path: /\/commit\/main$/, status: 500, times: 1 });
    const r = await runCli(['hub', 'push-head', headDir, '--repo', 'alice/saturi-head', '--private', '--hub-url', hub.url], {
      env: { HF_TOKEN: hub.token, ...fastRetry },
    });
    expect(r.stderr + r.stdout).not.toContain(hub.token);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`pushed head to ${hub.url}/alice/saturi-head`);
    expect(r.stderr).toMatch(/retrying POST .*\/commit\/main after HTTP 500/);

    const repo = hub.repo('model', 'alice/saturi-head')!;
    expect(repo.private).toBe(true);
    expect(Buffer.compare(repo.files.get('model.safetensors')!, readFileSync(join(headDir, 'model.safetensors')))).toBe(0);
    expect(JSON.parse(repo.files.get('config.json')!.toString('utf8'))).toEqual(fixture.config);
    expect(JSON.parse(repo.files.get('saturi_head.json')!.toString('utf8'))).toEqual(fixture.saturiHead);
    const readme = repo.files.get('README.md')!.toString('utf8');
    expect(readme).toMatch(/^---\n[\s\S]*pipeline_tag: audio-classification[\s\S]*\n---\n/);
    expect(readme).toContain('| 3 | Jeju-do | 제주도 | Jeju-do |');

    // The safetensors went through LFS (hashed, PUT), the rest inline; the commit was sent twice.
    const commits = hub.requests.filter((q) => q.path === '/api/models/alice/saturi-head/commit/main');
    expect(commits.map((c) => c.status)).toEqual([500, 200]);
    expect(hub.requests.some((q) => q.method === 'PUT' && q.path.startsWith('/lfs-upload/') && q.status === 200)).toBe(true);
    expect(hub.commits.filter((c) => c.repo === 'alice/saturi-head')).toHaveLength(1);
    for (const q of hub.requests.filter((q) => !q.path.startsWith('/lfs-upload/'))) expect(q.authorization).toBe(`Bearer ${hub.token}`);
  });

  it('pushes again to an existing repo, reading the token from .env', async () => {
    const cwd = join(dir, 'with-dotenv');
    mkdirSync(cwd);
    writeFileSync(join(cwd, '.env'), `# hub\nOTHER=1\nHF_TOKEN="${hub.token}"\n`);
    const before = hub.commits.length;
    const r = await runCli(['hub', 'push-head', headDir, '--repo', 'alice/saturi-head', '--hub-url', hub.url], { cwd, env: { HF_TOKEN: '', ...fastRetry } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('token from .env');
    expect(r.stderr + r.stdout).not.toContain(hub.token);
    expect(hub.commits.length).toBe(before + 1);
  });

  it('--private makes an existing public repo private, then uploads', async () => {
    const existing = hub.addRepo('model', 'alice/was-public', { private: false });
    const r = await runCli(['hub', 'push-head', headDir, '--repo', 'alice/was-public', '--private', '--hub-url', hub.url], {
      env: { HF_TOKEN: hub.token, ...fastRetry },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('model repo alice/was-public existed; set its visibility to private');
    expect(existing.private).toBe(true);
    expect(existing.visibilityChanges).toEqual([true]);
    const settings = hub.requests.filter((q) => q.path === '/api/models/alice/was-public/settings');
    expect(settings.map((q) => [q.method, q.status, q.authorization])).toEqual([['PUT', 200, `Bearer ${hub.token}`]]);
    // The visibility was set before any file went up.
    const firstUpload = hub.requests.findIndex((q) => q.path.startsWith('/api/models/alice/was-public/preupload'));
    expect(hub.requests.indexOf(settings[0]!)).toBeLessThan(firstUpload);
    expect([...existing.files.keys()].sort()).toEqual(['README.md', 'config.json', 'model.safetensors', 'saturi_head.json']);

    // Without --private, an existing repo's visibility is left alone (no settings call).
    const other = hub.addRepo('model', 'alice/stays-private', { private: true });
    const again = await runCli(['hub', 'push-head', headDir, '--repo', 'alice/stays-private', '--hub-url', hub.url], { env: { HF_TOKEN: hub.token, ...fastRetry } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('visibility');
    expect(other.private).toBe(true);
    expect(hub.requests.some((q) => q.path === '/api/models/alice/stays-private/settings')).toBe(false);
  });

  it('uploads nothing when the visibility of an existing repo cannot be set, and names the repo and the refusal', async () => {
    const existing = hub.addRepo('model', 'alice/not-mine', { private: false });
    hub.fail({ method: 'PUT', path: /^\/api\/models\/alice\/not-mine\/settings$/, status: 403, times: Infinity });
    try {
      const r = await runCli(['hub', 'push-head', headDir, '--repo', 'alice/not-mine', '--private', '--hub-url', hub.url], {
        env: { HF_TOKEN: hub.token, ...fastRetry },
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('could not make the existing model repo alice/not-mine private (HTTP 403: injected failure 403); not uploading to it');
      expect(r.stderr + r.stdout).not.toContain(hub.token);
      expect(r.stdout).not.toContain('pushed head');

      // The core API (used by the app) refuses the same way.
      await expect(
        pushHead({ safetensors: fixture.safetensors, config: fixture.config }, { repo: 'alice/not-mine', accessToken: hub.token, hubUrl: hub.url, private: true, retry: { retries: 0 } }),
      ).rejects.toThrow(/alice\/not-mine.*HTTP 403/);
    } finally {
      hub.clearFailures();
    }
    expect(existing.private).toBe(false);
    expect(hub.uploadedTo('model', 'alice/not-mine')).toBe(false);
  });

  it('fails clearly on a rejected token, a missing token, a missing file, or a hub that keeps failing', async () => {
    const wrong = 'hf_wrongSecretToken987654321';
    let r = await runCli(['hub', 'push-head', headDir, '--repo', 'alice/other', '--hub-url', hub.url, '--token', wrong], { env: fastRetry });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the Hub answered 401.*check that the token is valid/);
    expect(r.stderr + r.stdout).not.toContain(wrong);

    const none = await resolveToken(undefined, {}, dir);
    expect(none.token).toBeNull();
    expect(() => checkToken(none.token)).toThrow(/no Hugging Face token: pass --token, set HF_TOKEN/);
    expect(() => checkToken('abc')).toThrow(/must start with "hf_"/);
    expect((await resolveToken('hf_flag', { HF_TOKEN: 'hf_env' }, dir)).source).toBe('--token');
    expect((await resolveToken(undefined, { HF_TOKEN: 'hf_env' }, dir)).token).toBe('hf_env');
    expect(await resolveToken(undefined, { HUGGING_FACE_HUB_TOKEN: ' hf_old ' }, dir)).toEqual({ token: 'hf_old', source: 'HF_TOKEN' });

    const broken = join(dir, 'broken-head');
    mkdirSync(broken);
    writeFileSync(join(broken, 'config.json'), JSON.stringify(fixture.config));
    await expect(readHeadFolder(broken)).rejects.toThrow(`${join(broken, 'model.safetensors')}: missing`);
    writeFileSync(join(broken, 'model.safetensors'), fixture.safetensors.subarray(0, fixture.safetensors.length - 10));
    const truncated = ((await readHeadFolder(broken).catch((e: Error) => e)) as Error).message;
    expect(truncated.startsWith(`${join(broken, 'model.safetensors')}: tensor "`)).toBe(true);
    expect(truncated).toMatch(/past the end of the data .*truncated file\?/);
    // Headers that are JSON but not a safetensors header: named, not "Cannot convert undefined or null to object".
    for (const [json, reason] of [['null', 'header must be a JSON object'], ['{"w": null}', 'tensor "w" has an unknown dtype undefined'], ['[1]', 'header must be a JSON object']] as const) {
      const header = Buffer.from(json);
      const file = Buffer.alloc(8 + header.length);
      file.writeBigUInt64LE(BigInt(header.length), 0);
      header.copy(file, 8);
      writeFileSync(join(broken, 'model.safetensors'), file);
      await expect(readHeadFolder(broken)).rejects.toThrow(`${join(broken, 'model.safetensors')}: ${reason}`);
    }
    writeFileSync(join(broken, 'model.safetensors'), fixture.safetensors);
    writeFileSync(join(broken, 'config.json'), '{"id2label": ');
    await expect(readHeadFolder(broken)).rejects.toThrow(`${join(broken, 'config.json')}: not valid JSON`);
    expect(hub.repo('model', 'alice/other')).toBeUndefined();
  });

  it('gives up after the configured retries (in-process, core API)', async () => {
    hub.fail({ method: 'PUT', path: /^\/lfs-upload\//, status: 503, times: Infinity });
    const retries: number[] = [];
    // Other sizes, so the weights are not already in the mock's LFS store (it dedupes by sha256, as the Hub does).
    const other = makeHeadFixture(LABEL_NAMES, { dim: 12, proj: 4 });
    try {
      await expect(
        pushHead(
          { safetensors: other.safetensors, config: other.config, saturiHead: other.saturiHead },
          { repo: 'alice/flaky', accessToken: hub.token, hubUrl: hub.url, retry: { retries: 2, baseDelayMs: 5, onRetry: (i) => retries.push(i.attempt) } },
        ),
      ).rejects.toThrow(/503|LFS/);
    } finally {
      hub.clearFailures();
    }
    expect(retries).toEqual([1, 2]);
    expect(hub.requests.filter((q) => q.path.startsWith('/lfs-upload/') && q.status === 503)).toHaveLength(3);
    expect(hub.repo('model', 'alice/flaky')!.files.size).toBe(0);
  });

  it('a refused storage upload is told without the signed URL\'s credentials, with the storage\'s reason', async () => {
    hub.fail({ method: 'PUT', path: /^\/lfs-upload\//, status: 403, times: Infinity });
    const other = makeHeadFixture(LABEL_NAMES, { dim: 10, proj: 4 });
    const folder = join(dir, 'storage-refused');
    mkdirSync(folder);
    writeFileSync(join(folder, 'model.safetensors'), other.safetensors);
    writeFileSync(join(folder, 'config.json'), JSON.stringify(other.config));
    try {
      const r = await runCli(['hub', 'push-head', folder, '--repo', 'alice/storage-refused', '--hub-url', hub.url], { env: { HF_TOKEN: hub.token, ...fastRetry } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/answered 403: .*\/lfs-upload\/[0-9a-f]+\?…/);
      expect(r.stderr).not.toContain('mocksignature');
      expect(r.stderr).not.toContain('MOCKCREDENTIAL');
    } finally {
      hub.clearFailures();
    }
    // Storage elsewhere than the Hub: its own reason, and no word about the token.
    const storage = new HubApiError(`https://s3.example.com/bucket/obj?${SIGNED_QUERY}`, 403, undefined, `Error while uploading model.safetensors to LFS storage. URL: https://s3.example.com/bucket/obj?${SIGNED_QUERY}`);
    storage.data = { message: '<Error><Code>RequestTimeTooSkewed</Code></Error>' };
    const text = hubErrorText(storage, 'https://huggingface.co');
    expect(text).toBe('the upload storage answered 403: Error while uploading model.safetensors to LFS storage. URL: https://s3.example.com/bucket/obj?… (the storage said: <Error><Code>RequestTimeTooSkewed</Code></Error>)');
    const refused = new HubApiError('https://huggingface.co/api/repos/create', 403, undefined, 'You don\'t have the rights to create a model under the namespace "me"');
    expect(hubErrorText(refused, 'https://huggingface.co/')).toMatch(/^the Hub answered 403: .*namespace "me" \(check that the token is valid and has write access\)$/);
  });

  it('pushes to an existing repo when the token may not create repos (403 on create, as a fine-grained token gets); a hub URL with a trailing slash is the same hub', async () => {
    const existing = hub.addRepo('model', 'alice/fine-grained', { private: false });
    hub.fail({ method: 'POST', path: /^\/api\/repos\/create$/, status: 403, times: Infinity });
    try {
      const r = await runCli(['hub', 'push-head', headDir, '--repo', 'alice/fine-grained', '--hub-url', hub.url], { env: { HF_TOKEN: hub.token, ...fastRetry } });
      expect(r.code, r.stderr).toBe(0);
      expect([...existing.files.keys()].sort()).toEqual(['README.md', 'config.json', 'model.safetensors', 'saturi_head.json']);
      // A repo that does not exist: the create refusal stands, with the token hint.
      const missing = await runCli(['hub', 'push-head', headDir, '--repo', 'alice/not-there', '--hub-url', hub.url], { env: { HF_TOKEN: hub.token, ...fastRetry } });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/the Hub answered 403: injected failure 403.*check that the token is valid/);
    } finally {
      hub.clearFailures();
    }
    // The app's push (core API) with the hub URL typed with a slash: no '//api/…' request.
    const before = hub.requests.length;
    const out = await pushHead({ safetensors: fixture.safetensors, config: fixture.config }, { repo: 'alice/slash', accessToken: hub.token, hubUrl: `${hub.url}/`, retry: { retries: 0 } });
    expect(out.repoUrl).toBe(`${hub.url}/alice/slash`);
    const paths = hub.requests.slice(before).map((q) => q.path);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((p) => p.startsWith('//'))).toEqual([]);
    expect(hub.repo('model', 'alice/slash')!.files.size).toBe(3);
  });
});
