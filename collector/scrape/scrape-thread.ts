// The scrape thread: a listener of its own (scrapeListen) that answers Prometheus' per-device targets,
// /devices/<name>/metrics, from the renderings the event loop hands over (scrape-listener.ts). Nothing
// here waits on the event loop: ingest, the status evaluation's feed, history flushes and the main
// heap's garbage collection no longer sit between a scrape and its answer. The targets' bytes are in
// reused slabs outside the heap (target-arena.ts) and each device's entry is updated in place, so this
// thread's heap stays small and still, and its collections are short. The answers are the main
// listener's, byte for byte (target-record.ts recordTextInto; the same refusals as routes/metrics.ts).
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { ApiError } from '../errors.js';
import { scrapeCredentials } from '../scrape-auth.js';
import { writeStats, type FromScrapeThread, type ScrapeThreadInit, type ToScrapeThread } from './scrape-messages.js';
import { TargetArena, type Placed } from './target-arena.js';
import { recordTextInto, recordTextLength } from './target-record.js';
import { ResponsePool } from './response-pool.js';
import { ByteRing } from './byte-ring.js';
import { EXTERNAL, readFrame } from './target-frame.js';
import { raiseThisThreadPriority } from '../thread-priority.js';
import { RealtimeGuard } from './scrape-realtime.js';

const init = workerData as ScrapeThreadInit;
const port = parentPort!;
const send = (m: FromScrapeThread) => port.postMessage(m);
// Ahead of the collector's other threads when it may (thread-priority.ts): this one only answers.
const priority = raiseThisThreadPriority(init.nice);
// And real-time within a CPU budget when it may (scrape-realtime.ts): nice alone still let it wait
// for the running thread's slice on a busy machine.
const realtime = new RealtimeGuard(init.realtime, (change) => {
  send({ type: 'realtime', ...change });
  report();
});
interface Target {
  receivedAtMs: number | undefined;
  reportingUntilMs: number | undefined;
  /** Its record (target-record.ts) in the arena. */
  placed: Placed | undefined;
}
const targets = new Map<string, Target>();
const arena = new TargetArena();
const responses = new ResponsePool();
const ring = new ByteRing(init.ring.data, init.ring.control);
/** The collector's clock minus this thread's Date.now() (a test's fake clock), kept current by the event loop. */
const clockSkewMs = () => Number(Atomics.load(ring.shared, ByteRing.OWNER));
const allowed = scrapeCredentials(init.auth);
const jsonHeaders = { ...init.headers, 'content-type': 'application/json; charset=utf-8' };
const textHeaders = { ...init.headers, 'content-type': init.contentType };
const TARGET = /^\/devices\/([^/?#]+)\/metrics(?:\?.*)?$/;

function refuse(res: ServerResponse, err: ApiError): void {
  const body = JSON.stringify(err.body());
  res.writeHead(err.status, { ...jsonHeaders, 'content-length': Buffer.byteLength(body) }).end(body);
}

function answer(req: IncomingMessage, res: ServerResponse): void {
  const match = TARGET.exec(req.url ?? '');
  if (!match) {
    const body = JSON.stringify({ error: 'not_found', message: 'no such route: this listener serves per-device targets (/devices/<name>/metrics) only' });
    res.writeHead(404, { ...jsonHeaders, 'content-length': Buffer.byteLength(body) }).end(body);
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, new ApiError('not_found', undefined, 'no such route: per-device targets answer GET and HEAD'));
  if (!allowed(req.headers.authorization)) return refuse(res, new ApiError('scrape_unauthorized'));
  let name: string;
  try {
    name = decodeURIComponent(match[1]!);
  } catch {
    return refuse(res, new ApiError('invalid_request', undefined, `'${req.url}' is not a valid url component`));
  }
  const t = targets.get(name);
  if (!t) return refuse(res, new ApiError('not_found'));
  // As DeviceStore.isReporting, on the collector's clock.
  if (t.receivedAtMs === undefined || t.reportingUntilMs === undefined || t.placed === undefined || Date.now() + clockSkewMs() > t.reportingUntilMs) {
    return refuse(res, new ApiError('not_reporting', undefined, t.receivedAtMs === undefined ? `device "${name}" has never reported` : `device "${name}" last reported at ${new Date(t.receivedAtMs).toISOString()}`));
  }
  const rec = arena.view(t.placed);
  const length = recordTextLength(rec);
  res.writeHead(200, { ...textHeaders, 'content-length': length });
  if (req.method === 'HEAD') return void res.end();
  // Copied out of the arena now (it may reuse these bytes after this turn) into a pooled buffer that
  // comes back once the socket has written it (response-pool.ts).
  const out = responses.take(length);
  recordTextInto(rec, out.bytes);
  res.end(out.bytes, out.release);
}

const server = init.tls ? createHttpsServer({ cert: init.tls.cert, key: init.tls.key }, answer) : createHttpServer(answer);
server.requestTimeout = init.requestTimeoutMs;
server.headersTimeout = Math.min(init.requestTimeoutMs, 60_000);
server.on('clientError', (_err, socket) => {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  else socket.destroy();
});
server.once('error', (err) => send({ type: 'failed', message: err.message }));
server.listen({ host: init.host, port: init.port }, () => {
  const addr = server.address();
  void realtime.start().then((notRealtime) => {
    send({ type: 'listening', port: typeof addr === 'object' && addr ? addr.port : init.port, ...(priority ? { priorityNotRaised: priority } : {}), ...(notRealtime ? { notRealtime } : {}) });
    report();
  });
});

function drop(name: string): void {
  const t = targets.get(name);
  if (t?.placed) arena.free(t.placed);
  targets.delete(name);
}

// Frames too big for the ring, by id, until the ring reaches the place it holds for them.
const external = new Map<number, Buffer>();

function apply(frame: Buffer): boolean {
  if (frame[0] === EXTERNAL) {
    const big = external.get(frame.readUInt32LE(1));
    if (!big) return false; // its message has not arrived yet: read on from here then
    external.delete(frame.readUInt32LE(1));
    frame = big;
  }
  const { seq } = readFrame(frame, {
    removed: drop,
    set(name, receivedAtMs, reportingUntilMs, record) {
      // A device's Target and place are updated in place: nothing long-lived is allocated per report.
      let t = targets.get(name);
      if (!t) targets.set(name, (t = { receivedAtMs: undefined, reportingUntilMs: undefined, placed: undefined }));
      t.receivedAtMs = receivedAtMs;
      t.reportingUntilMs = reportingUntilMs;
      // Copied out of the frame: the event loop writes the next frames over the ring's bytes.
      if (record) t.placed = arena.put(record, t.placed);
      else if (t.placed) {
        arena.free(t.placed);
        t.placed = undefined;
      }
    },
  });
  if (seq > 0) send({ type: 'applied', seq });
  return true;
}

// The ring is read on a timer of this thread's own rather than on a message from the event loop (the
// port's mutex would make this thread wait for the event loop's: byte-ring.ts). A target is then up to
// this much behind the main listener's, against scrapes every 15 s or so.
const READ_EVERY_MS = 25;
// At most this long at a time: after the event loop stalled (a full collection of its heap), a read
// finds hundreds of renderings, and a scrape that arrives meanwhile waits for the read to yield.
const READ_SLICE_MS = 1;
let more: NodeJS.Immediate | undefined;
function readRing(): void {
  more = undefined;
  const until = performance.now() + READ_SLICE_MS;
  let stopped = false;
  ring.read((frame) => {
    if (performance.now() > until) return !(stopped = true);
    return apply(frame);
  });
  if (stopped) more ??= setImmediate(readRing);
}
const reading = setInterval(readRing, READ_EVERY_MS);

port.on('message', (m: ToScrapeThread) => {
  if (m.type === 'frame') {
    external.set(m.id, Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.length));
    readRing();
  } else if (m.type === 'close') {
    realtime.stop();
    clearInterval(reading);
    if (more) clearImmediate(more);
    server.close(() => {
      send({ type: 'closed' });
      port.close();
    });
    server.closeAllConnections();
  }
});

// Its own figures, every few seconds (collector/memory-metrics.ts): its heap and arena are not in the
// main thread's figures, and its loop delay is what a scrape may have waited.
// A 20 ms timer, not 1 ms: this thread may run real-time, and each of its wake-ups preempts whatever
// else runs on that core (1 ms would be 1,000 wake-ups a second).
const DELAY_RESOLUTION_MS = 20;
const delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
delay.enable();
function report(): void {
  writeStats(init.stats, {
    heapUsedBytes: getHeapStatistics().used_heap_size,
    targetBytes: arena.stats().bytes,
    // The histogram records whole timer periods: its resolution subtracted, an idle loop reads ~0.
    loopDelayP99Seconds: Math.max(0, (delay.percentile(99) / 1e6 - DELAY_RESOLUTION_MS) / 1000),
    loopDelayMaxSeconds: Math.max(0, (delay.max / 1e6 - DELAY_RESOLUTION_MS) / 1000),
    realtime: realtime.on,
    realtimePauses: realtime.pauses,
  });
  delay.reset();
}
report();
setInterval(report, 5_000).unref();
