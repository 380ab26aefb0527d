// Installing, upgrading and removing the agent as a service is a list of steps computed first and
// carried out afterwards: `--dry-run` prints the very list that would run, tests assert it, and a
// problem found while computing it (bad configuration, missing WinSW) changes nothing on disk.
// File steps can be rooted in a scratch directory so tests run the real executor without touching /etc.
import { chmod, copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CommandNotFound, runCommand } from '../exec/run-command.js';

export type Step =
  | { kind: 'mkdir'; path: string; mode?: number }
  | { kind: 'write'; path: string; content: string; mode: number; why: string }
  /** Copied beside the target, then renamed over it: a running old binary keeps its inode. */
  | { kind: 'copy'; from: string; to: string; mode: number; why: string }
  | { kind: 'remove'; path: string; why: string }
  /** `okCodes`: exit codes that are not failures (stopping a service that is not running). */
  | { kind: 'run'; command: string; args: string[]; why: string; okCodes?: number[] };

export interface CommandOutput {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

/** Runs a service manager's command; injectable so tests record calls instead of calling systemctl. */
export type ServiceRunner = (command: string, args: readonly string[]) => Promise<CommandOutput>;

/** systemctl, launchctl, sc.exe and WinSW answer in seconds; a minute means something is stuck. */
const COMMAND_TIMEOUT_MS = 60_000;

export const systemRunner: ServiceRunner = async (command, args) => {
  const res = await runCommand(command, args, { timeoutMs: COMMAND_TIMEOUT_MS });
  return { code: res.code, stdout: res.stdout.toString('utf8'), stderr: res.stderr.toString('utf8') };
};

export interface ExecuteOptions {
  run: ServiceRunner;
  /** Prefix for every file path ('/' or undefined: the real filesystem). Commands are never rooted. */
  root?: string;
  /** Told of every step as it starts (the CLI prints them). */
  onStep?: (step: Step) => void;
}

export class StepFailed extends Error {
  constructor(
    readonly step: Step,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'mkdir':
      return `create directory ${step.path}`;
    case 'write':
      return `write ${step.path} (${step.why})`;
    case 'copy':
      return `install ${step.from} as ${step.to} (${step.why})`;
    case 'remove':
      return `remove ${step.path} (${step.why})`;
    case 'run':
      return `run ${[step.command, ...step.args].map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ')} (${step.why})`;
  }
}

/** Carries out the steps in order and stops at the first failure, saying which step failed and why. */
export async function executePlan(steps: readonly Step[], opts: ExecuteOptions): Promise<void> {
  const at = (p: string) => (opts.root && opts.root !== '/' ? join(opts.root, p) : p);
  for (const step of steps) {
    opts.onStep?.(step);
    try {
      switch (step.kind) {
        case 'mkdir':
          await mkdir(at(step.path), { recursive: true, ...(step.mode !== undefined ? { mode: step.mode } : {}) });
          break;
        case 'write': {
          await mkdir(dirname(at(step.path)), { recursive: true });
          const tmp = `${at(step.path)}.stationwatch-new`;
          await writeFile(tmp, step.content, { mode: step.mode });
          await chmod(tmp, step.mode); // the umask must not widen or narrow what the service manager expects
          await rename(tmp, at(step.path));
          break;
        }
        case 'copy': {
          await mkdir(dirname(at(step.to)), { recursive: true });
          const tmp = `${at(step.to)}.stationwatch-new`;
          await copyFile(step.from, tmp);
          await chmod(tmp, step.mode);
          await rename(tmp, at(step.to));
          break;
        }
        case 'remove':
          await rm(at(step.path), { recursive: true, force: true });
          break;
        case 'run': {
          const res = await opts.run(step.command, step.args);
          const ok = res.code === 0 || (res.code !== undefined && (step.okCodes ?? []).includes(res.code));
          if (!ok) {
            const detail = (res.stderr.trim() || res.stdout.trim()).split('\n').slice(0, 5).join('\n');
            throw new Error(`${step.command} exited with ${res.code ?? 'a signal'}${detail ? `: ${detail}` : ''}`);
          }
          break;
        }
      }
    } catch (err) {
      if (err instanceof StepFailed) throw err;
      const reason = err instanceof CommandNotFound ? `${err.command} is not installed` : err instanceof Error ? err.message : String(err);
      throw new StepFailed(step, `${describeStep(step)} failed: ${reason}`, { cause: err });
    }
  }
}
