import { describe, expect, it } from 'vitest';
import { modelDownloadProgress } from '../../src/node/cli/download-progress.ts';
import type { LoadProgress } from '../../src/core/encoder/worker-api.ts';

describe('model download progress in a log', () => {
  it('a large file gets a line per quarter and one when done; a small one only the last', () => {
    const lines: string[] = [];
    const on = modelDownloadProgress(false, (l) => lines.push(l));
    const big = 200e6;
    const ev = (file: string, status: LoadProgress['status'], loaded: number, total: number) => on({ file, status, loaded, total });
    for (const f of [0, 0.1, 0.3, 0.31, 0.55, 0.8, 0.99]) ev('onnx/model.onnx_data', 'download', f * big, big);
    ev('onnx/model.onnx_data', 'done', big, big);
    ev('config.json', 'download', 500, 1000);
    ev('config.json', 'done', 1000, 1000);
    expect(lines).toEqual([
      'model: onnx/model.onnx_data 60.0 / 200.0 MB',
      'model: onnx/model.onnx_data 110.0 / 200.0 MB',
      'model: onnx/model.onnx_data 160.0 / 200.0 MB',
      'model: onnx/model.onnx_data 200.0 MB',
      'model: config.json 0.0 MB',
    ]);
  });
});
