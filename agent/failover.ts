// Several collector addresses: `collector.url` first, then `collector.failoverUrls` (regional
// collectors sharing one PostgreSQL store, docs/scale-out.md). A report goes to the collector in use;
// when that one cannot be reached or answers that it is busy or away (a "retry": connection refused,
// timeout, 5xx, 429), the next address is tried at once, so a lost collector costs one timeout per
// report rather than an outage, and the report stays in the outbox until some collector took it.
// The agent stays on the address that took a report and goes back to the first one after
// `returnAfterMs`: the first is the collector its devices are meant to report to (Prometheus scrapes
// the device's target there), so failover is a detour, not a move.
//
// An "unauthorized" or "refused" answer is returned as it is: another collector of the same store
// would give the same answer about the same token or report, so trying it would only hide the reason.
import type { SendResult, Transport } from './push.js';

export interface FailoverTarget {
  url: string;
  transport: Transport;
}

export interface FailoverOptions {
  /** After a failover, the first address is tried again once this long has passed. */
  returnAfterMs: number;
  now?: () => number;
  /** Called when the address in use changes (logs). */
  onSwitch?: (from: string, to: string, reason: string) => void;
}

export interface FailoverTransport extends Transport {
  /** The address in use now. */
  current(): string;
}

export function failoverTransport(targets: readonly FailoverTarget[], opts: FailoverOptions): FailoverTransport {
  if (targets.length === 0) throw new Error('failoverTransport needs at least one collector address');
  const now = opts.now ?? Date.now;
  let inUse = 0;
  let switchedAtMs = 0;
  const use = (i: number, reason: string) => {
    if (i === inUse) return;
    opts.onSwitch?.(targets[inUse]!.url, targets[i]!.url, reason);
    inUse = i;
    switchedAtMs = now();
  };
  return {
    current: () => targets[inUse]!.url,
    async send(report) {
      if (inUse !== 0 && now() - switchedAtMs >= opts.returnAfterMs) use(0, `back to the first collector after ${Math.round(opts.returnAfterMs / 1000)} s`);
      const failures: string[] = [];
      let wait: number | undefined;
      for (let k = 0; k < targets.length; k++) {
        const i = (inUse + k) % targets.length;
        const target = targets[i]!;
        const result: SendResult = await target.transport.send(report);
        if (result.kind !== 'retry') {
          if (result.kind === 'sent') use(i, failures.join('; '));
          return result;
        }
        failures.push(`${target.url}: ${result.reason}`);
        // The soonest any collector asked to be tried again.
        if (result.retryAfterMs !== undefined) wait = Math.min(wait ?? Infinity, result.retryAfterMs);
      }
      const reason = targets.length === 1 ? failures[0]!.slice(targets[0]!.url.length + 2) : `no collector took the report (${failures.join('; ')})`;
      return wait === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, retryAfterMs: wait };
    },
  };
}
