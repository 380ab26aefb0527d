// Backfill through remote-write: samples of late reports, from periods in which the collector showed
// the device as not reporting (so Prometheus scraped nothing of it then and nothing overlaps), are
// sent with their original timestamps. One request per late report, in arrival order: a receiver
// refusing one (outside its out-of-order window) costs only that report. Bounded in memory; a
// receiver that is away is retried with backoff, one that refuses (4xx) drops the report, counted.
import { Counter, Gauge, type Registry } from 'prom-client';
import { metricByName } from '../../protocol/metrics.js';
import type { Sample } from '../../protocol/report.js';
import { encodeWriteRequest, type Series } from './encode.js';

export interface RemoteWriteConfig {
  url: string;
  timeoutSeconds: number;
  labels: Record<string, string>;
  instanceIsDevice: boolean;
  bearerToken?: string;
  maxQueuedSamples: number;
}

interface Batch {
  series: Series[];
  samples: number;
}

export class Backfill {
  private readonly queue: Batch[] = [];
  private queuedSamples = 0;
  private running?: Promise<void>;
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  private closed = false;
  private readonly outcome: Counter<'result'>;

  constructor(
    private readonly cfg: RemoteWriteConfig,
    registry: Registry,
    private readonly post: typeof fetch = fetch,
  ) {
    this.outcome = new Counter({ name: 'stationwatch_collector_backfill_samples_total', help: 'Samples of late reports for remote-write backfill, by outcome (sent, refused by the receiver, dropped from the full queue)', labelNames: ['result'], registers: [registry] });
    const self = this;
    new Gauge({
      name: 'stationwatch_collector_backfill_queued_samples',
      help: 'Backfill samples waiting for the remote-write receiver',
      registers: [registry],
      collect() {
        this.set(self.queuedSamples);
      },
    });
  }

  /** Queues one late report's samples at its (collector-clock) time. */
  enqueue(device: string, site: string, atMs: number, samples: readonly Sample[]): void {
    if (this.closed || samples.length === 0) return;
    const timestampMs = Math.round(atMs);
    const series: Series[] = samples.map((s) => {
      const counter = metricByName(s.metric)?.type === 'counter';
      return {
        labels: { ...this.cfg.labels, ...(this.cfg.instanceIsDevice ? { instance: device } : {}), ...s.labels, device, site, __name__: s.metric },
        samples: [{ value: counter ? Math.max(0, s.value) : s.value, timestampMs }],
      };
    });
    this.queue.push({ series, samples: series.length });
    this.queuedSamples += series.length;
    while (this.queuedSamples > this.cfg.maxQueuedSamples && this.queue.length > 1) {
      const dropped = this.queue.shift()!;
      this.queuedSamples -= dropped.samples;
      this.outcome.inc({ result: 'dropped' }, dropped.samples);
    }
    this.kick();
  }

  /** Resolves when everything queued has been sent or given up (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
  }

  private kick(): void {
    if (this.running || this.retryTimer || this.closed) return;
    this.running = this.sendAll().finally(() => (this.running = undefined));
  }

  private async sendAll(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const batch = this.queue[0]!;
      const result = await this.send(batch);
      if (result === 'retry') {
        this.failures++;
        const delay = Math.min(60_000, 500 * 2 ** Math.min(this.failures, 7)) * (0.5 + Math.random());
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.kick();
        }, delay);
        this.retryTimer.unref();
        return;
      }
      this.failures = 0;
      this.queue.shift();
      this.queuedSamples -= batch.samples;
      this.outcome.inc({ result }, batch.samples);
    }
  }

  private async send(batch: Batch): Promise<'sent' | 'refused' | 'retry'> {
    try {
      const res = await this.post(this.cfg.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          'x-prometheus-remote-write-version': '0.1.0',
          ...(this.cfg.bearerToken ? { authorization: `Bearer ${this.cfg.bearerToken}` } : {}),
        },
        body: encodeWriteRequest(batch.series),
        signal: AbortSignal.timeout(this.cfg.timeoutSeconds * 1000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return 'sent';
      return res.status === 429 || res.status >= 500 ? 'retry' : 'refused';
    } catch {
      return 'retry';
    }
  }
}
