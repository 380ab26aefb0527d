// The evaluation worker thread: runs EvaluationEngine on the messages of the status monitor
// (monitor.ts). Started by the monitor; holds no connection to anything but its parent port.
import { parentPort, threadId } from 'node:worker_threads';
import { EvaluationEngine } from './evaluation-engine.js';
import type { FromWorker, ToWorker } from './evaluation-protocol.js';
import { lowerThisThreadPriority } from '../thread-priority.js';

if (!parentPort) throw new Error('evaluation-worker.ts runs as a worker thread of the status monitor');
const port = parentPort;
// Background work: requests on the main thread come first (thread-priority.ts).
lowerThisThreadPriority();
let engine: EvaluationEngine | undefined;
const send = (m: FromWorker) => port.postMessage(m);

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'init':
      engine = new EvaluationEngine(msg);
      send({ type: 'ready' });
      return;
    case 'devices':
      engine!.devices(msg);
      return;
    case 'adopt':
      engine!.adopt(msg);
      return;
    case 'pass': {
      let first;
      try {
        first = engine!.pass(msg);
      } catch (err) {
        send({ type: 'failed', id: msg.id, error: (err as Error).stack ?? String(err) });
        return;
      }
      if (first.done) first.done.stats.threadId = threadId;
      send(first);
      return;
    }
    case 'next': {
      const c = engine!.next(msg.id);
      if (!c) return;
      if (c.done) c.done.stats.threadId = threadId;
      send(c);
      return;
    }
  }
});
