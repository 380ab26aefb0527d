// The machine the numbers were measured on, and the versions of the peers, for BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

function version(bin: string, args: string[] = ['--version']): string {
  if (!existsSync(bin)) return 'not installed';
  // Go programs print their version to standard error, others to standard output.
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 10_000 });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return /version\s+(\S+)/.exec(text)?.[1] ?? (text.split('\n')[0]!.trim() || 'unknown');
}

export function describeMachine(): Array<[string, string]> {
  const os = existsSync('/etc/os-release') ? (/^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown') : 'unknown';
  const c = cpus();
  return [
    ['CPU', `${c[0]?.model ?? 'unknown'} — ${c.length} logical cores`],
    ['memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['OS', `${os}, Linux ${release()}`],
    ['Node.js', process.version],
    ['load average when the run started (1/5/15 min)', loadavg().map((l) => l.toFixed(2)).join(' / ')],
    ['Prometheus', version('/usr/bin/prometheus')],
    ['node_exporter (Debian prometheus-node-exporter)', version('/usr/bin/prometheus-node-exporter')],
    ['Pushgateway (Debian prometheus-pushgateway)', version('/usr/bin/prometheus-pushgateway')],
  ];
}
