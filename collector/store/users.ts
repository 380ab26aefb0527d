// Users come from the collector's configuration (name, role, password hash), so an account is
// changed where the rest of the collector is configured and survives any restart. Passwords are
// hashed with scrypt (node:crypto) and a random salt; verification compares in constant time and
// spends the same work for unknown names, so response time does not reveal which names exist.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Role } from '../status/config.js';

export interface User {
  name: string;
  role: Role;
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

export class UserDirectory {
  private readonly byName: Map<string, { role: Role; passwordHash: string }>;

  constructor(users: readonly { name: string; role: Role; passwordHash: string }[]) {
    this.byName = new Map(users.map((u) => [u.name, { role: u.role, passwordHash: u.passwordHash }]));
  }

  get(name: string): User | undefined {
    const u = this.byName.get(name);
    return u && { name, role: u.role };
  }

  /** The user when the password is right; undefined otherwise (same work either way). */
  async authenticate(name: string, password: string): Promise<User | undefined> {
    const u = this.byName.get(name);
    const ok = await verifyPassword(password, u?.passwordHash ?? decoy);
    return ok && u ? { name, role: u.role } : undefined;
  }
}
