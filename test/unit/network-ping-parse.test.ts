// The ping parser on recorded outputs (test/fixtures/ping/SOURCES.md says where each comes from):
// Linux iputils, macOS, and Windows in English, 简体中文 (CP936) and 繁體中文 (CP950), read as the raw
// bytes the console writes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePingOutput, parsePingOutput, PingError, rttStats, type PingBurst } from '../../agent/probes/network-ping-parse.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ping/${name}`, import.meta.url));
const parse = (name: string, requested = 4): PingBurst => parsePingOutput(decodePingOutput(fixture(name)), requested);

describe('decoding Windows console output', () => {
  it('reads CP936 (简体中文) and CP950 (繁體中文) bytes by the words ping uses, and leaves UTF-8 and ASCII alone', () => {
    expect(decodePingOutput(fixture('windows-zh-cn/success.txt'))).toContain('来自 192.168.137.100 的回复: 字节=32 时间=2ms TTL=64');
    expect(decodePingOutput(fixture('windows-zh-cn/success.txt'))).toContain('数据包: 已发送 = 4，已接收 = 4，丢失 = 0 (0% 丢失)');
    expect(decodePingOutput(fixture('windows-zh-tw/success.txt'))).toContain('回覆自 142.251.43.14: 位元組=32 時間=16ms TTL=113');
    expect(decodePingOutput(fixture('windows-zh-tw/timeout.txt'))).toContain('要求等候逾時。');
    expect(decodePingOutput(fixture('windows-en/success.txt'))).toContain('Reply from 127.0.0.1: bytes=32 time=564ms TTL=237');
    expect(decodePingOutput(Buffer.from('来自 ::1 的回复: 时间<1ms', 'utf8'))).toBe('来自 ::1 的回复: 时间<1ms');
  });
});

describe('Linux iputils (recorded)', () => {
  it('all replies: counts and per-reply times', () => {
    const b = parse('linux/ok.txt', 5);
    expect(b).toMatchObject({ sent: 5, received: 5, rttsMs: [0.473, 0.066, 0.054, 0.054, 0.056] });
    expect(b.summary).toEqual({ minMs: 0.054, avgMs: 0.14, maxMs: 0.473, devMs: 0.166 });
  });

  it('partial loss (iptables dropping half)', () => {
    expect(parse('linux/partial.txt', 10)).toMatchObject({ sent: 10, received: 5 });
  });

  it('100 % loss', () => {
    const b = parse('linux/100loss.txt', 5);
    expect(b).toMatchObject({ sent: 5, received: 0, rttsMs: [] });
    expect(b.summary).toBeUndefined();
  });

  it('"Destination Host Unreachable" answers are losses, not replies', () => {
    expect(parse('linux/host-unreachable.txt', 6)).toMatchObject({ sent: 6, received: 0, rttsMs: [] });
  });

  it('an unreachable network and a name that does not resolve lose the whole burst', () => {
    expect(parse('linux/network-unreachable.txt', 3)).toEqual({ sent: 3, received: 0, rttsMs: [], failure: 'unreachable' });
    expect(parse('linux/unknown-host.txt', 3)).toEqual({ sent: 3, received: 0, rttsMs: [], failure: 'unknown-host' });
  });

  it('"Operation not permitted" is a probe error that says what to do, not a loss', () => {
    expect(() => parse('linux/not-permitted.txt', 1)).toThrow(PingError);
    expect(() => parse('linux/not-permitted.txt', 1)).toThrow(/not permitted to send ICMP.*cap_net_raw.*ping_group_range/);
  });

  it('IPv6', () => {
    expect(parse('linux/ipv6-ok.txt', 3)).toMatchObject({ sent: 3, received: 3, rttsMs: [0.226, 0.048, 0.046] });
  });

  it('duplicates are not extra replies', () => {
    const text = ['64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.5 ms', '64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.7 ms (DUP!)', '--- 10.0.0.1 ping statistics ---', '1 packets transmitted, 1 received, +1 duplicates, 0% packet loss, time 0ms'].join('\n');
    expect(parsePingOutput(text, 1)).toMatchObject({ sent: 1, received: 1, rttsMs: [0.5] });
  });
});

describe('macOS', () => {
  it('replies, timeouts and the round-trip summary', () => {
    expect(parse('macos/success.txt')).toMatchObject({ sent: 4, received: 4, rttsMs: [5.371, 4.269, 4.97, 5.228], summary: { minMs: 4.269, avgMs: 4.96, maxMs: 5.371, devMs: 0.424 } });
    expect(parse('macos/partial.txt', 3)).toMatchObject({ sent: 3, received: 2, rttsMs: [12.5, 13.1] });
    expect(parse('macos/timeouts.txt', 5)).toMatchObject({ sent: 5, received: 0 });
  });

  it('a localised "time" word and stddev "nan"', () => {
    const b = parse('macos/localised-time.txt', 1);
    expect(b).toMatchObject({ sent: 1, received: 1, rttsMs: [4.628] });
    expect(b.summary).toEqual({ minMs: 4.628, avgMs: 4.628, maxMs: 4.628 });
  });

  it('no route and unknown host are losses', () => {
    expect(parse('macos/no-route.txt', 3)).toMatchObject({ sent: 3, received: 0, failure: 'unreachable' });
    expect(parse('macos/unknown-host.txt', 4)).toEqual({ sent: 4, received: 0, rttsMs: [], failure: 'unknown-host' });
  });
});

describe('Windows, English', () => {
  it('replies and the summary (min, max, avg order)', () => {
    expect(parse('windows-en/success.txt')).toMatchObject({ sent: 4, received: 4, rttsMs: [564, 555, 554, 548], summary: { minMs: 548, maxMs: 564, avgMs: 555 } });
  });

  it('"Destination host unreachable" replies are losses although Windows counts them as received', () => {
    expect(parse('windows-en/unreachable.txt')).toEqual({ sent: 4, received: 0, rttsMs: [], failure: 'unreachable' });
  });

  it('timeouts between replies; "<1ms" reads as 0.5 ms', () => {
    expect(parse('windows-en/timeouts.txt')).toMatchObject({ sent: 4, received: 2, rttsMs: [3, 0.5] });
  });

  it('unknown host and general failure lose the burst', () => {
    expect(parse('windows-en/unknown-host.txt')).toEqual({ sent: 4, received: 0, rttsMs: [], failure: 'unknown-host' });
    expect(parse('windows-en/general-failure.txt')).toMatchObject({ sent: 4, received: 0, failure: 'unreachable' });
  });
});

describe('Windows, 简体中文 (code page 936)', () => {
  it('来自 … 的回复: 字节=32 时间=2ms TTL=64', () => {
    expect(parse('windows-zh-cn/success.txt')).toMatchObject({ sent: 4, received: 4, rttsMs: [2, 1, 3, 2], summary: { minMs: 1, maxMs: 3, avgMs: 2 } });
  });

  it('时间<1ms, and IPv6 replies without TTL', () => {
    expect(parse('windows-zh-cn/below-1ms.txt')).toMatchObject({ sent: 4, received: 4, rttsMs: [0.5, 0.5, 0.5, 0.5] });
    expect(parse('windows-zh-cn/ipv6.txt')).toMatchObject({ sent: 4, received: 4, rttsMs: [0.5, 0.5, 0.5, 0.5] });
  });

  it('请求超时。: 100 % loss', () => {
    expect(parse('windows-zh-cn/timeouts.txt')).toEqual({ sent: 4, received: 0, rttsMs: [] });
  });

  it('请求超时 between replies: 1 of 4 lost', () => {
    expect(parse('windows-zh-cn/partial.txt')).toMatchObject({ sent: 4, received: 3, rttsMs: [21, 25, 23] });
  });

  it('无法访问目标主机 replies are losses although the summary says 已接收 = 4', () => {
    expect(parse('windows-zh-cn/unreachable.txt')).toEqual({ sent: 4, received: 0, rttsMs: [], failure: 'unreachable' });
  });

  it('Ping 请求找不到主机: the name does not resolve, a loss', () => {
    expect(parse('windows-zh-cn/unknown-host.txt')).toEqual({ sent: 4, received: 0, rttsMs: [], failure: 'unknown-host' });
  });
});

describe('Windows, 繁體中文 (code page 950)', () => {
  it('回覆自 … 位元組=32 時間=16ms TTL=113 (recorded bytes)', () => {
    expect(parse('windows-zh-tw/success.txt')).toMatchObject({ sent: 4, received: 4, rttsMs: [16, 11, 11, 10], summary: { minMs: 10, maxMs: 16, avgMs: 12 } });
  });

  it('時間<1ms', () => {
    expect(parse('windows-zh-tw/below-1ms.txt')).toMatchObject({ sent: 4, received: 4, rttsMs: [0.5, 0.5, 0.5, 0.5] });
  });

  it('要求等候逾時。: 100 % loss', () => {
    expect(parse('windows-zh-tw/timeout.txt', 1)).toEqual({ sent: 1, received: 0, rttsMs: [] });
  });

  it('找不到主機: a loss', () => {
    expect(parse('windows-zh-tw/unknown-host.txt')).toMatchObject({ sent: 4, received: 0, failure: 'unknown-host' });
  });
});

describe('what the parser refuses', () => {
  it('output it does not understand is a probe error, never a silent loss', () => {
    expect(() => parsePingOutput('', 4)).toThrow(/ping output not understood: \(no output\)/);
    expect(() => parsePingOutput('something else entirely', 4)).toThrow(PingError);
    expect(() => parsePingOutput('ping: option argument contains garbage: abc\nUsage: ping [-aAbBdDfhLnOqrRUvV64]', 4)).toThrow(/refused its arguments/);
  });

  it('a burst killed at its deadline loses what had not come back', () => {
    expect(parsePingOutput('PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.\n64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=1.5 ms\n', 5, { killed: true })).toEqual({ sent: 5, received: 1, rttsMs: [1.5], failure: 'timeout' });
  });
});

describe('round-trip statistics', () => {
  it('min, mean, max and jitter as the mean difference of successive round trips', () => {
    expect(rttStats([10, 14, 12, 12])).toEqual({ minMs: 10, avgMs: 12, maxMs: 14, jitterMs: 2 });
    expect(rttStats([5])).toEqual({ minMs: 5, avgMs: 5, maxMs: 5 });
    expect(rttStats([])).toBeUndefined();
  });
});
