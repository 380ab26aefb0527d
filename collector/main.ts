// Starts a listening collector from a resolved configuration.
import type { Logger } from '../common/logger.js';
import { buildCollector, type CollectorApp } from './app.js';
import type { CollectorConfig } from './config.js';

export async function startCollector(config: CollectorConfig, log: Logger): Promise<CollectorApp & { url: string }> {
  const built = await buildCollector(config, { log });
  await built.app.listen({ host: config.listen.host, port: config.listen.port });
  const addr = built.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.listen.port;
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  return { ...built, url: `${config.listen.tls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}` };
}
