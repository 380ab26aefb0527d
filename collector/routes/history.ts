// The history charts' JSON (collector/history/api.ts): a device's charts and overlays, a site's
// timeline of abnormal and not-reporting devices, and the fleet's sparklines. Viewing rights as
// /api/devices. The source is chosen once: Prometheus when configured, else the collector's own tiers.
import type { FastifyInstance } from 'fastify';
import type { CollectorContext } from '../context.js';
import type { DeviceStore } from '../device-store.js';
import { ApiError } from '../errors.js';
import { historyRanges, type HistoryRange } from '../history/api.js';
import { EmbeddedHistorySource, type HistorySource } from '../history/source.js';
import { PrometheusHistorySource } from '../history/prometheus-source.js';
import type { StatusService } from '../status/service.js';
import type { ViewScope } from './devices.js';
import { noDeviceAtSite, noSuchDevice } from '../status/site-scope.js';
import { fleetDevices, type FleetDevices } from '../fleet/fleet-devices.js';

export function historySource(ctx: CollectorContext, svc: StatusService): HistorySource {
  const writer = ctx.history;
  const deps = { db: ctx.db, devices: fleetDevices(ctx), thresholds: svc.thresholds, nowMs: ctx.nowMs, ...(writer ? { unwritten: (d: string, t: number) => writer.unwritten(d, t) } : {}) };
  const wanted = ctx.config.history.source ?? (ctx.config.prometheusUrl ? 'prometheus' : 'embedded');
  if (wanted === 'prometheus') {
    if (!ctx.config.prometheusUrl) throw new Error('history.source is prometheus but prometheusUrl is not set');
    return new PrometheusHistorySource(ctx.config.prometheusUrl, deps);
  }
  return new EmbeddedHistorySource(deps);
}

function rangeOf(q: unknown, fallback: HistoryRange): HistoryRange {
  const r = (q as { range?: unknown } | undefined)?.range;
  if (r === undefined || r === '') return fallback;
  if (typeof r === 'string' && (historyRanges as readonly string[]).includes(r)) return r as HistoryRange;
  throw new ApiError('invalid_request', [`/range: ${JSON.stringify(r).slice(0, 40)} is not one of ${historyRanges.join(', ')}`], `range must be one of ${historyRanges.join(', ')}`);
}

// A device or site the caller may not see never reaches the first two (collector/status/site-scope.ts).
export async function historyRoutes(app: FastifyInstance, { source, devices, viewScope }: { source: HistorySource; devices: Pick<DeviceStore, 'list'> | FleetDevices; viewScope: ViewScope }): Promise<void> {
  app.get<{ Params: { device: string } }>('/api/v1/history/devices/:device', async (req) => {
    if (!(await viewScope(req))) throw new ApiError('login_required');
    const range = rangeOf(req.query, '24h');
    const h = await source.device(req.params.device, range);
    if (!h) throw noSuchDevice(req.params.device);
    return h;
  });
  app.get<{ Params: { site: string } }>('/api/v1/history/sites/:site/timeline', async (req) => {
    if (!(await viewScope(req))) throw new ApiError('login_required');
    const range = rangeOf(req.query, '24h');
    if (!devices.list().some((d) => d.site === req.params.site)) throw noDeviceAtSite(req.params.site);
    return source.siteTimeline(req.params.site, range);
  });
  app.get('/api/v1/history/sparklines', async (req) => {
    const sees = await viewScope(req);
    if (!sees) throw new ApiError('login_required');
    const site = (req.query as { site?: unknown }).site;
    if (site !== undefined && (typeof site !== 'string' || site.length === 0 || site.length > 64)) throw new ApiError('invalid_request', ['/site: a site name of 1 to 64 characters'], 'site must be a site name');
    const all = await source.sparklines(site as string | undefined);
    const siteOf = new Map(devices.list().map((d) => [d.name, d.site]));
    return { ...all, sparklines: all.sparklines.filter((s) => sees(siteOf.get(s.device) ?? '')) };
  });
}
