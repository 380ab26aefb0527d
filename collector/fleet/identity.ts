// Which collector this is among the collectors of one shared store: the name saved with every device
// state it writes ("held by" on every collector's page). Configured as `name`; by default the host
// name and the listen port, which tells two collectors on one host apart.
import { hostname } from 'node:os';
import type { CollectorConfig } from '../config.js';

export function collectorName(config: Pick<CollectorConfig, 'name' | 'listen'>): string {
  return config.name ?? `${hostname()}:${config.listen.port}`;
}
