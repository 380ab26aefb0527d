// A lean load generator for capacity figures: N keep-alive connections, each sending the next
// device's report as soon as the previous answer arrived (closed loop), bodies prepared beforehand
// so a request costs the generator only a string join and a socket write. The reliability issue's
// load generator (tools/loadgen) simulates whole agents — report queue, outbox, one JSON.stringify
// per send — and saturates its own core near a thousand reports a second here, below what a bare
// route takes: a ceiling measured with it would be the generator's. Prints one JSON line.
// Usage: node blaster-worker.js '{"url":…,"seconds":…,"connections":…,"devices":N,"tokenSeed":…}'
// (the devices are the load generator's: loadgenDevices(N, tokenSeed)).
import { Agent, request } from 'node:http';
import { loadgenDevices } from '../tools/loadgen/loadgen.js';
import { simulatedReport } from '../tools/loadgen/report-shape.js';

export interface BlasterArgs {
  url: string;
  seconds: number;
  connections: number;
  devices: number;
  tokenSeed: string;
  /** Offer at most this many reports a second (the same rate to every build compared; bench/ingest-ab.ts); as fast as answered when unset. */
  perSecond?: number;
}

export interface BlasterOutput {
  sent: number;
  ok: number;
  other: Record<string, number>;
  cpuSeconds: number;
  wallSeconds: number;
}

const args = JSON.parse(process.argv[2]!) as BlasterArgs;
const startedAt = Date.now() - 60_000;
// The report with markers where seq and the timestamps go, split once per device.
const templates = loadgenDevices(args.devices, args.tokenSeed).map((d) => {
  const text = JSON.stringify(simulatedReport(d.name, d.site, startedAt, 987_654_321, 1_111_111_111_111, 15)).replace(/1111111111111/g, '\u0000').replace('987654321', '\u0001');
  return { auth: `Bearer ${d.token}`, parts: text.split(/[\u0000\u0001]/), seq: 1 };
});
const url = new URL('/api/v1/reports', args.url);
const agent = new Agent({ keepAlive: true, maxSockets: args.connections });
let next = 0;
let ok = 0;
let sent = 0;
const other: Record<string, number> = {};
const t0 = performance.now();
const endAt = t0 + args.seconds * 1000;

function body(t: (typeof templates)[number]): string {
  // The markers in the report's order: seq, then createdAt, sentAt and the probes' finishedAt.
  const now = String(Date.now());
  const p = t.parts;
  return `${p[0]}${t.seq++}${p.slice(1).join(now)}`;
}

function send(): Promise<void> {
  const t = templates[next++ % templates.length]!;
  const payload = body(t);
  sent++;
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: t.auth } }, (res) => {
      res.resume();
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) ok++;
        else other[code] = (other[code] ?? 0) + 1;
        resolve();
      });
    });
    req.on('error', (e) => {
      other[e.message] = (other[e.message] ?? 0) + 1;
      resolve();
    });
    req.end(payload);
  });
}

await Promise.all(
  Array.from({ length: args.connections }, async () => {
    while (performance.now() < endAt) {
      if (args.perSecond) {
        const due = t0 + (sent * 1000) / args.perSecond;
        const now = performance.now();
        if (due > now) await new Promise((r) => setTimeout(r, due - now));
      }
      await send();
    }
  }),
);
const cpu = process.cpuUsage();
const out: BlasterOutput = { sent, ok, other, cpuSeconds: (cpu.user + cpu.system) / 1e6, wallSeconds: (performance.now() - t0) / 1000 };
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
