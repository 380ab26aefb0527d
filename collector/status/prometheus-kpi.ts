// KPI values for exports come from the recording rules (alerts/catalog/kpi.ts) through Prometheus'
// HTTP API — never from a second calculation here. Device without a value: no cell (unknown, not 0).
export const kpiRecords = [
  ['failure_ratio_day', 'stationwatch:device_failure_ratio:avg_1d'],
  ['failure_ratio_week', 'stationwatch:device_failure_ratio:avg_7d'],
  ['failure_ratio_quarter', 'stationwatch:device_failure_ratio:avg_90d'],
] as const;

export type KpiColumn = (typeof kpiRecords)[number][0];

/** device → column → value, evaluated at `atMs`. Throws with Prometheus' own words on failure. */
export async function queryKpis(prometheusUrl: string, atMs: number): Promise<Map<string, Partial<Record<KpiColumn, number>>>> {
  const out = new Map<string, Partial<Record<KpiColumn, number>>>();
  for (const [column, record] of kpiRecords) {
    const url = `${prometheusUrl.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(record)}&time=${atMs / 1000}`;
    let body: { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      body = (await res.json()) as typeof body;
    } catch (err) {
      throw new Error(`Prometheus at ${prometheusUrl} did not answer: ${(err as Error).message}`);
    }
    if (body.status !== 'success') throw new Error(`Prometheus refused the query ${record}: ${body.error ?? 'unknown error'}`);
    // A device may come back as more than one series when the scraped inputs carried extra labels
    // (job, instance); the one labelled by device and site alone is the recording rule's own.
    const labelCount = new Map<string, number>();
    for (const r of body.data?.result ?? []) {
      const device = r.metric.device;
      const value = Number(r.value[1]);
      const n = Object.keys(r.metric).length;
      if (!device || !Number.isFinite(value) || n >= (labelCount.get(device) ?? Infinity)) continue;
      labelCount.set(device, n);
      out.set(device, { ...out.get(device), [column]: value });
    }
  }
  return out;
}
