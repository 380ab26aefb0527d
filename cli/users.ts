// `stationwatch collector users list|add|set|remove` (administrators, on a collector host): the
// users kept in the collector's store, which every collector of a shared PostgreSQL store reads on
// each request — a change here takes effect on their next request, no restart. The store is opened
// as the other store commands open it (cli/enrolment.ts): as a client that never changes the schema,
// with SQLite's short lock wait beside a running collector. Passwords are read from standard input
// (a prompt on a terminal), never from the command line, where the process list and the shell
// history would keep them. The configuration file's users are listed, and changed only in the file.
import { withCollectorStore, type LoadedCollectorConfig } from './collector-store.js';
import type { StoredUser, UserChanges, UserStore } from '../collector/store/store.js';
import { checkRole, checkRoleSites, checkSites, checkUserName, UserInputError } from '../collector/store/user-rules.js';
import { hashPassword } from '../collector/store/users.js';
import { COMMANDS, usersAddCommand, usersListCommand, usersRemoveCommand, usersSetCommand } from './commands.js';
import { readPassword } from './user.js';
import { consoleIo, groupHelp, parseCommand, usageError, type LineIo } from './usage.js';

type Config = LoadedCollectorConfig;

const withUsers = (configFile: string | undefined, env: NodeJS.ProcessEnv, use: (users: UserStore, config: Config) => Promise<number>): Promise<number> =>
  withCollectorStore(configFile, env, (db, config) => use(db.users, config));

const refusals = {
  exists: (n: string) => `a user named ${n} exists already`,
  not_found: (n: string) => `no user named ${n} in the store`,
  last_admin: (n: string) => `${n} is the last enabled administrator: make another user an administrator first`,
};

const row = (u: Pick<StoredUser, 'name' | 'role' | 'sites'> & { state: string; source: string; updated: string }) => [u.name, u.role, u.sites.length > 0 ? u.sites.join(',') : '*', u.state, u.source, u.updated].join('\t');

export interface UsersIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

/** args: what follows `stationwatch collector users`. */
export async function runUsersAdmin(args: string[], env: NodeJS.ProcessEnv, streams: UsersIo, io: LineIo = consoleIo): Promise<number> {
  const [sub, ...rest] = args;
  try {
    if (sub === 'list') {
      const parsed = parseCommand(usersListCommand, rest, io);
      if (typeof parsed === 'number') return parsed;
      return await withUsers(parsed.values.config, env, async (users, config) => {
        io.out(['user', 'role', 'sites', 'state', 'kept in', 'updated'].join('\t'));
        for (const u of config.users) io.out(row({ ...u, sites: u.sites ?? [], state: 'enabled', source: 'configuration file', updated: '-' }));
        const fromFile = new Set(config.users.map((u) => u.name));
        for (const u of await users.list()) {
          io.out(row({ ...u, state: fromFile.has(u.name) ? 'hidden by the configuration file' : u.disabled ? 'disabled' : 'enabled', source: 'store', updated: new Date(u.updatedMs).toISOString() }));
        }
        return 0;
      });
    }
    if (sub === 'add') {
      const parsed = parseCommand(usersAddCommand, rest, io);
      if (typeof parsed === 'number') return parsed;
      const [name, ...extra] = parsed.positionals;
      if (!name || extra.length > 0) return usageError(usersAddCommand, 'name exactly one user', io);
      const fields = inputOf(() => {
        const f = { name: checkUserName(name), role: checkRole(parsed.values.role), sites: checkSites(parsed.values.site ?? []) };
        checkRoleSites(f.role, f.sites);
        return f;
      });
      if (typeof fields === 'string') return usageError(usersAddCommand, fields, io);
      return await withUsers(parsed.values.config, env, async (users, config) => {
        if (config.users.some((u) => u.name === name)) {
          io.err(`${name} is a user of the configuration file: change it there, or pick another name`);
          return 1;
        }
        const passwordHash = await hashPassword(await readPassword(streams.stdin, streams.stderr));
        const outcome = await users.add({ ...fields, passwordHash, disabled: false, createdMs: Date.now() });
        if ('refused' in outcome) {
          io.err(refusals[outcome.refused](name));
          return 1;
        }
        io.out(`added ${name} (${fields.role}${fields.sites.length > 0 ? `, sites ${fields.sites.join(', ')}` : ''})`);
        return 0;
      });
    }
    if (sub === 'set') {
      const parsed = parseCommand(usersSetCommand, rest, io);
      if (typeof parsed === 'number') return parsed;
      const [name, ...extra] = parsed.positionals;
      if (!name || extra.length > 0) return usageError(usersSetCommand, 'name exactly one user', io);
      const v = parsed.values;
      if (v.disable && v.enable) return usageError(usersSetCommand, '--disable and --enable contradict each other', io);
      if (v['all-sites'] && v.site) return usageError(usersSetCommand, '--site and --all-sites contradict each other', io);
      const changes = inputOf<UserChanges>(() => ({
        ...(v.role !== undefined ? { role: checkRole(v.role) } : {}),
        ...(v.site ? { sites: checkSites(v.site) } : v['all-sites'] ? { sites: [] } : {}),
        ...(v.disable ? { disabled: true } : v.enable ? { disabled: false } : {}),
      }));
      if (typeof changes === 'string') return usageError(usersSetCommand, changes, io);
      if (Object.keys(changes).length === 0 && !v.password) return usageError(usersSetCommand, 'say what changes: --role, --site, --all-sites, --disable, --enable or --password', io);
      return await withUsers(v.config, env, async (users, config) => {
        if (config.users.some((u) => u.name === name)) {
          io.err(`${name} is a user of the configuration file: change it there`);
          return 1;
        }
        if (!(await users.get(name))) {
          io.err(refusals.not_found(name));
          return 1;
        }
        if (v.password) changes.passwordHash = await hashPassword(await readPassword(streams.stdin, streams.stderr));
        const outcome = await users.update(name, changes, Date.now());
        if ('refused' in outcome) {
          io.err(refusals[outcome.refused](name));
          return 1;
        }
        io.out(`changed ${name}`);
        return 0;
      });
    }
    if (sub === 'remove') {
      const parsed = parseCommand(usersRemoveCommand, rest, io);
      if (typeof parsed === 'number') return parsed;
      const [name, ...extra] = parsed.positionals;
      if (!name || extra.length > 0) return usageError(usersRemoveCommand, 'name exactly one user', io);
      return await withUsers(parsed.values.config, env, async (users, config) => {
        const outcome = await users.remove(name);
        if ('refused' in outcome) {
          io.err(outcome.refused === 'not_found' && config.users.some((u) => u.name === name) ? `${name} is a user of the configuration file: remove it there` : refusals[outcome.refused](name));
          return 1;
        }
        io.out(`removed ${name}; its sessions are ended`);
        return 0;
      });
    }
  } catch (err) {
    io.err(`stationwatch collector users ${sub}: ${(err as Error).message}`);
    return 1;
  }
  return groupHelp(COMMANDS, 'collector users', args, io);
}

/** The checked input, or what is wrong with it. */
function inputOf<T>(make: () => T): T | string {
  try {
    return make();
  } catch (err) {
    if (err instanceof UserInputError) return err.message;
    throw err;
  }
}
