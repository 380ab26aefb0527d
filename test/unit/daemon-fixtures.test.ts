// The fixtures that start real daemons for the tests and benchmarks (common/daemons/) fail in the
// daemon's own words: a configuration the installed daemon refuses (real cupsd -t, promtool, amtool),
// a daemon that exits before it is ready, one that never answers, a config test that hangs. Debian's
// cups 2.4.2-3+deb12u11 refusing a bare `Printcap` line used to surface as "timed out" only.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAlertmanagerConfig, checkCupsdConfig, checkPrometheusConfig, runWithDeadline, writeChecked } from '../../common/daemons/config-check.js';
import { spawnDaemon, whenReady } from '../../common/daemons/daemon.js';
import { createPrivateCups } from '../../common/daemons/private-cups.js';
import { freePort } from '../../common/wait-for.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stationwatch-daemon-fixtures-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('private CUPS fixture', () => {
  it('writes a configuration the installed cupsd accepts (cupsd -t)', async () => {
    const cups = await createPrivateCups(join(dir, 'cups-ok'));
    const said = await checkCupsdConfig(join(cups.dir, 'cupsd.conf'), join(cups.dir, 'cups-files.conf'));
    expect(said).toContain('is OK');
    // Its printcap stays in the private directory, never the machine's /etc/printcap.
    expect(await readFile(join(cups.dir, 'cups-files.conf'), 'utf8')).toMatch(new RegExp(`^Printcap ${cups.dir}/state/printcap$`, 'm'));
  });

  it('refuses to start a cupsd whose configuration cupsd -t rejects, in cupsd\'s own words', async () => {
    const cups = await createPrivateCups(join(dir, 'cups-bad'), { cupsFilesConf: ['Printcap'] });
    const t0 = Date.now();
    const error = (await cups.start().then(
      () => undefined,
      (e: Error) => e,
    )) as Error | undefined;
    await cups.stop();
    expect(error, 'start() must fail').toBeInstanceOf(Error);
    expect(error!.message).toContain('cupsd refuses the configuration');
    expect(error!.message).toContain('contains errors'); // cupsd's stdout
    expect(error!.message).toMatch(/Missing value for Printcap on line \d+/); // cupsd's stderr
    expect(Date.now() - t0).toBeLessThan(10_000); // not a timeout
    expect(existsSync(cups.socket), 'no cupsd may have been started').toBe(false);
  });
});

describe('configuration checks with the daemons\' own tools', () => {
  it('promtool check config: a refused Prometheus configuration fails in promtool\'s words and leaves the old file', async () => {
    const file = join(dir, 'prometheus.yml');
    await writeChecked(file, 'global:\n  scrape_interval: 1s\nscrape_configs: []\n', checkPrometheusConfig);
    const before = await readFile(file, 'utf8');
    await expect(writeChecked(file, 'global:\n  scrape_interval: 1s\n  bogus: 2\nscrape_configs: []\n', checkPrometheusConfig)).rejects.toThrow(/Prometheus refuses the configuration[\s\S]*field bogus not found/);
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'candidate.prometheus.yml'))).toBe(false);
  });

  it('amtool check-config: a refused Alertmanager configuration fails in amtool\'s words', async () => {
    const file = join(dir, 'alertmanager.yml');
    await writeFile(file, 'route:\n  receiver: nobody\nreceivers: []\n');
    await expect(checkAlertmanagerConfig(file)).rejects.toThrow(/Alertmanager refuses the configuration[\s\S]*undefined receiver "nobody" used in route/);
  });

  it('a config test that hangs is killed with its process group at the deadline', async () => {
    const pidFile = join(dir, 'background.pid');
    const r = await runWithDeadline('sh', ['-c', `sleep 30 & echo $! > ${pidFile}; wait`], 500);
    expect(r.timedOut).toBe(true);
    const pid = Number(await readFile(pidFile, 'utf8'));
    await new Promise((res) => setTimeout(res, 100));
    // Gone, or a zombie waiting for init to reap it: either way no longer running.
    const state = await readFile(`/proc/${pid}/stat`, 'utf8').then((s) => s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3), () => 'gone');
    expect(['gone', 'Z'], 'the background child must be killed too').toContain(state);
  });
});

describe('waiting for a daemon', () => {
  it('a daemon that exits before it is ready fails at once with its exit code and its own words', async () => {
    // A real Prometheus given a configuration it refuses (bypassing promtool): it exits while starting.
    const config = join(dir, 'refused.yml');
    await writeFile(config, 'global:\n  scrape_interval: 1s\n  bogus: 2\n');
    const port = await freePort();
    const prom = spawnDaemon('/usr/bin/prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`], { name: 'Prometheus' });
    const t0 = Date.now();
    const error = await whenReady(prom, 'its /-/ready', async () => ((await fetch(`http://127.0.0.1:${port}/-/ready`)).ok ? true : undefined), { timeoutMs: 60_000 }).then(
      () => undefined,
      (e: Error) => e,
    );
    await prom.stop();
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toMatch(/^Prometheus exited with code [1-9]\d* before it was ready/);
    expect(error!.message).toContain('field bogus not found');
    expect(Date.now() - t0).toBeLessThan(30_000); // at once, not after the 60 s deadline
  });

  it('a daemon that never answers fails at the deadline with what it printed and its log tail', async () => {
    const log = join(dir, 'never.log');
    await writeFile(log, 'line 1\nUnable to open listen socket\n');
    const d = spawnDaemon('sh', ['-c', 'echo "starting up"; echo "warming" >&2; exec sleep 30'], { name: 'never-ready' });
    const error = await whenReady(d, 'a check that never passes', async () => undefined, { timeoutMs: 500, everyMs: 50, logFiles: [log, join(dir, 'missing.log')], hint: 'a hint' }).then(
      () => undefined,
      (e: Error) => e,
    );
    await d.stop();
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toMatch(/^never-ready did not become ready within 500 ms \(waiting for a check that never passes\); it is still running as pid \d+/);
    expect(error!.message).toContain('starting up');
    expect(error!.message).toContain('warming');
    expect(error!.message).toContain('Unable to open listen socket');
    expect(error!.message).toMatch(/cannot read .*missing\.log: ENOENT/);
    expect(error!.message).toContain('(a hint)');
  });

  it('resolves with the check\'s value once the daemon is ready', async () => {
    const d = spawnDaemon('sh', ['-c', 'echo ready; exec sleep 30'], { name: 'quick' });
    await expect(whenReady(d, 'its ready line', async () => (d.output().includes('ready') ? 'yes' : undefined), { timeoutMs: 5000, everyMs: 20 })).resolves.toBe('yes');
    expect(await d.stop()).toBe(null); // ended by SIGTERM
    expect(d.exit()).toEqual({ code: null, signal: 'SIGTERM' });
  });
});
