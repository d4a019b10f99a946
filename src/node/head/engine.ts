// Node engines: onnxruntime-node (the CPU engine; MLAS GEMMs plus the WASM
// SIMD AdamW kernel) and the TypeScript reference.
import type { HeadEngine } from '../../core/head/engine.ts';
import { OrtEngine, type OrtModule } from '../../core/head/ort-engine.ts';
import { ReferenceEngine } from '../../core/head/reference-engine.ts';
import type { AdamWHyper } from '../../core/head/adamw.ts';
import type { HeadSpec } from '../../core/head/types.ts';

export interface NodeEngineOptions {
  engine: 'cpu' | 'reference';
  /** onnxruntime intra-op threads; 0 = its default (all cores). */
  threads?: number;
  hyper?: AdamWHyper;
  /** false: run the textbook graph instead of the low-rank one (benchmarks). */
  lowRank?: boolean;
  /** Where AdamW runs (default: host, the SIMD kernel). */
  adam?: 'graph' | 'host';
}

export async function createNodeEngine(spec: HeadSpec, opts: NodeEngineOptions): Promise<HeadEngine> {
  if (opts.engine === 'reference') return new ReferenceEngine(spec, opts.hyper);
  const ort = (await import('onnxruntime-node')) as unknown as OrtModule;
  return OrtEngine.create(spec, {
    kind: 'cpu',
    ort,
    hyper: opts.hyper,
    adam: opts.adam ?? 'host',
    lowRank: opts.lowRank,
    preallocateGradients: true,
    sessionOptions: {
      ...(opts.threads ? { intraOpNumThreads: opts.threads, interOpNumThreads: 1 } : {}),
      executionMode: 'sequential',
    },
  });
}
