// The collector stops its parts before it closes their store: a notification whose send is in flight
// when the collector stops is settled (here: counted for a retry) and released, so the next start
// sends it at once. With the store closed first (Fastify runs onClose hooks last-added first), the
// row stayed leased for its whole lease (~40 s) and a restart delivered it that much late — found by
// notify-e2e's restart step on a loaded CI machine.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildCollector } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { openSqliteStore } from '../../collector/store/sqlite/index.js';
import { silentLogger } from '../../common/logger.js';

let server: Server;
let url: string;
let dir: string;
let hits = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stationwatch-stop-order-'));
  // A robot that never answers: the send is in flight until its deadline.
  server = createServer(() => void hits++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

it('a send in flight at stop is released for the next start, not left leased', async () => {
  const config = resolveCollectorConfig(
    {
      stateDir: dir,
      notifications: { mode: 'collector', channels: [{ name: 'hook', type: 'webhook', url }], defaultChannels: ['hook'], sendTimeoutSeconds: 1, retryBaseSeconds: 0.05, retryMaxSeconds: 0.1 },
    },
    {},
    'test',
  );
  const c = await buildCollector(config, { log: silentLogger, notify: { pollMs: 20 } });
  await c.app.ready();
  const now = Date.now();
  await c.ctx.db.notifications.enqueue(
    [{ channel: 'hook', notification: { id: 'n-1', groupKey: 'site-a/pc-1', site: 'site-a', device: 'pc-1', status: 'firing', repeat: false, alerts: [], mentions: { mobiles: [], userIds: [], all: false }, source: 'test', createdMs: now } }],
    now,
  );
  const end = Date.now() + 5000;
  while (hits === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  expect(hits).toBe(1);
  await c.app.close();

  const store = openSqliteStore(dir);
  try {
    const later = Date.now() + 200; // past the (tiny) retry delay, well inside the lease
    const rows = await store.notifications.claim('hook', later, 1000, 10);
    expect(rows.map((r) => [r.notification.id, r.attempts])).toEqual([['n-1', 1]]);
  } finally {
    await store.close();
  }
});
