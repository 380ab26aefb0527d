// What every dashboard module is built with: the language, the thresholds a site sees (catalog
// defaults with its overrides) and the provisioned datasource. The English and 简体中文 dashboards
// are the same builder code run twice; texts sit side by side as `{ en, zh }`, like the catalog's,
// so a translation cannot be forgotten.
import { indicatorById, type Text } from '../../alerts/catalog/index.js';
import type { ResolvedThresholds } from '../../alerts/catalog/types.js';

export const langs = ['en', 'zh'] as const;
export type Lang = (typeof langs)[number];

/** The uids dashboards/provisioning/datasources gives the datasources; panels reference these. */
export const PROMETHEUS_UID = 'stationwatch-prometheus';
export const ALERTMANAGER_UID = 'stationwatch-alertmanager';
export const prometheus = { type: 'prometheus', uid: PROMETHEUS_UID } as const;

export const dashboardIds = ['fleet', 'device', 'network', 'peripherals', 'backups', 'kpi'] as const;
export type DashboardId = (typeof dashboardIds)[number];

export interface Ctx {
  readonly lang: Lang;
  /** The text in this dashboard's language. */
  tr(text: Text): string;
  /** Grafana uids are global: the Chinese copy of a dashboard gets its own. */
  uid(id: DashboardId): string;
  /** A catalog threshold after site overrides; throws on an unknown indicator or key. */
  threshold(indicatorId: string, key: string): number;
  /** The catalog's title of an indicator in this language. */
  indicatorTitle(indicatorId: string): string;
}

export function makeCtx(lang: Lang, thresholds: ResolvedThresholds): Ctx {
  return {
    lang,
    tr: (text) => text[lang],
    uid: (id) => (lang === 'en' ? `stationwatch-${id}` : `stationwatch-${id}-${lang}`),
    threshold(indicatorId, key) {
      const value = thresholds[indicatorId]?.[key];
      if (value === undefined) throw new Error(`dashboards: the indicator catalog has no threshold ${indicatorId}.${key}`);
      return value;
    },
    indicatorTitle(indicatorId) {
      const indicator = indicatorById(indicatorId);
      if (!indicator) throw new Error(`dashboards: the indicator catalog has no indicator "${indicatorId}"`);
      return indicator.title[lang];
    },
  };
}
