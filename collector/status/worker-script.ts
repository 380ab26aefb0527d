// Where the evaluation worker's script is: the compiled evaluation-worker.js next to this file, or,
// run from the TypeScript sources, its bundle (collector/worker-script.ts).
import { workerScript } from '../worker-script.js';

export function evaluationWorkerScript(): Promise<string | URL> {
  return workerScript(new URL('./evaluation-worker.js', import.meta.url));
}
