// alerts/catalog: the indicator catalog, the one definition of every indicator's thresholds,
// durations, severities and texts. The rules file, the status-page badges, dashboard thresholds and
// runbook links are all derived from this list. Adding an indicator = one file here + one line below
// + its runbook (docs/runbooks/<id>.md) + its promtool tests (alerts/tests/<id>.test.yml).
import { agent } from './agent.js';
import { availability } from './availability.js';
import { backup } from './backup.js';
import { network } from './network.js';
import { inspection } from './inspection.js';
import { kpi } from './kpi.js';
import { peripherals } from './peripherals.js';
import { resources } from './resources.js';
import { stability } from './stability.js';
import { thermal } from './thermal.js';
import { security } from './security.js';
import { software } from './software.js';
import { storage } from './storage.js';
import { clock } from './clock.js';
import { collector } from './collector.js';
import type { Indicator } from './types.js';

export const catalog: readonly Indicator[] = [resources, thermal, stability, availability, network, peripherals, backup, inspection, agent, kpi, security, software, storage, clock, collector];

export function indicatorById(id: string): Indicator | undefined {
  return catalog.find((i) => i.id === id);
}

export type * from './types.js';
