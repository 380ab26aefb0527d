// `stationwatch backup report|verify`: backup scripts and schedulers report a run to the agent
// through its spool (delivered whether the agent runs now or starts later), and anyone can verify
// backup files from a terminal with the very checks the agent runs.
import { stat } from 'node:fs/promises';
import { defaultStateDir, loadAgentConfig } from '../agent/config.js';
import type { BackupSettings, VerifyMode } from '../agent/backup/job.js';
import { BackupReport, SpoolWriteError, spoolDir, writeSpoolFile } from '../agent/backup/spool.js';
import { FileChangedError, verifyBackup, type Verdict } from '../agent/backup/verify.js';
import { Value } from '@sinclair/typebox/value';
import { COMMANDS, backupReportCommand, backupVerifyCommand } from './commands.js';
import { groupHelp, parseCommand, usageError } from './usage.js';

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Progress output (a terminal), or undefined for none. */
  tty?: NodeJS.WriteStream;
}

const defaultIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l), ...(process.stderr.isTTY ? { tty: process.stderr } : {}) };

export async function runBackup(args: string[], env: NodeJS.ProcessEnv, io: Io = defaultIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'report') return report(rest, env, io);
  if (sub === 'verify') return verify(rest, io);
  return groupHelp(COMMANDS, 'backup', args, io);
}

async function report(args: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const parsed = parseCommand(backupReportCommand, args, io);
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const record = {
    version: 1,
    job: values.job,
    status: values.status,
    atMs: Date.now(),
    ...(values.duration !== undefined ? { durationSeconds: Number(values.duration) } : {}),
    ...(values.message !== undefined ? { message: values.message } : {}),
  };
  const problems = [];
  if (values.status !== 'ok' && values.status !== 'failed') problems.push(`--status must be ok or failed, not "${values.status}"`);
  if (values.duration !== undefined && !(Number(values.duration) >= 0)) problems.push(`--duration must be seconds (a number, 0 or more), not "${values.duration}"`);
  if (problems.length === 0) for (const e of Value.Errors(BackupReport, record)) problems.push(`${e.path.replace('/job', '--job').replace('/message', '--message').replace('/durationSeconds', '--duration')}: ${e.message}`);
  if (problems.length > 0) return usageError(backupReportCommand, problems.join('; '), io);

  let stateDir: string;
  if (values.config) {
    // The agent's own configuration: the same state directory, and the job must be one it knows.
    const config = await loadAgentConfig(values.config, env);
    const jobs = ((config.probes.backup?.settings ?? {}) as Partial<BackupSettings>).jobs ?? [];
    if (config.probes.backup?.enabled === false || !jobs.some((j) => j.name === values.job)) {
      io.err(`backup report: job "${values.job}" is not configured in ${values.config} (jobs: ${jobs.map((j) => j.name).join(', ') || 'none'}); the agent would reject the report`);
      return 1;
    }
    stateDir = config.stateDir;
  } else stateDir = env.STATIONWATCH_STATE_DIR || defaultStateDir(process.platform, env, typeof process.getuid === 'function' && process.getuid() === 0);

  const dir = spoolDir(stateDir, 'backup');
  try {
    await writeSpoolFile(dir, record);
  } catch (e) {
    if (!(e instanceof SpoolWriteError)) throw e;
    io.err(`backup report: ${e.message}`);
    return 1;
  }
  io.out(`reported ${values.status} for job ${values.job}: the agent picks it up from ${dir} (now, or when it starts)`);
  return 0;
}

async function verify(args: string[], io: Io): Promise<number> {
  const parsed = parseCommand(backupVerifyCommand, args, io);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const mode = values.verify as VerifyMode;
  const minSizeBytes = Number(values['min-size']);
  const bad = [
    positionals.length === 0 ? 'name at least one backup file' : undefined,
    !['auto', 'checksum', 'archive', 'size'].includes(mode) ? `--verify must be auto, checksum, archive or size, not "${mode}"` : undefined,
    !(Number.isInteger(minSizeBytes) && minSizeBytes >= 1) ? `--min-size must be a whole number of bytes, 1 or more` : undefined,
  ].filter(Boolean);
  if (bad.length > 0) return usageError(backupVerifyCommand, bad.join('; '), io);
  let worst = 0;
  for (const path of positionals) {
    const size = (await stat(path).catch(() => undefined))?.size ?? 0;
    const bar = io.tty && size >= 16 * 1024 * 1024 ? progressBar(io.tty, path, size) : undefined;
    let verdict: Verdict | string;
    try {
      verdict = await verifyBackup(path, { mode, minSizeBytes, ...(bar ? { onBytes: bar.add } : {}) });
    } catch (e) {
      if (!(e instanceof FileChangedError)) throw e;
      verdict = 'it changed while it was read: is it still being written?';
    } finally {
      bar?.done();
    }
    const [word, code] = typeof verdict === 'string' ? ['FAILED', 1] : verdictWord(verdict);
    worst = code === 1 || worst === 1 ? 1 : Math.max(worst, code);
    const reason = typeof verdict === 'string' ? verdict : verdict.reason;
    const took = typeof verdict === 'string' ? '' : ` (${formatBytes(verdict.sizeBytes)} in ${(verdict.durationMs / 1000).toFixed(1)} s)`;
    io.out(`${word.padEnd(14)} ${path}${took}\n${' '.repeat(15)}${reason}`);
  }
  return worst;
}

function verdictWord(v: Verdict): [string, number] {
  if (v.result === 'corrupt') return ['CORRUPT', 1];
  if (v.result === 'failed') return ['FAILED', 1];
  if (v.level === 'checksum') return ['VERIFIED', 0];
  return [v.level === 'structure' ? 'STRUCTURE ONLY' : 'SIZE ONLY', 3];
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${n.toFixed(1)} ${units[i]}`;
}

/** One line on the terminal, redrawn at most five times a second. */
function progressBar(tty: NodeJS.WriteStream, path: string, total: number): { add: (n: number) => void; done: () => void } {
  const t0 = performance.now();
  let read = 0;
  let drawn = 0;
  const draw = () => {
    const width = 30;
    const ratio = Math.min(1, read / total);
    const filled = Math.round(ratio * width);
    const rate = read / Math.max(0.001, (performance.now() - t0) / 1000);
    const name = path.length > 30 ? `…${path.slice(-29)}` : path;
    tty.write(`\r${name}  [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${formatBytes(read)} / ${formatBytes(total)}  ${formatBytes(rate)}/s   `);
  };
  return {
    add(n) {
      read += n;
      if (performance.now() - drawn > 200) {
        drawn = performance.now();
        draw();
      }
    },
    done() {
      tty.write('\r\x1b[2K');
    },
  };
}
