// A signal that aborts when the caller's signal does or when `ms` has passed, built on a plain timer.
// Not AbortSignal.any([signal, AbortSignal.timeout(ms)]): on Node 20 that combination stopped firing
// after a garbage collection (the combined signal is only weakly held), so a limit silently vanished.
// A timer is a strong handle that fires on every Node; `dispose` clears it when the work is done.
export interface Deadline {
  signal: AbortSignal;
  dispose(): void;
}

export class DeadlineExceeded extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} timed out after ${ms / 1000} s`);
  }
}

export function deadline(ms: number, what: string, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent?.reason);
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(what, ms)), ms);
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/**
 * Runs `work` under a deadline and always clears the timer afterwards. It settles at the deadline even
 * when `work` ignores its signal (a library call nothing can cancel): the caller moves on, and `work`
 * is left to end by itself.
 */
export async function withDeadline<T>(ms: number, what: string, parent: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const d = deadline(ms, what, parent);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(d.signal.reason);
    if (d.signal.aborted) onAbort();
    else d.signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    return await Promise.race([work(d.signal), aborted]);
  } finally {
    if (onAbort) d.signal.removeEventListener('abort', onAbort);
    d.dispose();
  }
}
