// Probes an endpoint at a steady rate, for the latency benchmarks: request to last byte, without
// waiting for answers (a stall shows as latency, not as fewer requests).
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { setThisThreadRealtime } from '../../collector/thread-priority.js';
import { timedGet } from './http-time.js';
import { sleep } from './processes.js';

export interface ProbeResult {
  times: number[];
  longestGapMs: number;
  failed: number;
}

/** GETs `url` every `everyMs` without waiting for answers (a stall shows as latency, not as fewer requests). */
export async function probe(url: string, everyMs: number, forMs: number): Promise<ProbeResult> {
  const times: number[] = [];
  let failed = 0;
  let lastAnswer = performance.now();
  let longestGapMs = 0;
  const pending: Promise<void>[] = [];
  const end = performance.now() + forMs;
  while (performance.now() < end) {
    pending.push(
      timedGet(url, 30_000).then(
        (r) => {
          const t = performance.now();
          longestGapMs = Math.max(longestGapMs, t - lastAnswer);
          lastAnswer = t;
          if (r.status === 200) times.push(r.ms);
          else failed++;
        },
        () => void failed++,
      ),
    );
    await sleep(everyMs);
  }
  await Promise.all(pending);
  return { times, longestGapMs, failed };
}

/**
 * The same in a thread of its own, real-time (SCHED_FIFO 1) when allowed, else at the process' nice:
 * as Prometheus scrapes each target from a goroutine of its own, this client's answers do not queue
 * behind the other probes' answers in one event loop. Resolves with the result and the thread's scheduling.
 */
export function probeInThread(url: string, everyMs: number, forMs: number): Promise<ProbeResult & { scheduling: string }> {
  const w = new Worker(new URL(import.meta.url), { workerData: { probe: true, url, everyMs, forMs }, name: 'probe' });
  return new Promise((resolve, reject) => {
    w.once('message', (m: ProbeResult & { scheduling: string }) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`the probe thread exited (code ${code}) without a result`)));
  });
}

// In the probe thread:
if (!isMainThread && parentPort && (workerData as { probe?: boolean } | undefined)?.probe === true) {
  const { url, everyMs, forMs } = workerData as { url: string; everyMs: number; forMs: number };
  const notRealtime = await setThisThreadRealtime(1);
  const result = await probe(url, everyMs, forMs);
  if (!notRealtime) await setThisThreadRealtime(0);
  parentPort.postMessage({ ...result, scheduling: notRealtime ? `the process' nice (not real-time: ${notRealtime})` : 'SCHED_FIFO 1' });
}
