// Benchmark (not a test): does verifying a large backup blow up the agent? A real agent process
// (built CLI) watches a temporary directory; a 1 GiB tar.gz with a sha256 manifest lands in it, and
// the agent's resident memory (VmRSS from /proc) is sampled while it is idle and while it verifies,
// and so is that of the short-lived child process the check runs in.
// Run after `npm run build`:  node test/bench/backup-memory.mjs [size in MiB, default 1024]
// Linux only (reads /proc/<pid>/status). Prints the numbers; asserts nothing.
// Measured on the project's 2-core machine (1 GiB random-data tar.gz with a manifest, checksum level):
// verified in 5 s; agent RSS idle 76.3 MiB, peak 78.1 MiB (+1.8 MiB); the niced child peaked at
// 83 MiB and exited. Verifying inside the agent instead (before the child process) added 20-37 MiB.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../dist/cli/stationwatch.js', import.meta.url));
const mib = Number(process.argv[2] ?? 1024);
const dir = mkdtempSync(join(tmpdir(), 'sw-bench-backup-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
/** RSS of the agent's child processes (the verification runs in one). */
const childrenKiB = (pid) => {
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return kids.reduce((sum, k) => sum + (rssKiBOrZero(k) ?? 0), 0);
};
const rssKiBOrZero = (pid) => {
  try {
    return rssKiB(pid);
  } catch {
    return 0;
  }
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`making a ${mib} MiB tar.gz (random data, gzip -1) with a sha256 manifest in ${dir} …`);
execFileSync('sh', ['-c', `head -c ${mib}M /dev/urandom > big.bin && tar cf - big.bin | gzip -1 > staged.tar.gz && rm big.bin && sha256sum staged.tar.gz | sed 's/staged/backup/' > backup.tar.gz.sha256`], { cwd: dir });
execFileSync('mkdir', [join(dir, 'watched')]);
renameSync(join(dir, 'backup.tar.gz.sha256'), join(dir, 'watched', 'backup.tar.gz.sha256'));

// The agent pushes to a collector port where nothing listens: the report queue just retries, which
// is part of its normal idle life. No traffic leaves loopback.
writeFileSync(
  join(dir, 'agent.yaml'),
  `site: bench\ncollector: { url: "http://127.0.0.1:9", token: bench }\nintervals: { fastSeconds: 1, slowSeconds: 3600 }\nstateDir: ${join(dir, 'state')}\nlog: { level: info }\nprobes:\n  inventory: { enabled: false }\n  backup:\n    settings:\n      settleSeconds: 1\n      rescanSeconds: 2\n      jobs:\n        - { name: big, path: ${join(dir, 'watched')}, pattern: "*.tar.gz", kind: full }\n`,
);
const agent = spawn(process.execPath, [cli, 'agent', '--config', join(dir, 'agent.yaml')], { stdio: ['ignore', 'pipe', 'inherit'] });
let log = '';
agent.stdout.on('data', (b) => (log += b));
try {
  await sleep(8000); // start-up, first reports, first rescans
  const idle = [];
  for (let i = 0; i < 50; i++, await sleep(100)) idle.push(rssKiB(agent.pid));
  const t0 = Date.now();
  renameSync(join(dir, 'staged.tar.gz'), join(dir, 'watched', 'backup.tar.gz'));
  const busy = [];
  const child = [];
  while (!log.includes('"msg":"backup verified"') && !log.includes('"msg":"backup is not usable"')) {
    busy.push(rssKiB(agent.pid));
    child.push(childrenKiB(agent.pid));
    if (Date.now() - t0 > 30 * 60_000) throw new Error('no verdict after 30 min');
    await sleep(100);
  }
  const verdict = log.split('\n').find((l) => l.includes('backup verified') || l.includes('backup is not usable'));
  const idleMiB = median(idle) / 1024;
  const peakMiB = Math.max(...busy) / 1024;
  console.log(`verdict: ${verdict}`);
  console.log(`archive: ${mib} MiB; verified in ${((Date.now() - t0) / 1000).toFixed(1)} s (including the 1 s settle time)`);
  console.log(`agent RSS idle (median of 50): ${idleMiB.toFixed(1)} MiB; peak while verifying: ${peakMiB.toFixed(1)} MiB; difference: ${(peakMiB - idleMiB).toFixed(1)} MiB`);
  console.log(`verification child process (niced, exits after the check): peak RSS ${(Math.max(...child) / 1024).toFixed(1)} MiB`);
} finally {
  agent.kill('SIGTERM');
  await sleep(500);
  rmSync(dir, { recursive: true, force: true });
}
