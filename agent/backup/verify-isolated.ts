// Runs a verification (or a checksum of an off-site copy) in a short-lived child process at the
// lowest CPU priority: the agent keeps its memory and its schedule however large the backup is.
// One child per check; backups arrive daily or weekly, so the start-up cost does not matter.
import { forkTracked, killTree } from '../exec/children.js';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setPriority, constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ChildAnswer, ChildRequest } from './verify-child.js';
import { FileChangedError } from './file-changed.js';
import type { Verdict, VerifyOptions } from './verify.js';

/** The compiled child script; from the TypeScript sources (tests) the build's copy of it. */
function childScript(): string {
  const here = fileURLToPath(import.meta.url);
  const script = here.endsWith('.ts') ? here.replace(/agent[\\/]backup[\\/]verify-isolated\.ts$/, 'dist/agent/backup/verify-child.js') : here.replace(/verify-isolated\.js$/, 'verify-child.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run "npm run build"`);
  return script;
}

function run(req: ChildRequest, signal: AbortSignal | undefined): Promise<ChildAnswer> {
  return new Promise((resolve, reject) => {
    // A small heap: the child streams, and a bug that buffers a whole file must fail, not swap.
    const child = forkTracked(childScript(), [], { execArgv: ['--max-old-space-size=96'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    try {
      setPriority(child.pid!, constants.priority.PRIORITY_LOW);
    } catch {
      // Not permitted or not supported: the child still streams politely.
    }
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-500)));
    let answer: ChildAnswer | undefined;
    const onAbort = () => killTree(child, 0);
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('message', (m: ChildAnswer) => (answer = m));
    child.once('error', reject);
    // 'close', not 'exit': the child's answer and its exit reach this process through different
    // handles, and on a busy machine the exit can be seen first; 'close' comes after the IPC channel
    // (and so every message on it) and stderr have ended.
    child.once('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (answer) resolve(answer);
      else if (signal?.aborted) resolve({ error: `stopped: ${String(signal.reason ?? 'aborted')}` });
      else resolve({ error: `the verification process ended without a verdict (${sig ?? `exit ${code}`})${stderr ? `: ${stderr.trim()}` : ''}` });
    });
    child.send(req);
  });
}

/** verifyBackup in a child process; trouble running the child is a `failed` verdict, not a throw. */
export async function verifyIsolated(file: string, options: VerifyOptions): Promise<Verdict> {
  const { signal, onBytes: _progress, ...rest } = options;
  const t0 = performance.now();
  const answer = await run({ op: 'verify', file, options: rest }, signal);
  if ('verdict' in answer) return answer.verdict;
  if ('changed' in answer) throw new FileChangedError(answer.changed);
  // A check that timed out or died is a failed run of this very file (so it is not retried forever).
  const st = await stat(file).catch(() => undefined);
  const error = 'error' in answer ? answer.error : 'unexpected answer';
  return { result: 'failed', reason: `could not be verified: ${error}`, sizeBytes: st?.size ?? 0, mtimeMs: st?.mtimeMs ?? 0, durationMs: performance.now() - t0 };
}

export async function sha256Isolated(file: string, bytesPerSecond: number, signal?: AbortSignal): Promise<string> {
  const answer = await run({ op: 'sha256', file, bytesPerSecond }, signal);
  if ('sha256' in answer) return answer.sha256;
  throw new Error('error' in answer ? answer.error : 'unexpected answer');
}
