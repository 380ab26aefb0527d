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

/** Runs `work` under a deadline and always clears the timer afterwards. */
export async function withDeadline<T>(ms: number, what: string, parent: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const d = deadline(ms, what, parent);
  try {
    return await work(d.signal);
  } finally {
    d.dispose();
  }
}
