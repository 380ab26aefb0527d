// Where the collector's memory goes, as collector series beside the process' own (RSS, heap, external
// memory from prom-client's default metrics): the history not yet written, and the status
// evaluation's worker thread, whose heap the main thread's heap figures do not include. At 10,000
// devices the process held 3.7 GiB that nobody could attribute (issue 18).
import { Counter, Gauge, type Registry } from 'prom-client';
import { collectorMetrics as cm } from '../protocol/collector-metrics.js';

export interface MemorySources {
  /** Bytes of history buckets held in memory (HistoryWriter.heldBytes). */
  historyHeldBytes?: () => number;
  /** The evaluation worker's figures after its last pass (undefined before the first). */
  evaluation?: () => { heapUsedBytes: number; counters: { bytes: number } } | undefined;
  /** The scrape thread's last figures (collector/scrape/; undefined before its first). */
  scrape?: () => ScrapeThreadStats | undefined;
}

/** What the scrape thread reports about itself every few seconds. */
export interface ScrapeThreadStats {
  heapUsedBytes: number;
  /** Its arena's slabs (in use and pooled): every target's bytes. */
  targetBytes: number;
  /** The longest and the 99th-percentile delay of its event loop over the last period, in seconds. */
  loopDelayMaxSeconds: number;
  loopDelayP99Seconds: number;
  /** Whether it runs real-time now (scrape-realtime.ts), and how often its CPU budget sent it back. */
  realtime: boolean;
  realtimePauses: number;
}

export function registerMemorySeries(registry: Registry, src: MemorySources): void {
  const gauge = (name: string, help: string, read: () => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        // Unknown (no pass yet) is NaN, not 0: an unlabelled gauge always has a sample.
        this.set(read() ?? NaN);
      },
    });
  const history = src.historyHeldBytes;
  if (history) gauge(cm.historyHeldBytes, 'Bytes of history held in memory until written (open and closed minutes, roll-ups)', history);
  const evaluation = src.evaluation;
  if (evaluation) {
    gauge(cm.evaluationHeapBytes, "Heap used by the status evaluation's worker thread after its last pass (not in the main thread's heap figures)", () => evaluation()?.heapUsedBytes);
    gauge(cm.evaluationCounterBytes, "Bytes of counter histories the status evaluation keeps for its increase() windows (buffers of the worker thread)", () => evaluation()?.counters.bytes);
  }
  const scrape = src.scrape;
  if (scrape) {
    gauge(cm.scrapeHeapBytes, "Heap used by the scrape thread (per-device targets' listener; not in the main thread's heap figures)", () => scrape()?.heapUsedBytes);
    gauge(cm.scrapeTargetBytes, "Bytes the scrape thread holds for every device's target (its arena's slabs)", () => scrape()?.targetBytes);
    new Gauge({
      name: cm.scrapeLoopDelay,
      help: "The scrape thread's event-loop delay over its last 5 s (quantile 0.99 and 1): how long a scrape may have waited for it",
      labelNames: ['quantile'],
      registers: [registry],
      collect() {
        const s = scrape();
        this.set({ quantile: '0.99' }, s?.loopDelayP99Seconds ?? NaN);
        this.set({ quantile: '1' }, s?.loopDelayMaxSeconds ?? NaN);
      },
    });
    gauge(cm.scrapeRealtime, 'Whether the scrape thread runs real-time (SCHED_FIFO) now: 0 when not allowed, disabled, or paused by its CPU budget', () => {
      const s = scrape();
      return s ? Number(s.realtime) : undefined;
    });
    new Counter({
      name: cm.scrapeRealtimePauses,
      help: "Times the scrape thread's CPU budget sent it back from real-time to the fair scheduler (scrapeListen.realtime.cpuBudget)",
      registers: [registry],
      collect() {
        // The thread counts; a restarted thread starts again from 0 (a counter reset).
        this.reset();
        this.inc(scrape()?.realtimePauses ?? 0);
      },
    });
  }
}
