// The notifications section: defaults, channel and route checks, and the rule that a site is
// notified one way only (collector/notify/config.ts).
import { describe, expect, it } from 'vitest';
import { resolveCollectorConfig } from '../../collector/config.js';
import { modeOf } from '../../collector/notify/config.js';
import { mentionsFor } from '../../collector/notify/routing.js';
import { ConfigError } from '../../common/config-file.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const ding = { name: 'ding-a', type: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=abc', secret: 'SECabc' };
const mail = { name: 'it-mail', type: 'email', host: 'smtp.example.com', from: 'sw@example.com', to: ['it@example.com'], user: 'sw', passwordEnv: 'SMTP_PASSWORD' };
const token = 'r'.repeat(24);

describe('notifications configuration', () => {
  it('is off by default and fills its defaults', () => {
    const n = resolveCollectorConfig({}, {}, 't').notifications;
    expect(n).toMatchObject({ sites: {}, channels: [], routes: [], defaultChannels: [], groupWaitSeconds: 30, repeatIntervalMinutes: 240 });
    expect(modeOf(n, 'any')).toBe('off');
  });

  it('takes channels (their defaults filled), routes, on-call people and the per-site mode', () => {
    const c = resolveCollectorConfig(
      {
        notifications: {
          mode: 'collector',
          sites: { hq: { mode: 'off' } },
          channels: [ding, mail],
          routes: [{ sites: ['branch-a'], severities: ['critical'], channels: ['ding-a'] }],
          defaultChannels: ['it-mail'],
          onCall: { 'branch-a': { mobiles: ['13800000000'] } },
          publicUrl: 'https://monitor.example.com',
        },
      },
      {},
      't',
    ).notifications;
    expect(c.channels.map((x) => x.name)).toEqual(['ding-a', 'it-mail']);
    expect(c.channels[1]).toMatchObject({ security: 'starttls', perMinute: 30 });
    expect(mentionsFor(c.onCall, 'branch-a')).toEqual({ mobiles: ['13800000000'], userIds: [], all: false });
    expect(mentionsFor(c.onCall, 'hq')).toEqual({ mobiles: [], userIds: [], all: false });
    expect([modeOf(c, 'branch-a'), modeOf(c, 'hq')]).toEqual(['collector', 'off']);
  });

  it('refuses routes to channels that do not exist, bad channels, and notifications with nowhere to go', () => {
    const p = problems(() => resolveCollectorConfig({ notifications: { mode: 'collector', channels: [ding, { name: 'x', type: 'pager' }], routes: [{ channels: ['nope'] }], defaultChannels: ['ding-a', 'gone'] } }, {}, 't'));
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/notifications\/channels\/1\/type: "pager" is not a channel type/),
        '/notifications/routes/0/channels/0: no channel named "nope" in /notifications/channels',
        '/notifications/defaultChannels/1: no channel named "gone" in /notifications/channels',
      ]),
    );
    expect(problems(() => resolveCollectorConfig({ notifications: { mode: 'collector' } }, {}, 't'))).toContain('/notifications/channels: notifications are on but no channel is configured');
  });

  it('a site configured both ways is a start-up error: mode collector with an Alertmanager', () => {
    const p = problems(() => resolveCollectorConfig({ alertmanagerUrl: 'http://127.0.0.1:9093', notifications: { mode: 'collector', channels: [ding], defaultChannels: ['ding-a'] } }, {}, 't'));
    expect(p).toEqual([expect.stringMatching(/^\/notifications\/mode: collector, but alertmanagerUrl is set: .*use mode alertmanager/)]);
    // Per site too: the default says alertmanager, one site says collector.
    const q = problems(() =>
      resolveCollectorConfig({ alertmanagerUrl: 'http://127.0.0.1:9093', notifications: { mode: 'alertmanager', receiverToken: token, sites: { 'branch-b': { mode: 'collector' } }, channels: [ding], defaultChannels: ['ding-a'] } }, {}, 't'),
    );
    expect(q).toEqual([expect.stringMatching(/^\/notifications\/sites\/branch-b\/mode: collector, but alertmanagerUrl is set/)]);
    // Collector mode without an Alertmanager, Alertmanager mode with one: fine.
    expect(resolveCollectorConfig({ notifications: { mode: 'collector', channels: [ding], defaultChannels: ['ding-a'] } }, {}, 't').notifications.mode).toBe('collector');
    expect(resolveCollectorConfig({ alertmanagerUrl: 'http://127.0.0.1:9093', notifications: { mode: 'alertmanager', receiverToken: token, channels: [ding], defaultChannels: ['ding-a'] } }, {}, 't').notifications.mode).toBe('alertmanager');
  });

  it('the receiver token: required by mode alertmanager (also from STATIONWATCH_NOTIFY_RECEIVER_TOKEN), refused without it, at least 16 characters', () => {
    const base = { channels: [ding], defaultChannels: ['ding-a'] };
    expect(problems(() => resolveCollectorConfig({ notifications: { mode: 'alertmanager', ...base } }, {}, 't'))).toEqual([expect.stringMatching(/^\/notifications\/receiverToken: a site is in mode alertmanager/)]);
    expect(resolveCollectorConfig({ notifications: { mode: 'alertmanager', ...base } }, { STATIONWATCH_NOTIFY_RECEIVER_TOKEN: token }, 't').notifications.receiverToken).toBe(token);
    expect(problems(() => resolveCollectorConfig({ notifications: { mode: 'collector', receiverToken: token, ...base } }, {}, 't'))).toEqual([expect.stringMatching(/^\/notifications\/receiverToken: set, but no site is in mode alertmanager/)]);
    expect(problems(() => resolveCollectorConfig({ notifications: { mode: 'alertmanager', receiverToken: 'short', ...base } }, {}, 't'))).toEqual([expect.stringMatching(/^\/notifications\/receiverToken/)]);
  });
});
