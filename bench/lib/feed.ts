// One report per device, through the agent's own HTTP transport, as fast as the collector takes
// them: fills a collector with N reporting devices before measuring what it serves.
import { httpTransport } from '../../agent/push.js';
import { simulatedReport } from '../../tools/loadgen/report-shape.js';

export async function feedReports(url: string, devices: ReadonlyArray<{ name: string; token: string; site: string }>, opts: { intervalSeconds: number; concurrency?: number; seq?: number }): Promise<void> {
  let next = 0;
  const startedAt = Date.now() - 60_000;
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: opts.concurrency ?? 16 }, async () => {
      while (next < devices.length) {
        const d = devices[next++]!;
        const res = await httpTransport(url, d.token, 30_000).send(simulatedReport(d.name, d.site, startedAt, opts.seq ?? 1, Date.now(), opts.intervalSeconds));
        if (res.kind !== 'sent') failures.push(`${d.name}: ${res.kind} ${'reason' in res ? res.reason : ''}`);
      }
    }),
  );
  if (failures.length > 0) throw new Error(`${failures.length} reports were not accepted, e.g. ${failures.slice(0, 3).join('; ')}`);
}
