// Link state from a sysfs fixture tree, link changes between reads, and the targets' keywords
// (`collector`, `gateway` from a /proc/net/route fixture).
import { windowsLinksFromJson } from '../../agent/probes/network-links.js';
import { gatewayFromJson } from '../../agent/probes/network.win32.js';
import { PowerShellUnusable } from '../../agent/windows/powershell.js';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { LinkTracker, linkIsUp, readSysfsLinks } from '../../agent/probes/network-links.js';
import { NetworkSettings } from '../../agent/probes/network.js';
import { buildTargets, collectorHost, linuxDefaultGateway, normaliseTargets, parseProcNetRoute } from '../../agent/probes/network-targets.js';

const sysRoot = fileURLToPath(new URL('../fixtures/sysfs-net', import.meta.url));
const procRoot = fileURLToPath(new URL('../fixtures/proc-net-route', import.meta.url));

describe('interface link state (sysfs)', () => {
  it('reads physical interfaces (those with a device) and the virtual ones named, nothing else', async () => {
    expect(await readSysfsLinks(sysRoot, ['tun0', 'wg0'])).toEqual([
      { name: 'enp3s0', up: false },
      { name: 'eth0', up: true, carrierChanges: 4 },
      { name: 'tun0', up: true },
      { name: 'wlan0', up: false, carrierChanges: 1 },
      // named but absent (the VPN is not connected): a link that is down
      { name: 'wg0', up: false },
    ]);
  });

  it('operstate "unknown" counts as up only with carrier', () => {
    expect(linkIsUp('up', undefined)).toBe(true);
    expect(linkIsUp('unknown', '1')).toBe(true);
    expect(linkIsUp('unknown', '0')).toBe(false);
    expect(linkIsUp('dormant', '0')).toBe(false);
    expect(linkIsUp('lowerlayerdown', undefined)).toBe(false);
  });

  it('a missing sysfs gives no interfaces', async () => {
    expect(await readSysfsLinks('/nonexistent', [])).toEqual([]);
  });
});

describe('link changes', () => {
  it('counts state changes between reads, and carrier flaps the kernel saw between them', () => {
    const t = new LinkTracker();
    expect(t.update([{ name: 'eth0', up: true, carrierChanges: 10 }])).toEqual([{ name: 'eth0', up: true, changes: 0 }]);
    // unplugged: one change seen, one in the kernel's count
    expect(t.update([{ name: 'eth0', up: false, carrierChanges: 11 }])).toEqual([{ name: 'eth0', up: false, changes: 1 }]);
    // plugged, unplugged and plugged again between two reads: the state looks unchanged (down → up
    // is one), the kernel counted three
    expect(t.update([{ name: 'eth0', up: true, carrierChanges: 14 }])).toEqual([{ name: 'eth0', up: true, changes: 4 }]);
    expect(t.update([{ name: 'eth0', up: true, carrierChanges: 14 }])).toEqual([{ name: 'eth0', up: true, changes: 4 }]);
  });

  it('without a kernel count (admin down, other OSes) a state change still counts once; a recreated interface does not count backwards', () => {
    const t = new LinkTracker();
    t.update([{ name: 'tun0', up: true }]);
    expect(t.update([{ name: 'tun0', up: false }])[0]!.changes).toBe(1);
    t.update([{ name: 'usb0', up: true, carrierChanges: 7 }]);
    expect(t.update([{ name: 'usb0', up: true, carrierChanges: 1 }])[0]!.changes).toBe(0);
  });
});

describe('targets', () => {
  it('default to the collector only: the gateway is never pinged unless configured', () => {
    const settings = Value.Default(NetworkSettings, {}) as NetworkSettings;
    expect(settings.targets).toEqual(['collector']);
    expect(settings.burst).toEqual({ count: 5, intervalSeconds: 1, timeoutSeconds: 2, pauseSeconds: 5 });
  });

  it('resolve `collector` to the collector URL\'s host and `gateway` to the default route', async () => {
    expect(collectorHost('http://127.0.0.1:9847')).toBe('127.0.0.1');
    expect(collectorHost('https://[::1]:9847/x')).toBe('::1');
    const targets = buildTargets(normaliseTargets(['collector', 'gateway', { host: '10.20.0.5', label: 'core-banking', maxLossRatio: 0.01 }]), 'https://collector.branch.lan:9847', () => linuxDefaultGateway(procRoot));
    expect(targets.map((t) => t.label)).toEqual(['collector', 'gateway', 'core-banking']);
    expect(await Promise.all(targets.map((t) => t.resolve()))).toEqual(['collector.branch.lan', '192.168.239.1', '10.20.0.5']);
  });

  it('without a default route the gateway resolves to nothing (its packets count as lost)', async () => {
    const [gw] = buildTargets([{ host: 'gateway' }], 'http://127.0.0.1:9847', () => linuxDefaultGateway('/nonexistent'));
    expect(await gw!.resolve()).toBeUndefined();
  });

  it('parse /proc/net/route: the default route with the lowest metric', () => {
    const header = 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n';
    expect(parseProcNetRoute(`${header}eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n`)).toBe('192.0.2.1');
    expect(parseProcNetRoute(`${header}eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n`)).toBeUndefined();
  });

  it('refuse a label used twice, and hosts that ping would read as options', () => {
    expect(() => buildTargets(normaliseTargets(['10.0.0.1', { host: '10.0.0.2', label: '10.0.0.1' }]), 'http://127.0.0.1:1', () => linuxDefaultGateway(procRoot))).toThrow(/listed twice/);
    const problems = (raw: unknown) => [...Value.Errors(NetworkSettings, Value.Default(NetworkSettings, raw))].map((e) => e.path);
    expect(problems({ targets: ['-f'] })).toContain('/targets/0');
    expect(problems({ targets: ['host.example', '10.0.0.1', 'fe80::1%eth0', { host: 'gateway', label: '网关', maxRttMs: 20 }] })).toEqual([]);
  });
});

describe('Windows adapters (Get-NetAdapter | ConvertTo-Json; synthesised rows in its documented shape)', () => {
  it('keeps physical adapters and named virtual ones; Status "Up" is up; a named adapter that is missing is down', () => {
    const rows = [
      { Name: '以太网', Status: 'Up', Virtual: false },
      { Name: 'WLAN', Status: 'Disconnected', Virtual: false },
      { Name: 'vEthernet (WSL)', Status: 'Up', Virtual: true },
      { Name: 'VPN', Status: 'Up', Virtual: true },
    ];
    expect(windowsLinksFromJson(rows, ['VPN', 'Branch-Tunnel'])).toEqual([
      { name: '以太网', up: true },
      { name: 'WLAN', up: false },
      { name: 'VPN', up: true },
      { name: 'Branch-Tunnel', up: false },
    ]);
    // ConvertTo-Json prints a lone object for one adapter.
    expect(windowsLinksFromJson({ Name: 'Ethernet', Status: 'Up', Virtual: false }, [])).toEqual([{ name: 'Ethernet', up: true }]);
  });

  it('an answer without adapters is unusable, never "no links"', () => {
    expect(() => windowsLinksFromJson([], [])).toThrow(PowerShellUnusable);
    expect(() => windowsLinksFromJson([{ Status: 'Up' }], [])).toThrow(/listed none/);
  });
});

describe('Windows default gateway (Get-NetRoute 0.0.0.0/0, best metric first | ConvertTo-Json; synthesised in its documented shape)', () => {
  it('takes the best default route\'s next hop; none, an on-link route or garbage is no gateway', () => {
    expect(gatewayFromJson({ NextHop: '192.168.10.1' })).toBe('192.168.10.1');
    expect(gatewayFromJson([{ NextHop: '10.0.0.1' }, { NextHop: '10.0.0.2' }])).toBe('10.0.0.1');
    expect(gatewayFromJson({ NextHop: '0.0.0.0' })).toBeUndefined();
    expect(gatewayFromJson([])).toBeUndefined();
    expect(gatewayFromJson({ NextHop: '-c 1 evil' })).toBeUndefined();
  });
});
