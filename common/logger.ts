// One pino logger per process; components take child loggers with their own fields.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name: string): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}

/** For tests and library use: a logger that writes nothing. */
export const silentLogger: Logger = pino({ level: 'silent' });
