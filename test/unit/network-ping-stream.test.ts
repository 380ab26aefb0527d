// Loss accounting of a long-running iputils `ping -n -O` from its lines (recorded with iputils
// 20221126 in a network namespace, iptables dropping half of the echo requests).
import { describe, expect, it } from 'vitest';
import { parseStreamLine, SeqAccount, type SeqDelta } from '../../agent/probes/network-ping-stream.js';
import { liveIntervalSeconds, livePingCommand } from '../../agent/probes/network-ping-live.js';

const recorded = [
  'PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.',
  '64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.159 ms',
  '64 bytes from 127.0.0.1: icmp_seq=2 ttl=64 time=0.045 ms',
  'no answer yet for icmp_seq=3',
  '64 bytes from 127.0.0.1: icmp_seq=4 ttl=64 time=0.035 ms',
  'no answer yet for icmp_seq=5',
  '64 bytes from 127.0.0.1: icmp_seq=6 ttl=64 time=0.038 ms',
  'no answer yet for icmp_seq=7',
  'no answer yet for icmp_seq=8',
  '64 bytes from 127.0.0.1: icmp_seq=9 ttl=64 time=0.044 ms',
];

function run(lines: string[], account = new SeqAccount()): { sent: number; lost: number; rtts: number[] } {
  const out = { sent: 0, lost: 0, rtts: [] as number[] };
  for (const line of lines) {
    const parsed = parseStreamLine(line);
    if (!parsed) continue;
    const d: SeqDelta = account.feed(parsed);
    out.sent += d.sent;
    out.lost += d.lost;
    if (d.rttMs !== undefined) out.rtts.push(d.rttMs);
  }
  return out;
}

describe('one line of iputils', () => {
  it('tells replies, "no answer yet", errors and lines without a request apart', () => {
    expect(parseStreamLine(recorded[0]!)).toBeUndefined();
    expect(parseStreamLine(recorded[1]!)).toEqual({ kind: 'reply', seq: 1, rttMs: 0.159 });
    expect(parseStreamLine('no answer yet for icmp_seq=3')).toEqual({ kind: 'no-answer', seq: 3 });
    expect(parseStreamLine('From 10.250.1.1 icmp_seq=4 Destination Host Unreachable')).toEqual({ kind: 'error', seq: 4 });
    expect(parseStreamLine('64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.7 ms (DUP!)')).toBeUndefined();
    expect(parseStreamLine('64 bytes from fe80::1%eth0: icmp_seq=2 ttl=64 time=1024 ms')).toEqual({ kind: 'reply', seq: 2, rttMs: 1024 });
    expect(parseStreamLine('15 packets transmitted, 10 received, 33.3333% packet loss, time 2863ms')).toBeUndefined();
  });
});

describe('sequence accounting', () => {
  it('counts the recorded run: 9 sent, 4 lost, the replies\' times in order', () => {
    expect(run(recorded)).toEqual({ sent: 9, lost: 4, rtts: [0.159, 0.045, 0.035, 0.038, 0.044] });
  });

  it('counts a request lost when a later one is answered or reported without it, and errors are not replies', () => {
    const r = run([
      '64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=1 ms',
      'From 10.0.0.9 icmp_seq=2 Destination Host Unreachable',
      '64 bytes from 10.0.0.1: icmp_seq=4 ttl=64 time=2 ms',
    ]);
    expect(r).toEqual({ sent: 4, lost: 2, rtts: [1, 2] });
  });

  it('keeps a late reply\'s time but its request lost, and a duplicate is nothing', () => {
    const r = run([
      'no answer yet for icmp_seq=1',
      '64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=2500 ms',
      '64 bytes from 10.0.0.1: icmp_seq=2 ttl=64 time=3 ms',
      '64 bytes from 10.0.0.1: icmp_seq=2 ttl=64 time=3 ms (DUP!)',
    ]);
    expect(r).toEqual({ sent: 2, lost: 1, rtts: [2500, 3] });
  });

  it('follows the 16-bit wrap of reply lines and the unwrapped count of "no answer yet" lines', () => {
    const account = new SeqAccount();
    run(['no answer yet for icmp_seq=65535'], account);
    const r = run(['no answer yet for icmp_seq=65536', '64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=1 ms', 'no answer yet for icmp_seq=65538'], account);
    expect(r).toEqual({ sent: 3, lost: 2, rtts: [1] });
  });

  it('counts what was sent and never answered as lost when the process ends', () => {
    const account = new SeqAccount();
    run(['From 10.0.0.9 icmp_seq=1 Destination Host Unreachable'], account);
    expect(account.close()).toBe(1);
    expect(account.close()).toBe(0);
  });
});

describe('the long-running ping', () => {
  it('keeps the bursts\' average rate and runs in the C locale with -O', () => {
    expect(liveIntervalSeconds({ count: 5, intervalSeconds: 1, pauseSeconds: 5 })).toBe(2);
    const cmd = livePingCommand('10.0.0.1', { intervalSeconds: 2, timeoutSeconds: 1.5 });
    expect([cmd.file, ...cmd.args]).toEqual(['ping', '-n', '-O', '-i', '2', '-W', '1.5', '10.0.0.1']);
    expect(cmd.env.LC_ALL).toBe('C');
  });
});
