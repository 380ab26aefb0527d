// An ingest worker thread (collector/ingest-pool.ts): takes a report body's bytes, answers with
// prepareReport's result (compact: no samples); the rendered text's bytes and the history's arrays
// are transferred back, not copied.
import { parentPort } from 'node:worker_threads';
import { prepareReport, type PrepareInput } from './ingest-prepare.js';

export interface WorkerRequest extends Omit<PrepareInput, 'text'> {
  id: number;
  bytes: ArrayBuffer;
}

parentPort!.on('message', (m: WorkerRequest) => {
  let text = Buffer.from(m.bytes).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const { bytes: _bytes, id, ...rest } = m;
  const prepared = prepareReport({ ...rest, text });
  // A small text may sit in Node's shared buffer pool: transfer a copy of its bytes, never the pool.
  if (prepared.kind === 'valid') {
    const b = prepared.rendered.body;
    if (b.byteOffset !== 0 || b.buffer.byteLength !== b.length) prepared.rendered.body = new Uint8Array(b);
  }
  const transfer = prepared.kind === 'valid' ? [prepared.rendered.body.buffer, prepared.rendered.byteRanges.buffer, prepared.history.ops.buffer, prepared.history.values.buffer] as ArrayBuffer[] : [];
  parentPort!.postMessage({ id, prepared }, transfer);
});
