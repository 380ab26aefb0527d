// The updates probe asks apt again only when apt's state changed (installed packages, package lists,
// configuration): one `apt-get -s upgrade` costs seconds of CPU (BENCHMARKS.md), and its answer
// cannot change while none of that did. The package lists directory here is a temporary one, so the
// test changes "apt's state" without touching the machine's.
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.js';
import type { CommandRunner } from '../../agent/probes/posture-command.js';
import { createUpdates } from '../../agent/probes/updates.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('updates probe: apt answer reused while apt state is unchanged', () => {
  it('runs apt-get once for unchanged state and again after the package lists change', async () => {
    const lists = tempDir('sw-apt-lists-');
    const release = join(lists, 'deb.debian.org_debian_dists_bookworm_InRelease');
    writeFileSync(release, 'Origin: Debian\n');
    utimesSync(release, 1_700_000_000, 1_700_000_000);
    let answer = 'apt/debian12-upgrade.txt';
    const calls: string[] = [];
    const run: CommandRunner = async (command) => {
      calls.push(command);
      return { stdout: readFileSync(`${fixtures}${answer}`), stderr: Buffer.alloc(0), code: 0 };
    };
    const clock = { wallMs: () => 1_700_000_000_000, monoMs: () => 0, bootMs: async () => undefined };
    const probe = createUpdates({ log: silentLogger, clock, platform: 'linux', stateDir: tempDir('sw-updates-'), procRoot: '/proc', sysRoot: '/sys', settings: { aptListsDir: lists }, collectorUrl: 'http://127.0.0.1:9847' }, run);
    const pending = async () => {
      const r = (await probe.collect({ signal: new AbortController().signal })).find((x) => x.metric.name === 'stationwatch_os_updates_pending');
      return r?.kind === 'sample' ? r.value : undefined;
    };

    expect(await pending()).toBe(127);
    answer = 'apt/debian12-nothing.txt'; // what apt would say now, if it were asked
    expect(await pending()).toBe(127);
    expect(calls).toEqual(['apt-get']);

    // `apt update` replaced a Release file: the lists changed, so apt is asked again.
    utimesSync(release, 1_700_086_400, 1_700_086_400);
    expect(await pending()).toBe(0);
    expect(calls).toEqual(['apt-get', 'apt-get']);
  });
});
