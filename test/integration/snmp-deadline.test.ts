// SNMP polls of a device that answers too slowly: a real snmpd behind a UDP relay that delays every
// packet (a slow link), serving a supply table long enough that a poll needs many requests, each
// answered within the request timeout but the whole poll far beyond the interval. Each poll opens
// its own session (its own source port), so the relay sees exactly when each poll sent something:
// polls must be cancelled at their deadline (nothing more sent) and never overlap or pile up.
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceStore, deviceSamples } from '../../collector/device-store.js';
import type { SnmpTarget } from '../../collector/snmp/config.js';
import { SnmpPoller, pollDeadlineMs } from '../../collector/snmp/poller.js';
import { silentLogger } from '../../common/logger.js';
import { printerOids, startSnmpd, type OidTable, type Snmpd } from './fixtures/snmpd.js';

const DELAY_MS = 350; // each way: 700 ms per request, within the 1 s request timeout

/** A printer with 60 supplies: its supply walk alone takes several GETBULK requests. */
function manySupplies(): OidTable {
  const t = printerOids({ descr: 'Slow MFP', deviceStatus: 2, printerStatus: 3, errorOctets: '00 00', tonerLevel: 70, tonerMax: 100 });
  for (let k = 2; k <= 60; k++) {
    t[`.1.3.6.1.2.1.43.11.1.1.6.1.${k}`] = ['string', `Supply ${k}`];
    t[`.1.3.6.1.2.1.43.11.1.1.8.1.${k}`] = ['integer', '100'];
    t[`.1.3.6.1.2.1.43.11.1.1.9.1.${k}`] = ['integer', '50'];
  }
  return t;
}

interface Relay {
  port: number;
  /** Per client source port (one per SNMP session): when it sent its first and last request. */
  sessions: Map<number, { first: number; last: number; packets: number }>;
  close(): void;
}

async function slowRelay(upstreamPort: number): Promise<Relay> {
  const front = createSocket('udp4');
  const upstream = new Map<number, Socket>();
  const sessions: Relay['sessions'] = new Map();
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, DELAY_MS);
    timers.add(t);
  };
  front.on('message', (msg, from) => {
    const now = performance.now();
    const s = sessions.get(from.port);
    if (s) {
      s.last = now;
      s.packets++;
    } else sessions.set(from.port, { first: now, last: now, packets: 1 });
    let up = upstream.get(from.port);
    if (!up) {
      up = createSocket('udp4');
      up.on('message', (reply) => later(() => front.send(reply, from.port, '127.0.0.1')));
      upstream.set(from.port, up);
    }
    const u = up;
    later(() => u.send(msg, upstreamPort, '127.0.0.1'));
  });
  await new Promise<void>((r) => front.bind(0, '127.0.0.1', r));
  return {
    port: front.address().port,
    sessions,
    close: () => {
      for (const t of timers) clearTimeout(t);
      for (const u of upstream.values()) u.close();
      front.close();
    },
  };
}

describe('SNMP polls of a device slower than the interval', () => {
  let dir: string;
  let snmpd: Snmpd;
  let relay: Relay;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-snmp-slow-'));
    snmpd = await startSnmpd(dir, manySupplies());
    relay = await slowRelay(snmpd.port);
  });

  afterAll(async () => {
    relay?.close();
    await snmpd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('are cancelled at their deadline and never overlap', async () => {
    const target: SnmpTarget = { name: 'slow-mfp', site: 'hall', host: '127.0.0.1', port: relay.port, version: '2c', community: 'public', intervalSeconds: 1, timeoutSeconds: 1, retries: 0 } as SnmpTarget;
    expect(pollDeadlineMs(target)).toBe(1000);
    const store = new DeviceStore([], 'default', 3, [target]);
    const poller = new SnmpPoller([target], store, silentLogger);
    // Direct calls while one runs join it rather than start a second session.
    const first = poller.pollOnce(target);
    const again = poller.pollOnce(target);
    await Promise.all([first, again]);
    expect(relay.sessions.size).toBe(1);

    poller.start();
    await new Promise((r) => setTimeout(r, 6000));
    await poller.stop();
    const sentAtStop = [...relay.sessions.values()].reduce((n, s) => n + s.packets, 0);

    const spans = [...relay.sessions.values()].sort((a, b) => a.first - b.first);
    const table = spans.map((s) => `${Math.round(s.first)}–${Math.round(s.last)} (${s.packets})`).join(', ');
    // Polls went on (one a second, each cut at 1 s) but did not pile up.
    expect(spans.length, table).toBeGreaterThanOrEqual(4);
    expect(spans.length, table).toBeLessThanOrEqual(9);
    for (let i = 1; i < spans.length; i++) {
      // A session sends nothing once the next one has started…
      expect(spans[i - 1]!.last, table).toBeLessThan(spans[i]!.first);
      // …and nothing after its deadline (plus scheduling slack).
      expect(spans[i - 1]!.last - spans[i - 1]!.first, table).toBeLessThan(1300);
    }
    // The slow device is down with the deadline as the reason, not a made-up reading.
    const d = deviceSamples(store.get('slow-mfp')!);
    expect(d.get('stationwatch_snmp_up')?.[0]?.value).toBe(0);
    const took = d.get('stationwatch_snmp_poll_duration_seconds')?.[0]?.value ?? 0;
    expect(took).toBeGreaterThanOrEqual(0.95);
    expect(took).toBeLessThan(1.5);
    expect(d.has('stationwatch_printer_supply_level_ratio')).toBe(false);

    // Stopped: the poll under way was cancelled, nothing is sent any more.
    await new Promise((r) => setTimeout(r, 1500));
    expect([...relay.sessions.values()].reduce((n, s) => n + s.packets, 0)).toBe(sentAtStop);
  }, 30_000);
});
