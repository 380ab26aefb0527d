// Backup verification: the real agent (built CLI, default intervals) watches a directory; a 1 GiB
// tar.gz with a sha256 manifest lands in it. Measured: verification throughput (the agent's own
// timing in its log) and resident memory of the agent — and of the short-lived child process it
// verifies in — while idle and while verifying.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { benchDevices, startCollector } from './lib/collector.js';
import { rssMiB } from './lib/proc-stats.js';
import { cliPath, sleep, waitFor, withScope } from './lib/processes.js';
import { fmt, median, type Section } from './lib/report.js';
import type { BenchOptions } from './options.js';

/** Direct children of a process (the verification child is forked by the agent). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const file = `/proc/${pid}/task/${tid}/children`;
    if (existsSync(file)) out.push(...readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return out;
}

const safeRss = (pid: number) => {
  try {
    return rssMiB(pid);
  } catch {
    return 0; // gone between listing and reading
  }
};

export async function backupVerify(opts: BenchOptions): Promise<Section> {
  const mib = opts.smoke ? 32 : 1024;
  return withScope(async (scope) => {
    const [device] = benchDevices(1, 'backup');
    const collector = await startCollector(scope, [device!], { name: 'backup-collector' });
    const dir = await scope.tempDir('backup');
    opts.log(`backup: making a ${mib} MiB tar.gz (random data, gzip -1) with a sha256 manifest`);
    execFileSync('sh', ['-c', `head -c ${mib}M /dev/urandom > big.bin && tar cf - big.bin | gzip -1 > staged.tar.gz && rm big.bin && sha256sum staged.tar.gz | sed 's/staged/backup/' > backup.tar.gz.sha256`], { cwd: dir, timeout: 600_000 });
    const archiveMiB = Number(execFileSync('stat', ['-c', '%s', join(dir, 'staged.tar.gz')], { encoding: 'utf8' })) / 2 ** 20;
    await mkdir(join(dir, 'watched'));
    await rename(join(dir, 'backup.tar.gz.sha256'), join(dir, 'watched', 'backup.tar.gz.sha256'));
    // Default intervals; the job settles and rescans quickly so the run does not wait on its defaults.
    await writeFile(
      join(dir, 'agent.yaml'),
      stringify({ device: device!.name, site: 'bench', collector: { url: collector.url, token: device!.token }, stateDir: join(dir, 'state'), probes: { backup: { settings: { settleSeconds: 1, rescanSeconds: 2, jobs: [{ name: 'big', path: join(dir, 'watched'), pattern: '*.tar.gz', kind: 'full' }] } } } }),
    );
    const agent = scope.startNode(cliPath, ['agent', '--config', join(dir, 'agent.yaml')]);
    await waitFor('the agent\'s first report', async () => ((await (await fetch(`${collector.url}/api/devices/${device!.name}`)).json()) as { lastReportAt: string | null }).lastReportAt ? true : undefined, 120_000, 500);
    await sleep(opts.smoke ? 2000 : 20_000); // past the first cycle's slow probes
    const idle: number[] = [];
    for (let i = 0; i < 50; i++, await sleep(100)) idle.push(rssMiB(agent.pid));

    const t0 = performance.now();
    await rename(join(dir, 'staged.tar.gz'), join(dir, 'watched', 'backup.tar.gz'));
    const agentRss: number[] = [];
    const childRss: number[] = [];
    const verdict = () => agent.output().split('\n').find((l) => l.includes('"msg":"backup verified"') || l.includes('"msg":"backup is not usable"'));
    while (!verdict()) {
      agentRss.push(rssMiB(agent.pid));
      childRss.push(childrenOf(agent.pid).reduce((s, c) => s + safeRss(c), 0));
      if (performance.now() - t0 > 30 * 60_000) throw new Error('no verdict after 30 min');
      await sleep(100);
    }
    const wallS = (performance.now() - t0) / 1000;
    const line = JSON.parse(verdict()!) as { msg: string; seconds: number; level?: string; reason?: string };
    if (line.msg !== 'backup verified') throw new Error(`the agent found the archive not usable: ${line.reason}`);
    const idleMiB = median(idle);
    const peakAgent = Math.max(...agentRss);
    const peakChild = Math.max(0, ...childRss);
    return {
      title: 'Backup verification',
      method: `A ${fmt(archiveMiB)} MiB tar.gz (${mib} MiB of random data, gzip -1) with a sha256 manifest is moved into a directory the real agent watches (default intervals; settle 1 s, rescan 2 s). The agent verifies it in a child process it forks at low priority (checksum of every byte, gzip trailer, tar structure). Throughput is the archive size over the verification time the agent logs; RSS from \`/proc\` every 100 ms.`,
      headlines: [
        { what: 'verification throughput', value: `${fmt(archiveMiB / line.seconds)} MiB/s (${fmt(line.seconds)} s)` },
        { what: 'agent RSS while verifying vs idle', value: `${fmt(peakAgent)} vs ${fmt(idleMiB)} MiB (${peakAgent >= idleMiB ? '+' : '−'}${fmt(Math.abs(peakAgent - idleMiB))}); the verification child: ${fmt(peakChild)} MiB while it runs` },
      ],
      tables: [
        {
          caption: '**Memory and time**',
          headers: ['figure', 'value'],
          rows: [
            ['archive', `${fmt(archiveMiB)} MiB`],
            ['verification time (agent\'s log) / from the file landing to the verdict', `${fmt(line.seconds)} s / ${fmt(wallS)} s`],
            ['throughput', `${fmt(archiveMiB / line.seconds)} MiB/s`],
            ['agent RSS idle (median of 50 samples)', `${fmt(idleMiB)} MiB`],
            ['agent RSS peak while verifying', `${fmt(peakAgent)} MiB`],
            ['verification child RSS peak', peakChild > 0 ? `${fmt(peakChild)} MiB` : 'not seen (it finished between samples)'],
          ],
        },
      ],
      notes: ['The child streams the file in 256 KiB chunks with a 96 MiB heap limit, so the archive size does not reach the agent\'s memory.'],
      reproduce: `npm run bench -- --only backup${opts.smoke ? ' --smoke' : ''}`,
    };
  });
}
