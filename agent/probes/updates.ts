// updates: pending OS updates and how long security updates have waited ("confirm the software is
// updated to the latest version"). Only the local package state is read — apt's simulated upgrade
// (no lock taken, no list refreshed), dnf's cache, Windows Update's offline search — so the probe
// never contacts a repository. Those answers are only as fresh as the last refresh the OS made
// itself, so that moment is exported too, and a stale one has its own alert.
import { Type } from '@sinclair/typebox';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../../common/atomic-file.js';
import { m } from '../../protocol/metrics.js';
import { platformPart, type PlatformFiles } from './platform.js';
import { WindowsConsoleEncoding, commandRunner, consoleEncodingOf, type CommandRunner } from './posture-command.js';
import { sample, unavailable, type ProbeDefinition, type ProbeInstance, type ProbeSetup, type Reading } from './probe.js';
import { trackFirstSeen, type PendingUpdate } from './updates-parse.js';

/** apt's simulation and dnf may take over a minute on a slow disk, a Windows Update search too. */
const updatesRunner = commandRunner([], 100_000);

export const STATE_FILE = 'updates.json';

export const UpdatesSettings = Type.Object(
  {
    aptListsDir: Type.String({ minLength: 1, default: '/var/lib/apt/lists', description: 'where apt keeps the downloaded package lists (their age is the check time)' }),
    windowsConsoleEncoding: WindowsConsoleEncoding,
  },
  { additionalProperties: false },
);

export interface Snapshot {
  pending: PendingUpdate[];
  checked?: number;
}

export type Answer = Snapshot | { unavailable: string };

/** What each platform's file provides: a reader of the pending updates (it may keep a cache between runs). */
export interface UpdatesPart {
  create(ctx: { run: CommandRunner; encoding: string; listsDir: string }): (signal: AbortSignal) => Promise<Answer>;
}

const files: PlatformFiles<UpdatesPart> = {
  linux: () => import('./updates.linux.js').then((f) => f.updates),
  win32: () => import('./updates.win32.js').then((f) => f.updates),
};

export function createUpdates(setup: ProbeSetup, run: CommandRunner = updatesRunner): ProbeInstance {
  const listsDir = typeof setup.settings['aptListsDir'] === 'string' ? setup.settings['aptListsDir'] : '/var/lib/apt/lists';
  const stateFile = join(setup.stateDir, STATE_FILE);
  let firstSeen: Record<string, number> | undefined;
  const part = platformPart(files, setup.platform);
  let reader: ((signal: AbortSignal) => Promise<Answer>) | undefined;

  async function answer(signal: AbortSignal): Promise<Answer> {
    const p = await part();
    if (!p) return { unavailable: `pending updates are not read on ${setup.platform}` };
    reader ??= p.create({ run, encoding: consoleEncodingOf(setup.settings), listsDir });
    return reader(signal);
  }

  return {
    async collect({ signal }) {
      const got = await answer(signal);
      const all = [m.updatesPending, m.securityUpdatesPending, m.securityUpdatesPendingSince, m.updatesChecked];
      if ('unavailable' in got) return all.map((metric) => unavailable(metric, got.unavailable));
      firstSeen ??= ((await readJsonFile(stateFile)) as { firstSeen?: Record<string, number> } | undefined)?.firstSeen ?? {};
      const next = trackFirstSeen(firstSeen, got.pending, Math.round(setup.clock.wallMs() / 1000));
      if (JSON.stringify(next) !== JSON.stringify(firstSeen)) await writeFileAtomic(stateFile, JSON.stringify({ firstSeen: next }));
      firstSeen = next;
      const out: Reading[] = [sample(m.updatesPending, got.pending.length), sample(m.securityUpdatesPending, got.pending.filter((u) => u.security).length)];
      const since = Object.values(next);
      if (since.length > 0) out.push(sample(m.securityUpdatesPendingSince, Math.min(...since)));
      out.push(got.checked !== undefined ? sample(m.updatesChecked, got.checked) : unavailable(m.updatesChecked, 'the OS keeps no record of when it last looked for updates'));
      return out;
    },
  };
}

export const updatesProbe: ProbeDefinition = {
  name: 'updates',
  interval: 'slow',
  metrics: [m.updatesPending, m.securityUpdatesPending, m.securityUpdatesPendingSince, m.updatesChecked],
  settingsSchema: UpdatesSettings,
  create: (setup) => createUpdates(setup),
};
