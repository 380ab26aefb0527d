// A real Prometheus (Debian's `prometheus`) for one benchmark: its own temporary directory and free
// port on loopback, a configuration written here, the HTTP API to read what it recorded.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { checkPrometheusConfig, writeChecked } from '../../common/daemons/config-check.js';
import { whenReady } from '../../common/daemons/daemon.js';
import { freePort, httpOk, requireBinary, type Proc, type Scope } from './processes.js';

const PROMETHEUS = '/usr/bin/prometheus';

export interface Prometheus {
  url: string;
  proc: Proc;
  dir: string;
  query(expr: string, atSeconds?: number): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** The single value of an instant query, NaN when the result is empty. */
  scalar(expr: string): Promise<number>;
  reload(config: object): Promise<void>;
  targets(): Promise<Array<{ labels: Record<string, string>; health: string; lastError: string; lastScrapeDuration: number }>>;
  /** Prometheus' own metrics (its /metrics, not scraped into itself), summed over labels, by name. */
  self(): Promise<Map<string, number>>;
}

export async function startPrometheus(scope: Scope, config: object, opts: { remoteWriteReceiver?: boolean; name?: string; ruleFiles?: Record<string, string> } = {}): Promise<Prometheus> {
  requireBinary(PROMETHEUS, 'prometheus', 'the benchmarks compare against what a real Prometheus records');
  const dir = await scope.tempDir(opts.name ?? 'prometheus');
  for (const [file, text] of Object.entries(opts.ruleFiles ?? {})) await writeFile(join(dir, file), text);
  await writeChecked(join(dir, 'prometheus.yml'), stringify(config), checkPrometheusConfig);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = scope.start(PROMETHEUS, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-lifecycle',
    '--log.level=warn',
    ...(opts.remoteWriteReceiver ? ['--web.enable-remote-write-receiver'] : []),
  ]);
  await whenReady(proc, `${url}/-/ready`, () => httpOk(`${url}/-/ready`), { timeoutMs: 60_000 });
  const query: Prometheus['query'] = async (expr, at) => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}${at ? `&time=${at}` : ''}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error}`);
    return body.data.result;
  };
  return {
    url,
    proc,
    dir,
    query,
    async scalar(expr) {
      const r = await query(expr);
      return r.length === 0 ? NaN : Number(r[0]!.value[1]);
    },
    async reload(next) {
      await writeChecked(join(dir, 'prometheus.yml'), stringify(next), checkPrometheusConfig);
      const res = await fetch(`${url}/-/reload`, { method: 'POST' });
      if (!res.ok) throw new Error(`Prometheus refused the configuration: ${res.status} ${await res.text()}`);
    },
    async self() {
      const out = new Map<string, number>();
      for (const line of (await (await fetch(`${url}/metrics`)).text()).split('\n')) {
        if (line.startsWith('#') || line === '') continue;
        const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0];
        out.set(name, (out.get(name) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
      }
      return out;
    },
    async targets() {
      const body = (await (await fetch(`${url}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string; lastScrapeDuration: number }> } };
      return body.data.activeTargets;
    },
  };
}
