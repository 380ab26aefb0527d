// What a stored user may look like, checked before any write by both stores (and by the CLI and the
// admin page before they ask): a bad name, role or site list is refused with the reason and changes
// nothing. Names follow the configuration file's users (collector/status/config.ts); sites follow
// the report's site names (protocol/report.ts), which they are compared with.
import type { StoredUser, UserChanges, UserRole } from './store.js';

export const userRoles: readonly UserRole[] = ['viewer', 'technician', 'admin'];
export const userNamePattern = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const sitePattern = /^[^\u0000-\u001f]{1,64}$/;
/** A branch technician covers a few sites; a list this long is a mistake (or an attempt to bloat every request). */
export const maxSitesPerUser = 100;
const hashPattern = /^scrypt\$[0-9]+\$[0-9]+\$[0-9]+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/;

export class UserInputError extends Error {}

export function checkUserName(name: unknown): string {
  if (typeof name !== 'string' || !userNamePattern.test(name)) throw new UserInputError('a user name is 1 to 64 letters, digits, . _ @ -, starting with a letter or digit');
  return name;
}

export function checkRole(role: unknown): UserRole {
  if (!userRoles.includes(role as UserRole)) throw new UserInputError(`a role is one of ${userRoles.join(', ')}`);
  return role as UserRole;
}

/** Sites as given, each checked, duplicates dropped, sorted. */
export function checkSites(sites: readonly unknown[]): string[] {
  if (sites.length > maxSitesPerUser) throw new UserInputError(`at most ${maxSitesPerUser} sites per user`);
  for (const s of sites) if (typeof s !== 'string' || !sitePattern.test(s)) throw new UserInputError(`a site name is 1 to 64 characters without control characters, not ${JSON.stringify(s).slice(0, 70)}`);
  return [...new Set(sites as string[])].sort();
}

/** An administrator manages users and forgets devices fleet-wide: limiting one to sites would be a false promise. */
export function checkRoleSites(role: UserRole, sites: readonly string[]): void {
  if (role === 'admin' && sites.length > 0) throw new UserInputError('an administrator sees every site: site limits are for viewers and technicians');
}

function checkHash(hash: unknown): string {
  if (typeof hash !== 'string' || !hashPattern.test(hash)) throw new UserInputError('the password hash is not an scrypt hash made by stationwatch');
  return hash;
}

/** A new user, checked (throws UserInputError); sites normalised. */
export function checkNewUser(u: Omit<StoredUser, 'updatedMs'>): Omit<StoredUser, 'updatedMs'> {
  const sites = checkSites(u.sites);
  const role = checkRole(u.role);
  checkRoleSites(role, sites);
  return { name: checkUserName(u.name), role, sites, passwordHash: checkHash(u.passwordHash), disabled: u.disabled === true, createdMs: u.createdMs };
}

/** The user after `changes`, checked (throws UserInputError). */
export function applyUserChanges(u: StoredUser, changes: UserChanges, nowMs: number): StoredUser {
  const role = changes.role === undefined ? u.role : checkRole(changes.role);
  // Promoted to administrator without a word about sites: the old limits go (an administrator has none).
  const sites = changes.sites !== undefined ? checkSites(changes.sites) : role === 'admin' ? [] : u.sites;
  checkRoleSites(role, sites);
  return {
    ...u,
    role,
    sites,
    disabled: changes.disabled ?? u.disabled,
    passwordHash: changes.passwordHash === undefined ? u.passwordHash : checkHash(changes.passwordHash),
    updatedMs: nowMs,
  };
}

/** Whether the change takes away the user's standing as an enabled administrator. */
export const losesAdmin = (before: StoredUser, after: StoredUser | undefined) => before.role === 'admin' && !before.disabled && (after === undefined || after.role !== 'admin' || after.disabled);
