import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/paths.ts';
import { resolveApiKey, resolveBaseUrl } from '../../src/node/aihub/api-key.ts';
import { loadAihubConfig, presetJobs, validateAihubConfig } from '../../src/node/aihub/config.ts';
import { httpAnswerError } from '../../src/node/aihub/errors.ts';
import { groupPieces, pieceOf } from '../../src/node/aihub/pieces.ts';
import { parseDatasetList, parseFileTree, parseSizeText } from '../../src/node/aihub/tree.ts';
import { readEnvFile } from '../../src/node/env-file.ts';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

const TREE = `공지사항: 데이터 다운로드 시 승인 기간을 확인하세요.
=====================================================
    └─013.한국어_방언_발화_데이터(강원도)
        └─01.데이터
            ├─1.Training
            │   ├─라벨링데이터
            │   │   └─[라벨]강원도_학습데이터_1.zip | 279 MB | 37496
            │   └─원천데이터
            │       ├─[원천]강원도_학습데이터_1.zip | 14 GB | 37495
            │       └─[원천]강원도_학습데이터_2.zip | 1.5 GB | 37497
            └─2.Validation
                └─[원천]강원도_검증데이터.zip | 512 KB | 37500
`;

describe('AIHub text answers', () => {
  it('parses the file tree into folder, name, size and filekey rows', () => {
    const rows = parseFileTree(TREE);
    expect(rows.map((r) => [r.filekey, r.path, r.size])).toEqual([
      ['37496', '013.한국어_방언_발화_데이터(강원도)/01.데이터/1.Training/라벨링데이터/[라벨]강원도_학습데이터_1.zip', '279 MB'],
      ['37495', '013.한국어_방언_발화_데이터(강원도)/01.데이터/1.Training/원천데이터/[원천]강원도_학습데이터_1.zip', '14 GB'],
      ['37497', '013.한국어_방언_발화_데이터(강원도)/01.데이터/1.Training/원천데이터/[원천]강원도_학습데이터_2.zip', '1.5 GB'],
      ['37500', '013.한국어_방언_발화_데이터(강원도)/01.데이터/2.Validation/[원천]강원도_검증데이터.zip', '512 KB'],
    ]);
    expect(rows[1].name).toBe('[원천]강원도_학습데이터_1.zip');
    expect(rows[1].dir).toBe('013.한국어_방언_발화_데이터(강원도)/01.데이터/1.Training/원천데이터');
    expect(rows[1].sizeBytes).toBe(14 * 1024 ** 3);
    expect(parseSizeText('1.5 GB')).toBe(1.5 * 1024 ** 3);
    expect(parseSizeText('n/a')).toBeNaN();
  });

  it('parses the dataset list and skips notice lines', () => {
    expect(parseDatasetList('[목록]\n118, 한국어 방언 발화(강원도)\n  71558 | 중·노년층 한국어 방언 데이터\n안내문\n')).toEqual([
      { datasetkey: '118', name: '한국어 방언 발화(강원도)' },
      { datasetkey: '71558', name: '중·노년층 한국어 방언 데이터' },
    ]);
  });

  it('classifies error answers: key refused and Korean 5xx are final, other 5xx retryable', () => {
    const expired = httpAnswerError(502, '승인 기간이 만료되었습니다.', 'x');
    expect(expired.retryable).toBe(false);
    expect(expired.message).toContain('승인 기간이 만료되었습니다.');
    expect(httpAnswerError(401, 'invalid key', 'x').retryable).toBe(false);
    expect(httpAnswerError(403, '', 'x').retryable).toBe(false);
    expect(httpAnswerError(503, '<html><body><h1>503 Service Unavailable</h1></body></html>', 'x')).toMatchObject({ retryable: true, serverMessage: '503 Service Unavailable' });
    expect(httpAnswerError(404, 'not found', 'x').retryable).toBe(false);
  });

  it('groups .partN pieces numerically (part2 before part10) and ignores other files', () => {
    expect(pieceOf('a/b.zip.part11')).toEqual({ base: 'a/b.zip', index: 11 });
    expect(pieceOf('a/b.zip')).toBeNull();
    const names = ['b.zip.part0', 'b.zip.part1', 'b.zip.part10', 'b.zip.part11', 'b.zip.part2', 'c.zip'];
    const groups = groupPieces(names.map((name) => ({ name, size: 1, type: 'file' as const })));
    expect([...groups.keys()]).toEqual(['b.zip']);
    expect(groups.get('b.zip')!.map((p) => p.index)).toEqual([0, 1, 2, 10, 11]);
  });
});

describe('configs/aihub.json', () => {
  it('holds the datasets and filekeys of aihub.md and resolves the presets', () => {
    const cfg = loadAihubConfig();
    expect(cfg.datasets['118'].filekeys).toEqual([37495, 37496]);
    expect(cfg.datasets['130'].folder).toBe('009.한국인대화음성');
    const dialect = presetJobs(cfg, 'dialect');
    expect(new Set(dialect.map((j) => j.dataset))).toEqual(new Set(['118', '119', '120', '121', '122', '130']));
    expect(dialect).toHaveLength(12);
    expect(presetJobs(cfg, 'elder').map((j) => j.filekey)).toEqual(['538305', '538311', '538308', '538314', '538329', '538338', '538332', '538341', '538335', '538344']);
    expect(presetJobs(cfg, 'all')).toHaveLength(22);
  });

  it('rejects bad configs naming the file and the key', () => {
    const good = () => JSON.parse(JSON.stringify(loadAihubConfig()));
    const bad1 = good();
    bad1.datasets['118'].filekeys[1] = '37496';
    expect(() => validateAihubConfig(bad1, 'aihub.json')).toThrow(/aihub\.json: key "datasets\.118\.filekeys\[1\]" must be a positive integer/);
    const bad2 = good();
    bad2.presets.dialect.push('999');
    expect(() => validateAihubConfig(bad2, 'aihub.json')).toThrow(/key "presets\.dialect\[6\]" must name a dataset/);
    const bad3 = good();
    delete bad3.presets.elder;
    expect(() => validateAihubConfig(bad3, 'aihub.json')).toThrow(/key "presets\.elder" is required/);
    const bad4 = good();
    bad4.datasets['118'].folders = 'x';
    expect(() => validateAihubConfig(bad4, 'aihub.json')).toThrow(/key "datasets\.118\.folders" is not a known key/);
    const t = tempDir();
    cleanups.push(t.cleanup);
    writeFileSync(join(t.dir, 'broken.json'), '{ "base_url": ');
    expect(() => loadAihubConfig(join(t.dir, 'broken.json'))).toThrow(/broken\.json: config is not valid JSON/);
  });
});

describe('API key and .env', () => {
  it('reads .env files (comments, quotes, export) and resolves flag > environment > .env', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    mkdirSync(join(t.dir, 'w'));
    writeFileSync(join(t.dir, 'w', '.env'), '# comment\nexport AIHUB_APIKEY="from-dotenv"\nAIHUB_BASE_URL=http://127.0.0.1:9\nOTHER=\'x y\'\n');
    const cwd = join(t.dir, 'w');
    expect(readEnvFile(join(cwd, '.env'))).toMatchObject({ AIHUB_APIKEY: 'from-dotenv', OTHER: 'x y' });
    expect(readEnvFile(join(t.dir, 'missing.env'))).toEqual({});
    // Saved by Notepad: a UTF-8 BOM before the first key.
    writeFileSync(join(t.dir, 'bom.env'), '\uFEFFAIHUB_APIKEY=KEY\r\n');
    expect(readEnvFile(join(t.dir, 'bom.env'))).toEqual({ AIHUB_APIKEY: 'KEY' });
    expect(resolveApiKey(undefined, { env: {}, cwd })).toEqual({ value: 'from-dotenv', source: '.env' });
    expect(resolveApiKey(undefined, { env: { AIHUB_APIKEY: 'from-env' }, cwd })).toEqual({ value: 'from-env', source: 'environment' });
    expect(resolveApiKey('from-flag', { env: { AIHUB_APIKEY: 'from-env' }, cwd })).toEqual({ value: 'from-flag', source: 'flag' });
    expect(resolveApiKey(undefined, { env: {}, cwd: t.dir })).toEqual({ value: undefined, source: 'none' });
    expect(resolveBaseUrl(undefined, 'https://api.aihub.or.kr', { env: {}, cwd })).toBe('http://127.0.0.1:9');
    expect(resolveBaseUrl(undefined, 'https://api.aihub.or.kr', { env: {}, cwd: t.dir })).toBe('https://api.aihub.or.kr');
  });
});
