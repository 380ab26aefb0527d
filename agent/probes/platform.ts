// Per-platform probe code lives in per-platform files, `<probe>.<platform>.ts` (linux, win32,
// darwin), as node_exporter keeps `*_linux.go` / `*_windows.go` behind build tags. A probe's main file
// (`<probe>.ts`) says what it measures, holds what every platform shares, and lists which file reads
// it where (`PlatformFiles`); only this machine's file is ever loaded, on first use, so Windows code
// never sits in a Linux agent's memory and the reverse. A platform without a file gets the probe's
// "not read on <platform>" answer: unavailable, never zero. test/unit/probe-platforms.test.ts checks
// the convention (no platform branches in main files, platform files imported only through here).
export const platforms = ['linux', 'win32', 'darwin'] as const;
export type Platform = (typeof platforms)[number];

/** Loaders of a probe's per-platform part, e.g. `{ win32: () => import('./usb.win32.js').then((f) => f.usb) }`. */
export type PlatformFiles<T> = { readonly [P in Platform]?: () => Promise<T> };

/**
 * This machine's part of a probe: loaded once, on first call; undefined where the probe has no file
 * for this platform.
 */
export function platformPart<T>(files: PlatformFiles<T>, platform: NodeJS.Platform): () => Promise<T | undefined> {
  const load = (files as Partial<Record<string, () => Promise<T>>>)[platform];
  let loaded: Promise<T> | undefined;
  return () => (load ? (loaded ??= load()) : Promise.resolve(undefined));
}

/** Whether the probe has a file for this platform (without loading it). */
export function hasPlatformPart(files: PlatformFiles<unknown>, platform: NodeJS.Platform): boolean {
  return (platforms as readonly string[]).includes(platform) && files[platform as Platform] !== undefined;
}
