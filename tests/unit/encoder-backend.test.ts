import { describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/browser/encoder/backend.ts';

describe('browser backend choice', () => {
  const gpu = { adapter: true, shaderF16: true };
  const noF16 = { adapter: true, shaderF16: false };
  const none = { adapter: false, shaderF16: false };
  it('prefers WebGPU when an adapter exists', () => {
    expect(chooseBackend('auto', 'q8', gpu)).toEqual({ backend: 'webgpu', notes: [] });
    expect(chooseBackend('auto', 'fp16', gpu).backend).toBe('webgpu');
    expect(chooseBackend('auto', 'fp32', noF16).backend).toBe('webgpu');
  });
  it('falls back to WASM without an adapter, and for fp16 without shader-f16', () => {
    expect(chooseBackend('auto', 'q8', none)).toEqual({ backend: 'wasm', notes: ['no WebGPU adapter: using WASM'] });
    const d = chooseBackend('auto', 'fp16', noF16);
    expect(d.backend).toBe('wasm');
    expect(d.notes.join()).toMatch(/shader-f16/);
  });
  it('an explicit WebGPU request that cannot be met is an error; WASM is always possible', () => {
    expect(() => chooseBackend('webgpu', 'q8', none)).toThrow(/no WebGPU adapter/);
    expect(() => chooseBackend('webgpu', 'fp16', noF16)).toThrow(/shader-f16/);
    expect(chooseBackend('wasm', 'fp16', gpu)).toEqual({ backend: 'wasm', notes: [] });
  });
});
