// GET /export — a form; GET /export/<devices|events|inspections>.csv?from=YYYY-MM-DD&to=YYYY-MM-DD —
// spreadsheet files for the period (days in the collector's time zone, `to` included). The devices
// file has inventory and current badge states, plus the KPI recording rules' values at the end of
// the period when prometheusUrl is configured. Viewing rights suffice.
import type { FastifyInstance } from 'fastify';
import { m } from '../../protocol/metrics.js';
import { ApiError } from '../errors.js';
import { toCsv, type Cell } from '../status/csv.js';
import { html } from '../status/html.js';
import { kpiRecords, queryKpis } from '../status/prometheus-kpi.js';
import { authorize, rememberLang } from '../status/request-auth.js';
import { refuse, sendPage } from '../status/respond.js';
import type { StatusService } from '../status/service.js';
import { scopedSnapshot, seesSite } from '../status/site-scope.js';
import { fleetSnapshot, holderOf } from '../fleet/fleet-snapshot.js';

const day = /^(\d{4})-(\d{2})-(\d{2})$/;

/** [from, to) in epoch ms; the default period is the last 30 days. */
export function parsePeriod(q: { from?: string; to?: string }, nowMs: number): { fromMs: number; toMs: number } | { problems: string[] } {
  const problems: string[] = [];
  const parse = (s: string | undefined, name: string, plusDay: boolean): number | undefined => {
    if (s === undefined || s === '') return undefined;
    const mt = day.exec(s);
    const [y, mo, d] = mt ? [Number(mt[1]), Number(mt[2]) - 1, Number(mt[3])] : [0, 0, 0];
    const date = new Date(y, mo, d);
    // Date rolls 2026-02-30 over into March: a date that does not come back unchanged is no date.
    if (!mt || date.getFullYear() !== y || date.getMonth() !== mo || date.getDate() !== d) {
      problems.push(`/${name}: "${s}" is not a date written YYYY-MM-DD`);
      return undefined;
    }
    return plusDay ? new Date(y, mo, d + 1).getTime() : date.getTime();
  };
  const toMs = parse(q.to, 'to', true) ?? nowMs;
  const fromMs = parse(q.from, 'from', false) ?? toMs - 30 * 86_400_000;
  if (problems.length === 0 && fromMs >= toMs) problems.push('/from: the period must start before it ends');
  return problems.length > 0 ? { problems } : { fromMs, toMs };
}

const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

export async function exportRoutes(app: FastifyInstance, { svc }: { svc: StatusService }): Promise<void> {
  app.get('/export', async (req, reply) => {
    const gate = await authorize(svc, req, 'view', reply);
    if (!gate.ok) return refuse(req, reply, gate.caller, gate.status);
    rememberLang(req, reply);
    const { t } = gate.caller;
    const today = new Date(svc.ctx.nowMs());
    const ymd = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    const body = html`<h2>${t('exportTitle')}</h2><p>${t('exportHint')}</p>
<form method="get" action="/export/devices.csv" id="export-form">
<label for="from">${t('from')}</label><input id="from" name="from" type="date" value="${ymd(new Date(today.getTime() - 30 * 86_400_000))}">
<label for="to">${t('to')}</label><input id="to" name="to" type="date" value="${ymd(today)}">
<p><button type="submit" formaction="/export/devices.csv">${t('download')}: ${t('exportDevices')}</button></p>
<p><button type="submit" formaction="/export/events.csv">${t('download')}: ${t('exportEvents')}</button></p>
<p><button type="submit" formaction="/export/inspections.csv">${t('download')}: ${t('exportInspections')}</button></p></form>`;
    return sendPage(req, reply, gate.caller, t('exportTitle'), body);
  });

  app.get<{ Params: { kind: string }; Querystring: { from?: string; to?: string } }>('/export/:kind', async (req, reply) => {
    const gate = await authorize(svc, req, 'view');
    if (!gate.ok) throw new ApiError('login_required');
    const period = parsePeriod(req.query, svc.ctx.nowMs());
    if ('problems' in period) throw new ApiError('invalid_request', period.problems);
    const { fromMs, toMs } = period;
    let header: string[];
    let rows: Cell[][];
    switch (req.params.kind) {
      case 'devices.csv': {
        const snap = scopedSnapshot(await fleetSnapshot(svc), gate.caller);
        let kpis: Awaited<ReturnType<typeof queryKpis>> | undefined;
        if (svc.ctx.config.prometheusUrl) {
          try {
            kpis = await queryKpis(svc.ctx.config.prometheusUrl, Math.min(toMs, svc.ctx.nowMs()));
          } catch (err) {
            throw new ApiError('upstream_failed', undefined, (err as Error).message);
          }
        }
        const infoKeys = ['manufacturer', 'model', 'serial', 'os', 'os_version'];
        header = ['device', 'site', 'kind', 'reporting', 'last_report', ...infoKeys, ...svc.indicators.map((i) => `state_${i.id}`), ...(kpis ? kpiRecords.map(([c]) => c) : []), ...(snap.fleet ? ['collector'] : [])];
        rows = snap.devices.map((d) => {
          const info = d.device.info ?? {};
          const k = kpis?.get(d.device.name) ?? {};
          return [d.device.name, d.device.site, d.device.kind, d.reporting ? 1 : 0, iso(d.device.receivedAtMs), ...infoKeys.map((x) => info[x]), ...d.badges.map((b) => b.state), ...(kpis ? kpiRecords.map(([c]) => k[c]) : []), ...(snap.fleet ? [holderOf(snap, d.device.name)!.name] : [])];
        });
        break;
      }
      case 'events.csv':
        header = ['time', 'device', 'site', 'indicator', 'from', 'to', 'alerts'];
        rows = (await svc.events.between(fromMs, toMs)).filter((e) => seesSite(gate.caller.user, e.site)).map((e) => [iso(e.atMs), e.device, e.site, e.indicator, e.from, e.to, e.detail.alerts.map((a) => `${a.alert}=${Number(a.value.toPrecision(4))}`).join('; ')]);
        break;
      case 'inspections.csv':
        header = ['time', 'device', 'site', 'user', 'result', 'note'];
        rows = (await svc.inspections.between(fromMs, toMs)).filter((i) => seesSite(gate.caller.user, i.site)).map((i) => [iso(i.atMs), i.device, i.site, i.user, i.result, i.note]);
        break;
      default:
        throw new ApiError('not_found', undefined, 'exports: devices.csv, events.csv, inspections.csv');
    }
    const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const name = `stationwatch-${req.params.kind.replace(/\.csv$/, '')}-${stamp(fromMs)}-${stamp(toMs - 1)}.csv`;
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store').send(toCsv(header, rows));
  });
}
