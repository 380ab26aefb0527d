// An ingest worker thread (collector/ingest-pool.ts): takes a report body's bytes, answers with
// prepareReport's result (compact: no samples); the rendered text's bytes come back in shared memory,
// the history's arrays are transferred back, not copied.
import { parentPort } from 'node:worker_threads';
import { prepareReport, type PrepareInput } from './ingest-prepare.js';
import { sharedBytes } from './shared-bytes.js';

export interface WorkerRequest extends Omit<PrepareInput, 'text'> {
  id: number;
  bytes: ArrayBuffer;
}

parentPort!.on('message', (m: WorkerRequest) => {
  let text = Buffer.from(m.bytes).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const { bytes: _bytes, id, ...rest } = m;
  const prepared = prepareReport({ ...rest, text });
  // The rendered bytes go back in shared memory (sharedBytes): the event loop keeps them for /metrics and
  // the scrape thread (collector/scrape/) serves the same bytes without a copy of its own. Copying here
  // also keeps Node's small-buffer pool from being sent along.
  if (prepared.kind === 'valid') prepared.rendered.body = sharedBytes(prepared.rendered.body);
  const transfer = prepared.kind === 'valid' ? [prepared.rendered.byteRanges.buffer, prepared.history.ops.buffer, prepared.history.values.buffer] as ArrayBuffer[] : [];
  parentPort!.postMessage({ id, prepared }, transfer);
});
