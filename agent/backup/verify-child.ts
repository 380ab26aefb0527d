// The verification child process: one request in over IPC, one answer out, then it exits. Running
// the multi-GB reads here keeps their buffers (and the garbage they leave until the next GC) out of
// the agent's memory, and lets the operating system run them at the lowest priority without slowing
// the agent itself. See verify-isolated.ts for the parent side.
import { sha256File } from './polite-read.js';
import { FileChangedError, verifyBackup, type VerifyOptions } from './verify.js';

export type ChildRequest = { op: 'verify'; file: string; options: Omit<VerifyOptions, 'signal' | 'onBytes'> } | { op: 'sha256'; file: string; bytesPerSecond: number };
export type ChildAnswer = { verdict: Awaited<ReturnType<typeof verifyBackup>> } | { sha256: string } | { changed: string } | { error: string };

process.once('message', (req: ChildRequest) => {
  const work: Promise<ChildAnswer> =
    req.op === 'verify'
      ? verifyBackup(req.file, req.options).then((verdict) => ({ verdict }))
      : sha256File(req.file, { bytesPerSecond: req.bytesPerSecond }).then((sha256) => ({ sha256 }));
  work
    .catch((e: unknown): ChildAnswer => (e instanceof FileChangedError ? { changed: e.message } : { error: e instanceof Error ? e.message : String(e) }))
    .then((answer) => process.send!(answer, () => process.exit(0)));
});
