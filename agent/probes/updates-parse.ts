// Pending updates from the package managers' own answers about local state: apt's simulated
// upgrade, dnf's cache-only check-update and security advisories, and the Windows Update Agent's
// offline search. Each pending update has a stable id (package, or update GUID) so the probe can
// remember since when a security update has been waiting.

export interface PendingUpdate {
  id: string;
  security: boolean;
}

// Inst libgcrypt20 [1.10.1-3] (1.10.1-3+deb12u1 Debian:12.15/oldstable, Debian-Security:12/oldstable-security [amd64]) []
const APT_INST = /^Inst (\S+) \[[^\]]*\] \(\S+ (.*?)(?: \[[^\]]*\])?\)/;

/**
 * `apt-get -s upgrade` (C locale): each `Inst pkg [old] (new origins [arch])` line is an upgrade; it
 * is a security update when one of its origins is a security archive (Debian-Security:12/…-security,
 * Ubuntu:22.04/jammy-security). Lines without `[old]` install a new package and are not updates.
 * Packages "kept back" are pending too, though apt does not say whether they fix security problems.
 */
export function parseAptSimulate(text: string): PendingUpdate[] {
  const out = new Map<string, PendingUpdate>();
  let keptBack = false;
  for (const line of text.split('\n')) {
    if (/^The following packages have been kept back:/.test(line)) {
      keptBack = true;
      continue;
    }
    if (keptBack) {
      if (/^\s+\S/.test(line)) {
        for (const name of line.trim().split(/\s+/)) if (!out.has(name)) out.set(name, { id: name, security: false });
        continue;
      }
      keptBack = false;
    }
    const inst = APT_INST.exec(line);
    if (inst) out.set(inst[1]!, { id: inst[1]!, security: inst[2]!.split(/,\s*/).some((origin) => /security/i.test(origin)) });
  }
  return [...out.values()];
}

/** `bash.x86_64  5.2.15-3.fc38  updates`: the package name and arch of one line of `dnf check-update`. */
const DNF_LINE = /^(\S+)\.([A-Za-z0-9_]+)\s+\S+\s+\S+\s*$/;

/**
 * `dnf -C -q check-update` lists one available update per line (then, after "Obsoleting Packages",
 * packages that replace others: not updates of installed ones). `securityText` is `dnf -C -q
 * updateinfo list --security`: `<advisory> <severity>/Sec. <name>-<[epoch:]version>-<release>.<arch>`.
 */
export function parseDnf(checkUpdate: string, securityText: string): PendingUpdate[] {
  const security = new Set<string>();
  for (const line of securityText.split('\n')) {
    const nevra = line.trim().split(/\s+/)[2];
    if (!nevra || !/\/Sec\.$/.test(line.trim().split(/\s+/)[1] ?? '')) continue;
    const arch = nevra.slice(nevra.lastIndexOf('.') + 1);
    const name = nevra.slice(0, nevra.lastIndexOf('.')).split('-').slice(0, -2).join('-');
    if (name) security.add(`${name}.${arch}`);
  }
  const out: PendingUpdate[] = [];
  for (const line of checkUpdate.split('\n')) {
    if (/^Obsoleting Packages/i.test(line)) break;
    const match = DNF_LINE.exec(line);
    if (!match) continue;
    const id = `${match[1]}.${match[2]}`;
    out.push({ id, security: security.has(id) });
  }
  return out;
}

export interface WindowsUpdates {
  pending: PendingUpdate[];
  /** Epoch seconds of the last successful search against Windows Update (what "pending" is based on). */
  lastSearch?: number;
}

/**
 * The Windows script's JSON: `{ Updates: [{ Id, Security }], LastSearch }`; Security is true when
 * the update is in the "Security Updates" category (matched by category GUID: names are translated).
 */
export function parseWindowsUpdates(text: string): WindowsUpdates {
  let doc: { Updates?: unknown; LastSearch?: unknown };
  try {
    doc = JSON.parse(text.trim()) as typeof doc;
  } catch (cause) {
    throw new Error('the Windows Update query printed something that is not JSON', { cause });
  }
  const list = (Array.isArray(doc?.Updates) ? doc.Updates : doc?.Updates ? [doc.Updates] : []) as { Id?: unknown; Security?: unknown }[];
  const pending = list.filter((u) => typeof u?.Id === 'string' && u.Id !== '').map((u) => ({ id: u.Id as string, security: u.Security === true }));
  const out: WindowsUpdates = { pending };
  if (typeof doc?.LastSearch === 'number' && doc.LastSearch > 0) out.lastSearch = doc.LastSearch;
  return out;
}

/**
 * When each pending security update was first seen: known ids keep their time, new ones get `now`,
 * installed ones are forgotten (so one that comes back later starts over).
 */
export function trackFirstSeen(previous: Readonly<Record<string, number>>, pending: readonly PendingUpdate[], now: number): Record<string, number> {
  const next: Record<string, number> = {};
  for (const u of pending) if (u.security) next[u.id] = previous[u.id] ?? now;
  return next;
}
