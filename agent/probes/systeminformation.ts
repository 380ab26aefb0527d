// systeminformation, loaded on first use. On Linux the probes read procfs and sysfs themselves and
// never need it; importing it eagerly cost the agent about 1.5 MiB of heap (its ~1 MiB of source is
// kept for the process' life) for nothing. On Windows and macOS it is loaded by the first probe that
// asks, once (the module cache keeps it).
type Si = typeof import('systeminformation');

let loading: Promise<Si> | undefined;

export function systemInformation(): Promise<Si> {
  loading ??= import('systeminformation').then((mod) => ((mod as { default?: Si }).default ?? mod) as Si);
  return loading;
}
