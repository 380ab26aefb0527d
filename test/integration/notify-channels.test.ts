// Every notification channel against a server that checks what the platform checks: loopback robots
// for DingTalk, Feishu/Lark and WeCom (signature recomputed, timestamp window, body shape, size,
// keyword, rate limit), a generic receiver verifying the webhook signature, and a real SMTP server
// (smtp-server, STARTTLS or TLS, AUTH) whose received mails are parsed. A wrong secret is refused
// with the platform's words and not retried; a 500 or a robot that never answers is retryable within
// the deadline; no outcome and no log line carries a secret. Then `stationwatch notify test` against
// a loopback robot.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, Notification, SendOutcome } from '../../collector/notify/types.js';
import { channelWithDefaults, createChannel, sendTestNotification, type ChannelConfig } from '../../collector/notify/channels/index.js';
import { feishuOutcome } from '../../collector/notify/channels/feishu.js';
import { cliPath } from './fixtures/processes.js';
import { startDingTalkRobot, startFeishuBot, startWebhookReceiver, startWeComRobot, type RobotServer } from './fixtures/robot-servers.js';
import { makeTestCa, startSmtpServer, type TestCa, type TestSmtpServer } from './fixtures/smtp.js';

const run = promisify(execFile);

const DT_SECRET = 'SEC0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f';
const FS_SECRET = 'feishu-sign-secret-Qw3rTy8uI0pAsDf';
const WH_SECRET = 'webhook-hmac-secret-9f8e7d6c5b4a';
const SMTP_PASSWORD = 'smtp-pa55word-Zx9!';
const WRONG = 'SECwrong-secret-0000000000000000000000';

/** Every secret the tests use, for the check that none leaks. */
const secrets = new Set<string>([DT_SECRET, FS_SECRET, WH_SECRET, SMTP_PASSWORD, WRONG]);
const outcomes: SendOutcome[] = [];
const logLines: string[] = [];
const log = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  }),
);

function notification(n = 1): Notification {
  const now = Date.now();
  return {
    id: `it-${Math.random().toString(36).slice(2)}`,
    groupKey: 'beijing/pc-001',
    site: 'beijing',
    device: 'pc-001',
    status: 'firing',
    repeat: false,
    alerts: Array.from({ length: n }, (_, i) => ({
      alert: 'StationwatchPrintQueueDisabled',
      status: 'firing' as const,
      severity: 'critical',
      indicator: 'printer.queue',
      device: 'pc-001',
      site: 'beijing',
      summary: { en: `Print queue HP${i} is disabled`, zh: `打印队列 HP${i} 已停用` },
      description: { en: `The CUPS queue HP${i} refuses jobs.`, zh: `CUPS 队列 HP${i} 不再接受打印任务。` },
      startsAtMs: now - 12 * 60_000,
      runbookUrl: 'https://docs.example/runbooks/printer.queue',
      deviceUrl: 'http://127.0.0.1:9847/devices/pc-001',
      labels: {},
    })),
    mentions: { mobiles: ['13800000001'], userIds: ['zhangsan'], all: false },
    source: 'collector',
    createdMs: now,
  };
}

function channel(config: Record<string, unknown>, deps: { timeoutMs?: number; now?: () => number; env?: NodeJS.ProcessEnv; baseDir?: string } = {}): Channel {
  return createChannel(channelWithDefaults(config) as ChannelConfig, { log, timeoutMs: 3000, ...deps });
}

async function send(c: Channel, batch: Notification[] = [notification()]): Promise<SendOutcome> {
  const o = await c.send(batch, new AbortController().signal);
  outcomes.push(o);
  return o;
}

const refused = (detail: RegExp) => ({ ok: false, retryable: false, detail: expect.stringMatching(detail) as unknown });

describe('notification channels against their platforms', () => {
  const servers: RobotServer[] = [];
  let ca: TestCa;
  let smtp: TestSmtpServer;
  let smtps: TestSmtpServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stationwatch-notify-'));
    ca = await makeTestCa();
    smtp = await startSmtpServer({ ca, user: 'alerts@example.test', password: SMTP_PASSWORD });
    smtps = await startSmtpServer({ ca, user: 'alerts@example.test', password: SMTP_PASSWORD, implicitTls: true });
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await smtp?.close();
    await smtps?.close();
    await ca?.remove();
    await rm(dir, { recursive: true, force: true });
    // Nothing a channel reported or logged carries a secret, a robot's token or key, or a signature.
    const tokens = servers.map((s) => new URL(s.webhookUrl)).flatMap((u) => [u.searchParams.get('access_token'), u.searchParams.get('key'), u.pathname.split('/hook/')[1]]);
    const all = [...secrets, ...tokens.filter((t): t is string => !!t)];
    const reported = [...outcomes.map((o) => o.detail ?? ''), ...logLines].join('\n');
    expect(outcomes.length).toBeGreaterThan(15);
    expect(logLines.length).toBeGreaterThan(15);
    for (const s of all) expect(reported).not.toContain(s);
  });

  const robot = async <R extends RobotServer>(start: Promise<R>): Promise<R> => {
    const r = await start;
    servers.push(r);
    return r;
  };

  it('DingTalk: signed markdown with the keyword and @mentions is delivered; wrong secret, stale timestamp, missing keyword are refused with its words', async () => {
    const dt = await robot(startDingTalkRobot({ secret: DT_SECRET, keyword: '告警' }));
    const ok = await send(channel({ name: 'dt', type: 'dingtalk', url: dt.webhookUrl, secret: DT_SECRET, keyword: '告警' }));
    expect(ok).toEqual({ ok: true, detail: 'DingTalk errcode 0: ok' });
    const [msg] = await dt.waitForDelivered(1);
    expect(msg).toMatchObject({ msgtype: 'markdown', at: { atMobiles: ['13800000001'], atUserIds: ['zhangsan'], isAtAll: false } });
    const md = msg!.markdown as { title: string; text: string };
    expect(md.title).toContain('FIRING 告警 · beijing / pc-001');
    expect(md.text).toContain('已持续 12 分钟');
    expect(md.text).toContain('@13800000001');

    expect(await send(channel({ name: 'dt-wrong', type: 'dingtalk', url: dt.webhookUrl, secret: WRONG, keyword: '告警' }))).toEqual(refused(/^DingTalk errcode 310000: sign not match/));
    // The robot's clock two hours ahead of ours: outside DingTalk's one-hour window.
    const stale = await send(channel({ name: 'dt-stale', type: 'dingtalk', url: dt.webhookUrl, secret: DT_SECRET, keyword: '告警' }, { now: () => Date.now() - 2 * 3600_000 }));
    expect(stale).toEqual(refused(/^DingTalk errcode 310000: invalid timestamp/));
    // The robot requires a keyword the channel was not told.
    const strict = await robot(startDingTalkRobot({ secret: DT_SECRET, keyword: 'stationwatch-robot' }));
    expect(await send(channel({ name: 'dt-nokw', type: 'dingtalk', url: strict.webhookUrl, secret: DT_SECRET }))).toEqual(refused(/^DingTalk errcode 310000: keywords not in content/));
    const wrongToken = dt.webhookUrl.replace(/access_token=[^&]+/, 'access_token=not-the-token-000');
    expect(await send(channel({ name: 'dt-token', type: 'dingtalk', url: wrongToken, secret: DT_SECRET }))).toEqual(refused(/^DingTalk errcode 300001: token is not exist/));
    expect(dt.delivered()).toHaveLength(1);
  });

  it('DingTalk: over 20 a minute the robot throttles; the outcome is retryable after its 10-minute block; 400 alerts still fit one message', async () => {
    const dt = await robot(startDingTalkRobot({ perMinute: 2 }));
    const c = channel({ name: 'dt-rate', type: 'dingtalk', url: dt.webhookUrl });
    expect((await send(c, [notification(400)])).ok).toBe(true);
    const [big] = await dt.waitForDelivered(1);
    expect((big!.markdown as { text: string }).text).toMatch(/… and \d+ more alerts not shown/);
    expect((await send(c)).ok).toBe(true);
    expect(await send(c)).toEqual({ ok: false, retryable: true, retryAfterMs: 600_000, detail: 'DingTalk errcode 130101: send too fast, exceed 2 times per minute' });
  });

  it('Feishu: a signed card and a signed post are delivered; wrong secret, missing keyword, over 5 a second are answered as Feishu does', async () => {
    const fs = await robot(startFeishuBot({ secret: FS_SECRET }));
    expect(await send(channel({ name: 'fs', type: 'feishu', url: fs.webhookUrl, secret: FS_SECRET }))).toEqual({ ok: true, detail: 'Feishu code 0: success' });
    expect((await send(channel({ name: 'fs-post', type: 'feishu', url: fs.webhookUrl, secret: FS_SECRET, format: 'post' }))).ok).toBe(true);
    const [card, post] = await fs.waitForDelivered(2);
    expect(card).toMatchObject({ msg_type: 'interactive', card: { header: { template: 'red' } } });
    expect(JSON.stringify(card)).toContain('<at id=zhangsan></at>');
    expect(post).toMatchObject({ msg_type: 'post' });
    expect(JSON.stringify(post)).toContain('{"tag":"at","user_id":"zhangsan"}');
    expect(await send(channel({ name: 'fs-wrong', type: 'feishu', url: fs.webhookUrl, secret: WRONG }))).toEqual(refused(/^Feishu code 19021: sign match fail/));

    const kw = await robot(startFeishuBot({ keyword: 'stationwatch-bot' }));
    expect(await send(channel({ name: 'fs-nokw', type: 'feishu', url: kw.webhookUrl }))).toEqual(refused(/^Feishu code 19024: Key Words Not Found/));
    expect((await send(channel({ name: 'fs-kw', type: 'feishu', url: kw.webhookUrl, keyword: 'stationwatch-bot' }))).ok).toBe(true);

    const fast = await robot(startFeishuBot({ perSecond: 2, perMinute: 3 }));
    const c = channel({ name: 'fs-fast', type: 'feishu', url: fast.webhookUrl });
    const answers = await Promise.all([send(c), send(c), send(c)]);
    expect(answers.filter((a) => a.ok)).toHaveLength(2);
    expect(answers.find((a) => !a.ok)).toEqual({ ok: false, retryable: true, retryAfterMs: 1000, detail: 'Feishu code 9499: too many request' });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await send(c)).ok).toBe(true);
    expect(await send(c)).toEqual({ ok: false, retryable: true, retryAfterMs: 60_000, detail: expect.stringMatching(/^Feishu code 11232: frequency limited/) as unknown });
    // A malformed body is also 9499, and not retried.
    expect(feishuOutcome(400, '{"code":9499,"msg":"Bad Request","data":{}}')).toEqual({ ok: false, retryable: false, detail: 'Feishu code 9499: Bad Request' });
  });

  it('WeCom: markdown within 4096 bytes and text with mention lists are delivered; a wrong key is refused; 45009 is retryable', async () => {
    const wc = await robot(startWeComRobot({ perMinute: 3 }));
    expect(await send(channel({ name: 'wc', type: 'wecom', url: wc.webhookUrl }), [notification(80)])).toEqual({ ok: true, detail: 'WeCom errcode 0: ok' });
    expect((await send(channel({ name: 'wc-text', type: 'wecom', url: wc.webhookUrl, format: 'text' }))).ok).toBe(true);
    const [md, text] = await wc.waitForDelivered(2);
    expect((md!.markdown as { content: string }).content).toMatch(/… and \d+ more alerts not shown[^]*<@zhangsan>$/);
    expect(text!.text).toMatchObject({ mentioned_list: ['zhangsan'], mentioned_mobile_list: ['13800000001'] });
    const wrongKey = wc.webhookUrl.replace(/key=[^&]+/, 'key=00000000-0000-0000-0000-000000000000');
    expect(await send(channel({ name: 'wc-key', type: 'wecom', url: wrongKey }))).toEqual(refused(/^WeCom errcode 93000: invalid webhook url/));
    expect((await send(channel({ name: 'wc', type: 'wecom', url: wc.webhookUrl }))).ok).toBe(true);
    expect(await send(channel({ name: 'wc', type: 'wecom', url: wc.webhookUrl }))).toEqual({ ok: false, retryable: true, retryAfterMs: 60_000, detail: 'WeCom errcode 45009: api freq out of limit' });
  });

  it('a robot answering 500 or never answering: retryable, within the deadline', async () => {
    const wc = await robot(startWeComRobot());
    const c = channel({ name: 'wc-down', type: 'wecom', url: wc.webhookUrl }, { timeoutMs: 400 });
    wc.fault = 'error500';
    expect(await send(c)).toEqual({ ok: false, retryable: true, detail: 'HTTP 500: Internal Server Error' });
    wc.fault = 'hang';
    const started = Date.now();
    expect(await send(c)).toEqual({ ok: false, retryable: true, detail: 'no answer within 400 ms' });
    expect(Date.now() - started).toBeLessThan(2000);
    // The engine's signal (shutdown) ends a send at once too.
    const ac = new AbortController();
    const pending = c.send([notification()], ac.signal);
    ac.abort();
    expect(await pending).toEqual({ ok: false, retryable: true, detail: 'cancelled (the collector is stopping)' });
    // Nothing listens: retryable.
    await wc.close();
    servers.splice(servers.indexOf(wc), 1);
    expect(await send(c)).toMatchObject({ ok: false, retryable: true, detail: expect.stringMatching(/^request failed: ECONNREFUSED/) as unknown });
  });

  it('an answer that quotes the request (a proxy\'s 404 page) reaches the outcome with the token, key, signature and headers removed', async () => {
    const dt = await robot(startDingTalkRobot({ secret: DT_SECRET }));
    const fs = await robot(startFeishuBot({ secret: FS_SECRET }));
    const rx = await robot(startWebhookReceiver());
    for (const r of [dt, fs, rx]) r.fault = 'echo404';
    const token = new URL(dt.webhookUrl).searchParams.get('access_token')!;
    const a = await send(channel({ name: 'dt-echo', type: 'dingtalk', url: dt.webhookUrl, secret: DT_SECRET }));
    expect(a).toEqual(refused(/^HTTP 404: <html><body>Cannot POST \/robot\/send\?access_token=\*\*\*&timestamp=\d{13}&sign=\*\*\* /));
    expect(a.detail).not.toContain(token);
    const b = await send(channel({ name: 'fs-echo', type: 'feishu', url: fs.webhookUrl, secret: FS_SECRET }));
    expect(b).toEqual(refused(/^HTTP 404: <html><body>Cannot POST \/open-apis\/bot\/v2\/hook\/\*\*\* /));
    const c = await send(channel({ name: 'hook-echo', type: 'webhook', url: rx.webhookUrl, headers: { Authorization: 'Bearer receiver-token-456' } }));
    secrets.add('receiver-token-456');
    expect(c).toEqual(refused(/\(Authorization: \*\*\*\)/));
  });

  it('secrets from the environment and from files; a missing one is a refused send that says which', async () => {
    const dt = await robot(startDingTalkRobot({ secret: DT_SECRET }));
    await writeFile(join(dir, 'dt.secret'), `${DT_SECRET}\n`, { mode: 0o600 });
    const fromEnvAndFile = channel({ name: 'dt-env', type: 'dingtalk', urlEnv: 'SW_TEST_DT_URL', secretFile: 'dt.secret' }, { env: { SW_TEST_DT_URL: dt.webhookUrl }, baseDir: dir });
    expect((await send(fromEnvAndFile)).ok).toBe(true);
    expect(await send(channel({ name: 'dt-env', type: 'dingtalk', urlEnv: 'SW_TEST_DT_URL' }, { env: {} }))).toEqual({ ok: false, retryable: false, detail: 'urlEnv: the environment variable SW_TEST_DT_URL is not set' });
    expect(await send(channel({ name: 'dt-file', type: 'dingtalk', url: dt.webhookUrl, secretFile: 'missing.secret' }, { baseDir: dir }))).toEqual({ ok: false, retryable: false, detail: `secretFile: cannot read ${join(dir, 'missing.secret')}: ENOENT` });
  });

  it('generic webhook: signed JSON the receiver verifies; a wrong secret is refused (401)', async () => {
    const rx = await robot(startWebhookReceiver({ secret: WH_SECRET, requireHeaders: { authorization: 'Bearer receiver-token-123' } }));
    const ok = await send(channel({ name: 'hook', type: 'webhook', url: rx.webhookUrl, secret: WH_SECRET, headers: { Authorization: 'Bearer receiver-token-123' } }));
    expect(ok).toEqual({ ok: true, detail: 'HTTP 200: {"ok":true}' });
    const [body] = await rx.waitForDelivered(1);
    expect(body).toMatchObject({ version: 1, source: 'stationwatch', channel: 'hook', notifications: [{ site: 'beijing', device: 'pc-001' }] });
    expect(rx.requests[0]!.headers['x-stationwatch-notification-ids']).toBe((body!.notifications as Notification[])[0]!.id);
    expect(await send(channel({ name: 'hook-wrong', type: 'webhook', url: rx.webhookUrl, secret: WRONG, headers: { Authorization: 'Bearer receiver-token-123' } }))).toEqual(refused(/^HTTP 401: \{"error":"signature mismatch"\}/));
  });

  it('e-mail over STARTTLS and over TLS with AUTH: the server receives a bilingual mail with text and HTML parts', async () => {
    const base = { type: 'email', host: '127.0.0.1', user: 'alerts@example.test', password: SMTP_PASSWORD, caFile: ca.caFile, from: 'stationwatch <alerts@example.test>', to: ['it-team@example.test'], cc: ['boss@example.test'] };
    const ok = await send(channel({ ...base, name: 'mail', port: smtp.port }));
    expect(ok).toMatchObject({ ok: true, detail: expect.stringMatching(/^SMTP: 250 /) as unknown });
    const [mail] = await smtp.waitForMails(1);
    expect(mail).toMatchObject({ secure: true, user: 'alerts@example.test', from: 'alerts@example.test', to: ['it-team@example.test', 'boss@example.test'] });
    expect(mail!.parsed.subject).toBe('[stationwatch] 🔴 FIRING 告警 · beijing / pc-001 · Print queue HP0 is disabled / 打印队列 HP0 已停用');
    expect(mail!.parsed.text).toContain('Since 开始于:');
    expect(mail!.parsed.text).toContain('已持续 12 分钟');
    expect(mail!.parsed.html).toContain('<a href="http://127.0.0.1:9847/devices/pc-001">Device page 设备页面</a>');
    expect(mail!.parsed.headers.get('x-stationwatch-notification-ids')).toBeTruthy();

    expect((await send(channel({ ...base, name: 'mail-tls', port: smtps.port, security: 'tls' }))).ok).toBe(true);
    expect((await smtps.waitForMails(1))[0]!.secure).toBe(true);

    const wrong = await send(channel({ ...base, name: 'mail-wrong', port: smtp.port, password: 'not-the-password' }));
    expect(wrong).toEqual({ ok: false, retryable: false, detail: expect.stringMatching(/^login refused: SMTP EAUTH \(AUTH PLAIN\): 535 5\.7\.8 Error: authentication failed/) as unknown });
    secrets.add('not-the-password');
    expect(smtp.logins.filter((l) => !l.ok)).toHaveLength(1);
    // Without our CA the server's certificate is not trusted: refused, not sent in clear.
    const { caFile: _ca, ...untrusting } = base;
    expect(await send(channel({ ...untrusting, name: 'mail-ca', port: smtp.port }))).toMatchObject({ ok: false, retryable: false, detail: expect.stringMatching(/certificate/i) as unknown });
    // Nobody listening: retryable.
    expect(await send(channel({ ...base, name: 'mail-down', port: 1 }, { timeoutMs: 1000 }))).toMatchObject({ ok: false, retryable: true, detail: expect.stringMatching(/ECONNREFUSED|ECONNECTION/) as unknown });
    // A server that accepts the connection and never greets: retryable, within the deadline.
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const started = Date.now();
    const hung = await send(channel({ ...base, name: 'mail-hang', port: (silent.address() as { port: number }).port }, { timeoutMs: 500 }));
    silent.close();
    expect(hung).toMatchObject({ ok: false, retryable: true, detail: expect.stringMatching(/^(no answer within 500 ms|SMTP ETIMEDOUT.*Greeting never received)/) as unknown });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(smtp.mails).toHaveLength(1);
  });

  it('sendTestNotification sends a clearly marked test', async () => {
    const wc = await robot(startWeComRobot());
    const o = await sendTestNotification(channel({ name: 'wc-test', type: 'wecom', url: wc.webhookUrl }), Date.now());
    outcomes.push(o);
    expect(o.ok).toBe(true);
    const [msg] = await wc.waitForDelivered(1);
    expect((msg!.markdown as { content: string }).content).toContain('🧪 TEST 测试');
  });

  it('stationwatch notify test CHANNEL: delivered (exit 0), refused (exit 1, the platform\'s answer, no secret)', async () => {
    if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run "npm run build" first (npm test does)`);
    const dt = await robot(startDingTalkRobot({ secret: DT_SECRET, keyword: 'stationwatch' }));
    const file = join(dir, 'collector.yaml');
    await writeFile(
      file,
      [
        'notifications:',
        '  channels:',
        `    - { name: ops-dingtalk, type: dingtalk, url: "${dt.webhookUrl}", secretEnv: SW_DT_SECRET, keyword: stationwatch }`,
        `    - { name: bad-dingtalk, type: dingtalk, url: "${dt.webhookUrl}", secret: ${WRONG}, keyword: stationwatch }`,
        '',
      ].join('\n'),
    );
    const cli = async (args: string[]) => {
      try {
        const r = await run(process.execPath, [cliPath, ...args], { timeout: 20_000, env: { ...process.env, SW_DT_SECRET: DT_SECRET } });
        return { code: 0, out: r.stdout, err: r.stderr };
      } catch (e) {
        const x = e as { code?: number; stdout?: string; stderr?: string };
        return { code: x.code ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
      }
    };
    const ok = await cli(['notify', 'test', 'ops-dingtalk', '--config', file]);
    expect(ok).toEqual({ code: 0, out: 'test notification delivered through channel "ops-dingtalk" (dingtalk): DingTalk errcode 0: ok\n', err: '' });
    const [msg] = await dt.waitForDelivered(1);
    expect((msg!.markdown as { title: string }).title).toContain('TEST 测试');
    const bad = await cli(['notify', 'test', 'bad-dingtalk', '--config', file]);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('test notification through channel "bad-dingtalk" (dingtalk) failed (refused: fix the channel): DingTalk errcode 310000: sign not match\n');
    const missing = await cli(['notify', 'test', 'nope', '--config', file]);
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining('no channel named "nope" (configured: ops-dingtalk, bad-dingtalk)') as unknown });
    for (const r of [ok, bad, missing]) for (const s of [DT_SECRET, WRONG, new URL(dt.webhookUrl).searchParams.get('access_token')!]) expect(r.out + r.err).not.toContain(s);
  });
});
