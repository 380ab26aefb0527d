// Which channels a notification goes to: routes are tried in order per alert (site and severity
// filters; an empty filter matches all), the first match wins, and an alert no route matches goes to
// the default channels. A notification goes to every channel one of its alerts is routed to, so a
// group with a critical and a warning alert reaches both the on-call and the IT team.
import type { Mentions, Notification } from './types.js';

export interface Route {
  sites?: string[];
  severities?: string[];
  channels: string[];
}

export interface Routing {
  routes: readonly Route[];
  defaultChannels: readonly string[];
}

export function channelsForAlert(r: Routing, site: string, severity: string): readonly string[] {
  for (const route of r.routes) {
    if (route.sites && route.sites.length > 0 && !route.sites.includes(site)) continue;
    if (route.severities && route.severities.length > 0 && !route.severities.includes(severity)) continue;
    return route.channels;
  }
  return r.defaultChannels;
}

/** The channels of a notification: the union of its alerts' routes, in configuration order of first use. */
export function channelsFor(r: Routing, n: Notification): string[] {
  const out = new Set<string>();
  const alerts = n.alerts.length > 0 ? n.alerts : [{ site: n.site, severity: 'warning' }];
  for (const a of alerts) for (const c of channelsForAlert(r, a.site, a.severity)) out.add(c);
  return [...out];
}

export interface OnCall {
  mobiles?: string[];
  userIds?: string[];
  all?: boolean;
}

/** A site's on-call people (the `*` entry for sites without their own). */
export function mentionsFor(onCall: Readonly<Record<string, OnCall>>, site: string): Mentions {
  const o = onCall[site] ?? onCall['*'] ?? {};
  return { mobiles: [...(o.mobiles ?? [])], userIds: [...(o.userIds ?? [])], all: o.all ?? false };
}
