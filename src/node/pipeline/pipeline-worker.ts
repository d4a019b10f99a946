// Worker-thread side of the pipeline pool: runs one task per message.
import { parentPort } from 'node:worker_threads';
import { runProbeTask } from './probe.ts';
import { runDialectTask, runElderCutTask, runElderPlanTask, runSeoulTask } from './recording.ts';
import type { TaskRequest, TaskResponse, TaskResult } from './tasks.ts';

function run(task: TaskRequest): Promise<TaskResult> {
  switch (task.kind) {
    case 'dialect':
      return runDialectTask(task);
    case 'seoul':
      return runSeoulTask(task);
    case 'elder-plan':
      return runElderPlanTask(task);
    case 'elder-cut':
      return runElderCutTask(task);
    case 'probe':
      return runProbeTask(task);
  }
}

const port = parentPort;
if (!port) throw new Error('pipeline-worker.ts must run in a worker thread');
port.on('message', async (msg: { id: number; task: TaskRequest }) => {
  let response: TaskResponse;
  try {
    response = { id: msg.id, ok: true, result: await run(msg.task) };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    response = { id: msg.id, ok: false, error: err.message, stack: err.stack };
  }
  port.postMessage(response);
});
