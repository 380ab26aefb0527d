// A real collector process (the built CLI) for a benchmark: N configured devices with their tokens,
// its state in the scope's temporary directory, listening on a free loopback port.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cliPath, freePort, httpOk, requireBinary, waitFor, type Proc, type Scope } from './processes.js';

export interface BenchDevice {
  name: string;
  token: string;
  site: string;
}

/** Deterministic device names and tokens (the same in the collector's config and the load generator). */
export function benchDevices(count: number, prefix = 'pc'): BenchDevice[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}-${String(i).padStart(5, '0')}`,
    token: `bench-token-${prefix}-${String(i).padStart(5, '0')}-0123456789abcdef`,
    site: `branch-${String(i % 50).padStart(2, '0')}`,
  }));
}

export interface RunningCollector {
  url: string;
  port: number;
  proc: Proc;
  dir: string;
}

export async function startCollector(
  scope: Scope,
  devices: readonly BenchDevice[],
  opts: { core?: number; extra?: Record<string, unknown>; name?: string; port?: number; nodeArgs?: string[]; /** Another build's CLI (an A/B comparison); this tree's by default. */ cli?: string } = {},
): Promise<RunningCollector> {
  requireBinary(opts.cli ?? cliPath, 'nodejs', 'run `npm run build` first: the benchmarks run the built CLI');
  const dir = await scope.tempDir(opts.name ?? 'collector');
  const port = opts.port ?? (await freePort());
  const config = {
    listen: { host: '127.0.0.1', port },
    defaultSite: 'bench',
    stateDir: join(dir, 'state'),
    log: { level: 'warn' },
    devices: devices.map((d) => ({ name: d.name, token: d.token, site: d.site })),
    ...opts.extra,
  };
  await writeFile(join(dir, 'collector.yaml'), stringify(config));
  const proc = scope.startNode(opts.cli ?? cliPath, ['collector', '--config', join(dir, 'collector.yaml')], { ...(opts.core !== undefined ? { core: opts.core } : {}), ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}) });
  const url = `http://127.0.0.1:${port}`;
  // A collector that exits (a bad configuration, a taken port) fails at once rather than after the timeout.
  const answered = await waitFor('the collector to answer /healthz', async () => (proc.child.exitCode !== null || proc.child.signalCode !== null ? 'exited' : httpOk(`${url}/healthz`)), 60_000).catch((e: Error) => e.message);
  if (answered !== true) throw new Error(`${answered === 'exited' ? `the collector exited (${proc.child.exitCode ?? proc.child.signalCode})` : answered}\ncollector said:\n${proc.output().slice(-4000)}`);
  return { url, port, proc, dir };
}
