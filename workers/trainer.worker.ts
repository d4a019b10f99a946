// Trainer worker: trains, evaluates and runs the classifier head off the main
// thread (TrainerWorkerApi in src/core/head/worker-api.ts), on WebGPU when an
// adapter exists, else on WASM. A thin comlink wrapper.
import * as Comlink from 'comlink';
import { createTrainerService } from '../src/browser/head/trainer-service.ts';

Comlink.expose(createTrainerService());
