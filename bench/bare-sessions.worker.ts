// bench:encoder's helper: one session in a worker thread that runs the prepared batches it was
// given, on request, and answers with the ms it took: the bare run of sessions side by side.
import { parentPort } from 'node:worker_threads';
import type { PreparedBatch } from '../src/core/encoder/pipeline.ts';
import { loadEncoder, type NodeEncoder } from '../src/node/encoder/load.ts';
import type { SessionWorkerInit } from '../src/node/embeddings/session-pool-protocol.ts';

export type ToBareWorker = { type: 'init'; load: SessionWorkerInit; batches: PreparedBatch[] } | { type: 'run' };

const port = parentPort!;
let enc: NodeEncoder | undefined;
let batches: PreparedBatch[] = [];
port.on('message', async (m: ToBareWorker) => {
  if (m.type === 'init') {
    enc = await loadEncoder(m.load.model, m.load.dtype, { cacheDir: m.load.cacheDir, threads: m.load.threads });
    batches = m.batches;
    port.postMessage(0);
    return;
  }
  const t0 = performance.now();
  for (const p of batches) await enc!.session.run(p.features, p.mask64, p.batch, p.frames);
  port.postMessage(performance.now() - t0);
});
