// GET / — the status page; GET /devices/<name> — one device; GET /api/v1/status — the same as JSON.
// Viewing is open unless statusPage.requireLogin; the check lives in this plugin's scope only.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { renderDevice } from '../status/render-device.js';
import { badgeStates, filterDevices, renderList, type ListFilter } from '../status/render-list.js';
import { authorize, callerOf, rememberLang } from '../status/request-auth.js';
import { refuse, sendPage } from '../status/respond.js';
import type { StatusService } from '../status/service.js';
import type { BadgeState } from '../status/badges.js';
import { html, type Html } from '../status/html.js';
import type { Caller } from '../status/request-auth.js';
import type { Store } from '../store/store.js';
import { StoreUnavailable } from '../store/outage/unavailable.js';
import type { OutageStatus } from '../store/outage/spooled-store.js';
import { deviceNotFoundPage, HiddenFromCaller, scopedSnapshot, seesSite } from '../status/site-scope.js';

/** The store's reachability for /api/v1/status: null on SQLite (always there), else whether PostgreSQL answers and what is spooled. */
function storeStatus(db: Store): { reachable: boolean; since: string | null; reason: string | null; spooledWrites: number } | null {
  if (!('outage' in db)) return null;
  const o = (db as Store & { outage(): OutageStatus }).outage();
  return { reachable: !o.away, since: o.away ? new Date(o.away.sinceMs).toISOString() : null, reason: o.away?.reason ?? null, spooledWrites: o.spooled.entries };
}

/** The banner while the shared store is away (only a collector on PostgreSQL has an outage spool). */
export function storeAwayNotice(db: Store, caller: Caller): Html | '' {
  const outage = 'outage' in db ? (db as Store & { outage(): OutageStatus }).outage() : undefined;
  if (!outage?.away) return '';
  const { t } = caller;
  return html`<p id="store-away" class="error" role="alert">${t('storeAway', { at: new Date(outage.away.sinceMs).toISOString(), reason: outage.away.reason.slice(0, 200), entries: outage.spooled.entries })}</p>`;
}
import { notificationsBanner, notificationsSection } from '../notify/render.js';
import { historyRanges, type HistoryRange } from '../history/api.js';
import { fleetSnapshot, holderOf, remoteDevicePage } from '../fleet/fleet-snapshot.js';
import { jsonObjectStream } from '../status/json-stream.js';

function filterOf(query: Record<string, string | undefined>): ListFilter {
  const state = badgeStates.find((s) => s === query.state) as BadgeState | undefined;
  return { ...(query.site ? { site: query.site } : {}), ...(state ? { state } : {}) };
}

/** The charts' range from ?range=; anything else is the default day. */
const rangeOf = (q: string | undefined): HistoryRange => historyRanges.find((r) => r === q) ?? '24h';

export async function statusPageRoutes(app: FastifyInstance, { svc }: { svc: StatusService }): Promise<void> {
  const refreshSeconds = svc.ctx.config.statusPage.refreshSeconds;

  app.get<{ Querystring: Record<string, string | undefined> }>('/', async (req, reply) => {
    const gate = await authorize(svc, req, 'view', reply);
    if (!gate.ok) return refuse(req, reply, gate.caller, gate.status);
    rememberLang(req, reply);
    const snap = scopedSnapshot(await fleetSnapshot(svc), gate.caller);
    // With the shared store away the page still shows the fleet from memory, and says what it lacks.
    const maintenance = (
      await svc.maintenance.open(snap.atMs).catch((err: unknown) => {
        if (err instanceof StoreUnavailable) return [];
        throw err;
      })
    ).filter((m) => seesSite(gate.caller.user, (svc.ctx.store.get(m.device) ?? svc.ctx.fleet?.get(m.device))?.site ?? ''));
    const grafana = svc.ctx.config.grafanaUrl ? { grafanaUrl: svc.ctx.config.grafanaUrl } : {};
    const body = html`${storeAwayNotice(svc.ctx.db, gate.caller)}${notificationsBanner(svc.notifier, gate.caller)}${renderList(snap, filterOf(req.query), svc.indicators, maintenance, gate.caller, grafana)}`;
    return sendPage(req, reply, gate.caller, gate.caller.t('title'), body, { refreshSeconds, charts: true });
  });

  app.get<{ Params: { device: string }; Querystring: Record<string, string | undefined> }>('/devices/:device', async (req, reply) => {
    const gate = await authorize(svc, req, 'view', reply).catch(async (err: unknown) => {
      if (err instanceof HiddenFromCaller) return { hidden: await callerOf(svc, req, reply) };
      throw err;
    });
    if ('hidden' in gate) return deviceNotFoundPage(req, reply, gate.hidden);
    if (!gate.ok) return refuse(req, reply, gate.caller, gate.status);
    rememberLang(req, reply);
    const snap = scopedSnapshot(await fleetSnapshot(svc), gate.caller);
    const listed = snap.devices.find((d) => d.device.name === req.params.device);
    const { t } = gate.caller;
    if (!listed) return deviceNotFoundPage(req, reply, gate.caller);
    const name = listed.device.name;
    const holder = holderOf(snap, name);
    // Another collector's device: its saved report is read from the store for the values and inventory.
    const status = (holder && !holder.self ? await remoteDevicePage(svc, name) : undefined) ?? listed;
    const flash = req.query.saved === '1' ? { notice: t('saved') } : {};
    const [events, inspections, maintenance] = await Promise.all([svc.events.forDevice(name), svc.inspections.forDevice(name), svc.maintenance.forDevice(name)]);
    const body = html`${renderDevice(
      { status, indicators: svc.indicators, thresholds: svc.thresholds, events, inspections, maintenance, nowMs: snap.atMs, range: rangeOf(req.query.range), ...flash, ...(holder ? { holder } : {}), ...(svc.ctx.config.grafanaUrl ? { grafanaUrl: svc.ctx.config.grafanaUrl } : {}) },
      gate.caller,
    )}${await notificationsSection(svc.notifier && svc.db.notifications, name, gate.caller)}`;
    return sendPage(req, reply, gate.caller, name, body, { refreshSeconds, charts: true });
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/api/v1/status', async (req, reply) => {
    const gate = await authorize(svc, req, 'view');
    if (!gate.ok) throw new ApiError('login_required');
    const snap = scopedSnapshot(await fleetSnapshot(svc), gate.caller);
    const head = {
      evaluatedAt: new Date(snap.atMs).toISOString(),
      notEvaluated: snap.notEvaluated,
      degraded: snap.degraded ? { reason: snap.degraded.reason, since: new Date(snap.degraded.sinceMs).toISOString(), restarts: snap.degraded.restarts } : null,
      store: storeStatus(svc.ctx.db),
    };
    // Each device is made into JSON as the answer is written, in time slices (json-stream.ts).
    const devices = filterDevices(snap.devices, filterOf(req.query));
    return reply.type('application/json; charset=utf-8').send(
      jsonObjectStream(head, 'devices', devices, (d) => {
        const holder = holderOf(snap, d.device.name);
        return {
          name: d.device.name,
          site: d.device.site,
          reporting: d.reporting,
          // On a shared store: the collector holding the device, and when it last saved it (null for this collector's own); null on SQLite.
          collector: holder?.name ?? null,
          collectorSavedAt: holder?.savedAtMs === undefined ? null : new Date(holder.savedAtMs).toISOString(),
          badges: d.badges.map((b) => ({
            indicator: b.indicator,
            state: b.state,
            severity: b.severity ?? null,
            since: d.since[b.indicator] === undefined ? null : new Date(d.since[b.indicator]!).toISOString(),
            firing: b.firing.map((a) => ({ alert: a.alert, severity: a.severity, labels: a.labels, value: a.value, activeAt: new Date(a.activeAtMs).toISOString() })),
            pending: b.pending.map((a) => a.alert),
          })),
        };
      }),
    );
  });
}
