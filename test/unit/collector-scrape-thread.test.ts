// Per-device targets on their own listener and thread (scrapeListen, collector/scrape/): the same
// answers as the main listener, byte for byte, kept current as reports arrive; /sd hands out its
// address; scrape credentials and TLS as on the main listener; and answers while the event loop is
// blocked, which is what the thread is for (the same request on the main listener waits).
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCollector, type CollectorApp } from '../../collector/app.js';
import { resolveCollectorConfig } from '../../collector/config.js';
import { silentLogger } from '../../common/logger.js';
import { threadScheduling } from '../../collector/thread-priority.js';
import { ScrapeListener } from '../../collector/scrape/scrape-listener.js';
import { makeReport } from '../helpers/reports.js';

const TOKEN = 'token-for-pc-01-xxxxxxxx';
const SCRAPE_TOKEN = 'prometheus-scrape-token-0123456789';
let c: CollectorApp | undefined;
let dirs: string[] = [];
afterEach(async () => {
  await c?.app.close();
  c = undefined;
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

async function collector(extra: Record<string, unknown> = {}, nowMs?: () => number): Promise<CollectorApp & { mainUrl: string; scrapeUrl: string }> {
  const config = resolveCollectorConfig({ listen: { host: '127.0.0.1', port: 0 }, scrapeListen: { port: 0 }, devices: [{ name: 'pc-01', token: TOKEN, site: 'a' }, { name: 'pc-02', token: `${TOKEN}-2`, site: 'a' }], ...extra }, {}, 'test');
  c = await buildCollector(config, { log: silentLogger, ...(nowMs ? { nowMs } : {}) });
  await c.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = c.app.server.address();
  const scheme = config.listen.tls ? 'https' : 'http';
  return { ...c, mainUrl: `${scheme}://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, scrapeUrl: `${scheme}://127.0.0.1:${c.scrape.listener!.port}` };
}

async function report(app: CollectorApp, now: number, seq = 1, value = 0.42): Promise<void> {
  const res = await app.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, payload: JSON.stringify(makeReport({ createdAt: now, sentAt: now, seq, samples: [{ metric: 'stationwatch_cpu_utilisation_ratio', value }] })) });
  expect(res.statusCode).toBe(202);
  await app.scrape.listener!.sync();
}

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers });
  return { status: res.status, type: res.headers.get('content-type'), nosniff: res.headers.get('x-content-type-options'), body: await res.text() };
};

describe('the scrape thread', () => {
  it('answers each target as the main listener does, follows reports, and /sd hands out its address', async () => {
    const s = await collector();
    expect(s.scrapeUrl).not.toBe(s.mainUrl);
    await report(s, Date.now());
    const [onMain, onScrape] = [await get(`${s.mainUrl}/devices/pc-01/metrics`), await get(`${s.scrapeUrl}/devices/pc-01/metrics`)];
    expect(onMain.status).toBe(200);
    expect(onScrape).toEqual(onMain);
    expect(onScrape.body).toContain('stationwatch_cpu_utilisation_ratio{device="pc-01",site="a"} 0.42');
    expect(onScrape.nosniff).toBe('nosniff');
    // The next report replaces the text there too.
    await report(s, Date.now(), 2, 0.77);
    expect((await get(`${s.scrapeUrl}/devices/pc-01/metrics`)).body).toContain('stationwatch_cpu_utilisation_ratio{device="pc-01",site="a"} 0.77');
    expect((await get(`${s.scrapeUrl}/devices/pc-01/metrics`)).body).toBe((await get(`${s.mainUrl}/devices/pc-01/metrics`)).body);
    // HEAD: headers only.
    const head = await fetch(`${s.scrapeUrl}/devices/pc-01/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(Buffer.byteLength((await get(`${s.scrapeUrl}/devices/pc-01/metrics`)).body));
    // Refusals as on the main listener: unknown device, never reported, anything else.
    for (const path of ['/devices/nope/metrics', '/devices/pc-02/metrics', '/devices/%E0%A4%A/metrics']) {
      const [m, t] = [await get(`${s.mainUrl}${path}`), await get(`${s.scrapeUrl}${path}`)];
      expect({ path, status: t.status }).toEqual({ path, status: m.status });
      expect(JSON.parse(t.body).error).toBe(path.includes('pc-02') ? 'not_reporting' : path.includes('%') ? 'invalid_request' : 'not_found');
    }
    expect(JSON.parse((await get(`${s.scrapeUrl}/devices/pc-02/metrics`)).body).message).toBe('device "pc-02" has never reported');
    expect((await get(`${s.scrapeUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${s.scrapeUrl}/devices/pc-01/metrics`, { method: 'POST' })).status).toBe(404);
    const sd = (await (await fetch(`${s.mainUrl}/sd`)).json()) as Array<{ targets: string[]; labels: Record<string, string> }>;
    expect(sd.map((t) => t.targets[0])).toEqual([s.scrapeUrl.slice('http://'.length), s.scrapeUrl.slice('http://'.length)]);
    expect(sd.find((t) => t.labels.device === 'pc-01')!.labels.__metrics_path__).toBe('/devices/pc-01/metrics');
  });

  it('hands over renderings bigger than its ring (as messages) between the ring\'s own frames', async () => {
    // A 16 KiB ring: frames up to 8 KiB; pc-01's rendering with 300 fans is ~20 KiB.
    ScrapeListener.ringBytes = 16 * 1024;
    try {
      const s = await collector();
      const fans = (seq: number, n: number) => makeReport({ seq, samples: Array.from({ length: n }, (_, i) => ({ metric: 'stationwatch_fan_speed_rpm', labels: { fan: `fan-${i}` }, value: seq / 10 })) });
      // Big (a message), small (the ring), big: the last state is the big one. (Whether the thread reads
      // the ring before or after a message arrives is not forced here: the EXTERNAL mark orders them.)
      for (const [seq, n] of [[1, 300], [2, 3], [3, 300]] as const) {
        const res = await s.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, payload: JSON.stringify(fans(seq, n)) });
        expect(res.statusCode).toBe(202);
        // Each its own frame now, all in flight before the thread reads any.
        (s.scrape.listener as unknown as { flush(): void }).flush();
      }
      await s.scrape.listener!.sync();
      const [onMain, onScrape] = [await get(`${s.mainUrl}/devices/pc-01/metrics`), await get(`${s.scrapeUrl}/devices/pc-01/metrics`)];
      expect(Buffer.byteLength(onScrape.body)).toBeGreaterThan(16 * 1024);
      // The last, not an earlier one applied late.
      expect(onScrape.body).toContain('stationwatch_fan_speed_rpm{device="pc-01",site="a",fan="fan-299"} 0.3\n');
      expect(onScrape).toEqual(onMain);
    } finally {
      ScrapeListener.ringBytes = 16 * 1024 * 1024;
    }
  });

  it('never reuses an answer\'s buffer while a slow reader is still being sent it', async () => {
    const s = await collector({ limits: { maxSeriesPerDevice: 10_000 }, bodyLimitBytes: 16 << 20 });
    // Two renderings of ~6 MB each, of the same pooled size class, differing in one label's letter:
    // more than the kernel's socket buffers take from a reader that does not read (a 4 MiB send
    // buffer at most here, net.ipv4.tcp_wmem, and 128 KiB received).
    const disks = (device: string, token: string, letter: string) => {
      const long = (c: string) => c.repeat(230);
      const samples = Array.from({ length: 5000 }, (_, i) => ({ metric: 'stationwatch_disk_info', labels: { disk: `disk-${i}`, type: long('t'), vendor: long(letter), model: long('m'), serial: long('s') }, value: 1 }));
      return s.app.inject({ method: 'POST', url: '/api/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, payload: JSON.stringify(makeReport({ device, samples })) });
    };
    for (const [device, token, letter] of [['pc-01', TOKEN, 'p'], ['pc-02', `${TOKEN}-2`, 'q']] as const) {
      const res = await disks(device, token, letter);
      expect(res.statusCode).toBe(202);
      expect(res.json().dropped).toEqual([]);
    }
    await s.scrape.listener!.sync();
    // A reader that does not read: the answer stays partly unsent.
    const slow = connect(s.scrape.listener!.port, '127.0.0.1');
    await once(slow, 'connect');
    slow.pause();
    slow.write('GET /devices/pc-01/metrics HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    await new Promise((r) => setTimeout(r, 300));
    // Meanwhile other answers are made and sent whole, from other buffers.
    for (let i = 0; i < 3; i++) {
      const other = (await get(`${s.scrapeUrl}/devices/pc-02/metrics`)).body;
      expect(Buffer.byteLength(other)).toBeGreaterThan(5e6);
      expect(other).toContain(`disk="disk-4999",type="${'t'.repeat(230)}",vendor="${'q'.repeat(230)}"`);
    }
    const chunks: Buffer[] = [];
    slow.on('data', (b: Buffer) => chunks.push(b));
    slow.resume();
    await once(slow, 'end');
    const raw = Buffer.concat(chunks).toString();
    const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
    expect(body).not.toContain('q'.repeat(230));
    expect(body).toBe((await get(`${s.mainUrl}/devices/pc-01/metrics`)).body);
  });

  it('reports its own memory and loop delay on /collector/metrics', async () => {
    const s = await collector();
    await report(s, Date.now());
    const text = (await s.app.inject('/collector/metrics')).body;
    const value = (line: string) => Number(text.split('\n').find((l) => l.startsWith(`${line} `))?.slice(line.length + 1));
    // Its arena starts with one 8 MiB slab; its heap is its own (not the main thread's).
    expect(value('stationwatch_collector_scrape_target_bytes')).toBeGreaterThanOrEqual(8 * 2 ** 20);
    expect(value('stationwatch_collector_scrape_heap_used_bytes')).toBeGreaterThan(2 ** 20);
    expect(value('stationwatch_collector_scrape_loop_delay_seconds{quantile="1"}')).toBeGreaterThanOrEqual(0);
  });

  it('goes 503 when the device stops reporting (the collector clock, a fake one here), and drops a forgotten device', async () => {
    let now = Date.now();
    const s = await collector({}, () => now);
    await report(s, now);
    expect((await get(`${s.scrapeUrl}/devices/pc-01/metrics`)).status).toBe(200);
    // staleAfterIntervals 3 × 15 s: one millisecond past it, not reporting, on both listeners.
    now += 45_001;
    await s.scrape.listener!.sync();
    const stale = await get(`${s.scrapeUrl}/devices/pc-01/metrics`);
    expect(stale.status).toBe(503);
    expect(JSON.parse(stale.body).message).toMatch(/^device "pc-01" last reported at /);
    expect((await get(`${s.mainUrl}/devices/pc-01/metrics`)).status).toBe(503);
    // A device the configuration does not list (enrolled), then forgotten: gone from the thread too.
    s.ctx.store.accept('pc-enrolled', 'a', makeReport({ device: 'pc-enrolled', createdAt: now, sentAt: now }), now);
    s.ctx.exposition.prepare(s.ctx.store.get('pc-enrolled')!);
    await s.scrape.listener!.sync();
    expect((await get(`${s.scrapeUrl}/devices/pc-enrolled/metrics`)).status).toBe(200);
    expect(s.ctx.store.forget('pc-enrolled')).toBe(true);
    await s.scrape.listener!.sync();
    expect((await get(`${s.scrapeUrl}/devices/pc-enrolled/metrics`)).status).toBe(404);
  });

  it('asks for the scrape credentials when they are configured', async () => {
    const s = await collector({ scrapeAuth: { bearerToken: SCRAPE_TOKEN } });
    await report(s, Date.now());
    const without = await get(`${s.scrapeUrl}/devices/pc-01/metrics`);
    expect(without.status).toBe(401);
    expect(JSON.parse(without.body).error).toBe('scrape_unauthorized');
    expect((await get(`${s.scrapeUrl}/devices/pc-01/metrics`, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await get(`${s.scrapeUrl}/devices/pc-01/metrics`, { authorization: `Bearer ${SCRAPE_TOKEN}` })).status).toBe(200);
  });

  it('serves over TLS with the main listener\'s certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-scrape-tls-'));
    dirs.push(dir);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { timeout: 30_000, stdio: 'ignore' });
    const s = await collector({ listen: { host: '127.0.0.1', port: 0, tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } } });
    await report(s, Date.now());
    const { status, body, hsts } = await new Promise<{ status: number; body: string; hsts: unknown }>((resolve, reject) => {
      const req = httpsRequest(`${s.scrapeUrl}/devices/pc-01/metrics`, { rejectUnauthorized: false }, (res) => {
        let text = '';
        res.on('data', (b: Buffer) => (text += b.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, hsts: res.headers['strict-transport-security'] }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(hsts).toBe('max-age=31536000');
    expect(body).toContain('stationwatch_cpu_utilisation_ratio{device="pc-01",site="a"} 0.42');
    const sd = (await s.app.inject('/sd')).json() as Array<{ labels: Record<string, string> }>;
    expect(sd[0]!.labels.__scheme__).toBe('https');
  });

  it('answers while the event loop is blocked; the main listener waits', async () => {
    const s = await collector();
    await report(s, Date.now());
    // The requests come from a thread of their own: this test's event loop is the collector's.
    const timeInThread = (url: string, sent: () => void) =>
      new Promise<number>((resolve, reject) => {
        const w = new Worker(`const { parentPort, workerData } = require('node:worker_threads');
          parentPort.once('message', async () => { await new Promise((r) => setTimeout(r, 200)); const t0 = performance.now(); const r = await fetch(workerData); await r.text(); parentPort.postMessage(r.status === 200 ? performance.now() - t0 : -r.status); });
          parentPort.postMessage('ready');`, { eval: true, workerData: url });
        w.on('error', reject);
        w.on('message', (m: unknown) => {
          if (m === 'ready') {
            w.postMessage('go');
            return sent();
          }
          void w.terminate();
          resolve(m as number);
        });
      });
    const block = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    for (const [url, fast] of [[`${s.scrapeUrl}/devices/pc-01/metrics`, true], [`${s.mainUrl}/devices/pc-01/metrics`, false]] as const) {
      // The thread sends 200 ms after "go", while the event loop is held for 1.5 s.
      let go!: () => void;
      const started = new Promise<void>((r) => (go = r));
      const timed = timeInThread(url, go);
      await started;
      block(1_500);
      const ms = await timed;
      expect(ms).toBeGreaterThan(0);
      if (fast) expect(ms).toBeLessThan(1_000);
      else expect(ms).toBeGreaterThan(1_000);
    }
  });

  it('runs real-time (SCHED_FIFO) within its CPU budget: leaves it past the budget, then comes back', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test sets real-time scheduling: run it as root (CI does), or with CAP_SYS_NICE');
    // The scrape thread is the one named "scrape" among this process' threads (the collector runs in the test's process).
    const scheduling = () =>
      readdirSync('/proc/self/task')
        .filter((t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === 'scrape')
        .map((t) => threadScheduling(`/proc/self/task/${t}/stat`));
    const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 10_000) => {
      const deadline = Date.now() + ms;
      while (!(await ok())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const metric = async (name: string) => {
      const text = (await s.app.inject('/collector/metrics')).body;
      return Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.slice(name.length + 1));
    };
    // A budget of 2 % of a core: a client that keeps asking uses more of the thread than that.
    const s = await collector({ scrapeListen: { port: 0, realtime: { cpuBudget: 0.02, pauseSeconds: 1 } } });
    await report(s, Date.now());
    expect(scheduling()).toEqual([{ policy: 'fifo', rtPriority: 1, nice: -5 }]);
    expect(await metric('stationwatch_collector_scrape_realtime')).toBe(1);
    expect(await metric('stationwatch_collector_scrape_realtime_pauses_total')).toBe(0);
    let asking = true;
    const client = (async () => {
      while (asking) await get(`${s.scrapeUrl}/devices/pc-01/metrics`);
    })();
    try {
      await until('the thread leaves real time', () => scheduling()[0]?.policy === 'other');
    } finally {
      asking = false;
      await client;
    }
    // Back under the fair scheduler at its nice value, and said so on /collector/metrics.
    expect(scheduling()).toEqual([{ policy: 'other', rtPriority: 0, nice: -5 }]);
    await until('the series say so', async () => (await metric('stationwatch_collector_scrape_realtime')) === 0);
    expect(await metric('stationwatch_collector_scrape_realtime_pauses_total')).toBe(1);
    // Idle, it enters real time again after pauseSeconds.
    await until('the thread is real-time again', () => scheduling()[0]?.policy === 'fifo');
    await until('the series say so', async () => (await metric('stationwatch_collector_scrape_realtime')) === 1);
    expect((await get(`${s.scrapeUrl}/devices/pc-01/metrics`)).status).toBe(200);
  });

  it('runs at its nice value when real time is disabled', async () => {
    const s = await collector({ scrapeListen: { port: 0, realtime: { enabled: false } } });
    await report(s, Date.now());
    const threads = readdirSync('/proc/self/task').filter((t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === 'scrape');
    expect(threads.map((t) => threadScheduling(`/proc/self/task/${t}/stat`).policy)).toEqual(['other']);
    const text = (await s.app.inject('/collector/metrics')).body;
    expect(text).toContain('\nstationwatch_collector_scrape_realtime 0\n');
  });

  it('restarts a thread that died, on the same port, with every device', async () => {
    const s = await collector();
    await report(s, Date.now());
    const port = s.scrape.listener!.port;
    await (s.scrape.listener as unknown as { worker: Worker }).worker.terminate();
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      await new Promise((r) => setTimeout(r, 200));
      status = await get(`${s.scrapeUrl}/devices/pc-01/metrics`).then((r) => r.status, () => 0);
    }
    expect(status).toBe(200);
    expect(s.scrape.listener!.port).toBe(port);
  });

  it('refuses to start when its port is taken, saying which', async () => {
    const first = await collector();
    const taken = first.scrape.listener!.port;
    const config = resolveCollectorConfig({ listen: { host: '127.0.0.1', port: 0 }, scrapeListen: { port: taken } }, {}, 'test');
    const second = await buildCollector(config, { log: silentLogger });
    await expect(second.app.ready()).rejects.toThrow(new RegExp(`scrapeListen 127.0.0.1:${taken}: .*EADDRINUSE`));
    await second.app.close();
  });
});
