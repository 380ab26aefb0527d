// Scanners through SANE (Linux, macOS): `scanimage -f` with a local-only configuration unless the
// settings allow network backends (they broadcast on the LAN and may probe for a minute).
import { join } from 'node:path';
import { runCommand } from '../exec/run-command.js';
import { parseScanimage, SCANIMAGE_FORMAT } from './scanners-parse.js';
import { writeLocalConfig } from './scanners-sane-config.js';
import type { ScannersPart } from './scanners.js';

/** Network backends may probe for a minute; a local-only configuration answers in seconds. */
const SCANIMAGE_TIMEOUT_MS = 90_000;

export const saneScanners: ScannersPart = {
  async list(ctx, signal) {
    const s = ctx.settings;
    const localDir = join(ctx.stateDir, 'sane-local');
    const configDir = s.network ? s.configDir : localDir;
    if (!s.network) await writeLocalConfig(s.configDir, localDir);
    const t0 = performance.now();
    // No trailing ":" in SANE_CONFIG_DIR: only this directory is read, never the system one besides it.
    const res = await runCommand(s.command, ['-f', SCANIMAGE_FORMAT], { signal, timeoutMs: SCANIMAGE_TIMEOUT_MS, env: { ...ctx.env, SANE_CONFIG_DIR: configDir } });
    const seconds = (performance.now() - t0) / 1000;
    if (res.code !== 0) throw new Error(`${s.command} exited with ${res.code ?? 'a signal'}: ${res.stderr.toString('utf8').trim().slice(0, 300)}`);
    return { kind: 'ok', scanners: parseScanimage(res.stdout.toString('utf8')), seconds };
  },
};
