// Who may log in, from two places: the collector's configuration file (`users:`, as before: they
// keep working unchanged, are this collector's own, and are changed only in the file) and the store
// (`stationwatch collector users`, the admin page): one list shared by every collector of a shared
// PostgreSQL store. A name in the file wins over the same name in the store on that collector. The
// store is asked on every request — no cache — so a role change, a disabled or removed user takes
// effect on the next request on every collector, without a restart.
// Passwords are hashed with scrypt (node:crypto) and a random salt; verification compares in
// constant time and spends the same work for unknown names, so response time does not reveal which
// names exist.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Role } from '../status/config.js';
import type { UserStore } from './store.js';

export interface User {
  name: string;
  role: Role;
  /** The sites the user is limited to; empty: every site. */
  sites: readonly string[];
  /** Where the user is kept: the configuration file (edited there only) or the store. */
  source: 'config' | 'store';
}

const rank: Record<Role, number> = { viewer: 0, technician: 1, admin: 2 };

/** A technician may do what a viewer may; an admin what a technician may. */
export function hasRole(user: User | undefined, needed: Role): boolean {
  return user !== undefined && rank[user.role] >= rank[needed];
}

const scrypt = (password: string, salt: Buffer, keylen: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));

// OWASP's scrypt minimum (N=2^17, r=8, p=1) costs 128 MiB per hash; 2^15 keeps a login at ~32 MiB
// on a small collector host while remaining far beyond what a GPU cracks cheaply per guess.
const defaults = { N: 32768, r: 8, p: 1 };

export async function hashPassword(password: string): Promise<string> {
  if (password.length < 8) throw new Error('a password needs at least 8 characters');
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, { ...defaults, maxmem: 256 * defaults.N * defaults.r });
  return `scrypt$${defaults.N}$${defaults.r}$${defaults.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const N = Number(n);
  const R = Number(r);
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N, r: R, p: Number(p), maxmem: 256 * N * R });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

// For unknown names: a real hash of nothing anyone can type, so the work done is the same.
const decoy = `scrypt$${defaults.N}$${defaults.r}$${defaults.p}$${randomBytes(16).toString('base64')}$${randomBytes(32).toString('base64')}`;

export interface ConfigUser {
  name: string;
  role: Role;
  passwordHash: string;
  sites?: readonly string[] | undefined;
}

export class UserDirectory {
  private readonly fromFile: Map<string, ConfigUser>;

  constructor(
    users: readonly ConfigUser[],
    private readonly store: UserStore,
  ) {
    this.fromFile = new Map(users.map((u) => [u.name, u]));
  }

  /** The configuration file's users, as the admin page lists them. */
  configUsers(): User[] {
    return [...this.fromFile.values()].map((u) => fileUser(u));
  }

  isInConfig(name: string): boolean {
    return this.fromFile.has(name);
  }

  /** The user with this name, unless disabled; read from the store each time. */
  async get(name: string): Promise<User | undefined> {
    return (await this.find(name))?.user;
  }

  /** The user when the password is right; undefined otherwise (same work either way). */
  async authenticate(name: string, password: string): Promise<User | undefined> {
    const found = await this.find(name);
    const ok = await verifyPassword(password, found?.passwordHash ?? decoy);
    return ok ? found?.user : undefined;
  }

  private async find(name: string): Promise<{ user: User; passwordHash: string } | undefined> {
    const f = this.fromFile.get(name);
    if (f) return { user: fileUser(f), passwordHash: f.passwordHash };
    if (name.length === 0 || name.length > 64) return undefined;
    const s = await this.store.get(name);
    if (!s || s.disabled) return undefined;
    return { user: { name: s.name, role: s.role, sites: s.sites, source: 'store' }, passwordHash: s.passwordHash };
  }
}

const fileUser = (u: ConfigUser): User => ({ name: u.name, role: u.role, sites: u.sites ?? [], source: 'config' });
