// The collector's store opened by a CLI command as a client (short SQLite lock wait; PostgreSQL by
// its URL), for the length of one command, with the configuration it was opened from.
import { loadCollectorConfig } from '../collector/config.js';
import { openStore } from '../collector/store/open.js';
import type { Store } from '../collector/store/store.js';

export type LoadedCollectorConfig = Awaited<ReturnType<typeof loadCollectorConfig>>;

export async function withCollectorStore<T>(configFile: string | undefined, env: NodeJS.ProcessEnv, use: (db: Store, config: LoadedCollectorConfig) => Promise<T>): Promise<T> {
  const config = await loadCollectorConfig(configFile, env);
  const db = await openStore(config, { client: true });
  try {
    return await use(db, config);
  } finally {
    await db.close();
  }
}
