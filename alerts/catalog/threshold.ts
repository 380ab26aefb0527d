// Short constructors so that a catalog entry reads like the table it came from.
import { parseDuration } from '../units.js';
import type { Threshold } from './types.js';

export const ratio = (value: number, description: string): Threshold => ({ value, unit: 'ratio', description });
export const celsius = (value: number, description: string): Threshold => ({ value, unit: 'celsius', description });
export const count = (value: number, description: string): Threshold => ({ value, unit: 'count', description });
/** Written in milliseconds, stored in seconds like every time a metric carries. */
export const milliseconds = (ms: number, description: string): Threshold => ({ value: ms / 1000, unit: 'milliseconds', description });
/** Written as Prometheus writes it (`15m`), stored in seconds. */
export const duration = (text: string, description: string): Threshold => ({ value: parseDuration(text), unit: 'seconds', description });
