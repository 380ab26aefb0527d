// Which store a collector (or a CLI command beside it) uses: PostgreSQL when `store.postgres` is
// configured (several collectors may share it), otherwise SQLite in the state directory.
import type { Store } from './store.js';
import { openSqliteStore } from './sqlite/index.js';
import { openPostgresStore, type PostgresOptions } from './postgres/index.js';

export interface StoreChoice {
  stateDir?: string | undefined;
  store: { postgres?: PostgresOptions | undefined };
}

/**
 * Opens (creating or upgrading the schema of) the configured store. `client`: a command beside a
 * possibly running collector (cli/enrolment.ts) — it waits longer for SQLite's lock and never
 * changes the schema of an existing store.
 */
export async function openStore(config: StoreChoice, opts: { client?: boolean } = {}): Promise<Store> {
  if (config.store.postgres) return openPostgresStore(config.store.postgres, opts);
  return openSqliteStore(config.stateDir, opts);
}
