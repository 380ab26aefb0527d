// Which store a collector (or a CLI command beside it) uses: PostgreSQL when `store.postgres` is
// configured (several collectors may share it), otherwise SQLite in the state directory. A collector
// on PostgreSQL keeps its state writes in a local outage spool while the database is away
// (collector/store/outage/); a CLI command does not (it fails and says so).
import type { Logger } from '../../common/logger.js';
import type { Store } from './store.js';
import { openSqliteStore } from './sqlite/index.js';
import { openPostgresStore, type PostgresOptions } from './postgres/index.js';
import { SpoolFile } from './outage/spool-file.js';
import { withOutageSpool } from './outage/spooled-store.js';

export interface StoreChoice {
  stateDir?: string | undefined;
  store: { postgres?: PostgresOptions | undefined };
}

/**
 * Opens (creating or upgrading the schema of) the configured store. `client`: a command beside a
 * possibly running collector (cli/enrolment.ts) — it waits longer for SQLite's lock and never
 * changes the schema of an existing store. `log`: the collector's, for the outage spool.
 */
export async function openStore(config: StoreChoice, opts: { client?: boolean; log?: Logger } = {}): Promise<Store> {
  const pg = config.store.postgres;
  if (!pg) return openSqliteStore(config.stateDir, opts);
  const store = await openPostgresStore(pg, opts);
  if (opts.client || !opts.log) return store;
  const spool = new SpoolFile(config.stateDir, (pg.outageSpoolMegabytes ?? 512) * 1048576);
  return withOutageSpool(store, spool, { log: opts.log.child({ component: 'store' }), retryMs: (pg.outageRetrySeconds ?? 5) * 1000 });
}
