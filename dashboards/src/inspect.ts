// Reading generated dashboard JSON back: every PromQL query with where it sits (for tests that run
// them against a real Prometheus), and the structural problems Grafana would only show at run time
// (duplicate panel ids, datasource uids nobody provisioned, template variables nobody defined, links
// to dashboards that do not exist).

export interface DashboardQuery {
  readonly dashboard: string;
  /** Panel title, `annotation: <name>` or `variable: <name>`. */
  readonly where: string;
  readonly refId: string;
  readonly expr: string;
  /** Instant (tables, stats) or range (time series, annotations). */
  readonly instant: boolean;
}

interface Json {
  [key: string]: unknown;
}

const asArray = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** Panels in reading order, rows' nested panels included. */
export function allPanels(dashboard: Json): Json[] {
  const out: Json[] = [];
  const visit = (panels: Json[]) => {
    for (const p of panels) {
      out.push(p);
      visit(asArray(p.panels));
    }
  };
  visit(asArray(dashboard.panels));
  return out;
}

export function extractQueries(dashboard: Json): DashboardQuery[] {
  const name = String(dashboard.uid);
  const queries: DashboardQuery[] = [];
  for (const panel of allPanels(dashboard)) {
    for (const t of asArray(panel.targets)) {
      if (typeof t.expr === 'string') queries.push({ dashboard: name, where: String(panel.title), refId: String(t.refId), expr: t.expr, instant: t.instant === true });
    }
  }
  for (const a of asArray((dashboard.annotations as Json | undefined)?.list)) {
    const expr = a.expr ?? (a.target as Json | undefined)?.expr;
    if (typeof expr === 'string') queries.push({ dashboard: name, where: `annotation: ${String(a.name)}`, refId: 'Anno', expr, instant: false });
  }
  return queries;
}

/** `label_values(selector, label)` variable queries, which Grafana answers from the label API. */
export function variableQueries(dashboard: Json): { name: string; selector: string; label: string }[] {
  return asArray((dashboard.templating as Json | undefined)?.list).flatMap((v) => {
    const match = typeof v.query === 'string' ? /^label_values\((.+),\s*(\w+)\)$/.exec(v.query) : null;
    return match ? [{ name: String(v.name), selector: match[1]!, label: match[2]! }] : [];
  });
}

/** Grafana's own variables that a query may use without defining them. */
export const builtinVariables = new Set(['__rate_interval', '__interval', '__interval_ms', '__range', '__range_s', '__range_ms', '__all', '__url_time_range', '__data', '__value', '__field', '__series']);

const variableUse = /\$\{(\w+)(?:[.:][^}]*)?\}|\$(\w+)|\[\[(\w+)\]\]/g;

export function usedVariables(text: string): string[] {
  return [...text.matchAll(variableUse)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

/** Every datasource reference in the dashboard (panels, queries, annotations, variables). */
function datasourceRefs(dashboard: Json): { where: string; uid: unknown }[] {
  const refs: { where: string; uid: unknown }[] = [];
  for (const p of allPanels(dashboard)) {
    if (p.datasource) refs.push({ where: `panel "${String(p.title)}"`, uid: (p.datasource as Json).uid });
    for (const t of asArray(p.targets)) refs.push({ where: `panel "${String(p.title)}" query ${String(t.refId)}`, uid: (t.datasource as Json | undefined)?.uid });
  }
  for (const a of asArray((dashboard.annotations as Json | undefined)?.list)) refs.push({ where: `annotation "${String(a.name)}"`, uid: (a.datasource as Json | undefined)?.uid });
  for (const v of asArray((dashboard.templating as Json | undefined)?.list)) refs.push({ where: `variable "${String(v.name)}"`, uid: (v.datasource as Json | undefined)?.uid });
  return refs;
}

/** Problems in one dashboard; `dashboardUids` are the uids a link may point to. */
export function structuralProblems(dashboard: Json, datasourceUids: ReadonlySet<string>, dashboardUids: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const name = String(dashboard.uid);
  const ids = new Map<unknown, string>();
  for (const p of allPanels(dashboard)) {
    const title = String(p.title);
    if (typeof p.id !== 'number') problems.push(`${name}: panel "${title}" has no numeric id`);
    else if (ids.has(p.id)) problems.push(`${name}: panel id ${p.id} is used by "${ids.get(p.id)}" and "${title}"`);
    else ids.set(p.id, title);
    const grid = p.gridPos as { x: number; w: number } | undefined;
    if (!grid || grid.x + grid.w > 24) problems.push(`${name}: panel "${title}" lies outside the 24-column grid`);
    const targets = asArray(p.targets);
    if (p.type !== 'row' && targets.length === 0) problems.push(`${name}: panel "${title}" has no query`);
    const refIds = targets.map((t) => t.refId);
    if (new Set(refIds).size !== refIds.length || refIds.some((r) => typeof r !== 'string')) problems.push(`${name}: panel "${title}" has missing or repeated refIds ${JSON.stringify(refIds)}`);
  }
  for (const ref of datasourceRefs(dashboard)) {
    if (typeof ref.uid !== 'string' || !datasourceUids.has(ref.uid)) problems.push(`${name}: ${ref.where} uses datasource uid ${JSON.stringify(ref.uid)}, which is not provisioned`);
  }
  const defined = new Set(asArray((dashboard.templating as Json | undefined)?.list).map((v) => String(v.name)));
  const text = JSON.stringify(dashboard);
  for (const q of [...extractQueries(dashboard).map((x) => x.expr), ...variableQueries(dashboard).map((v) => v.selector)]) {
    for (const v of usedVariables(q)) if (!defined.has(v) && !builtinVariables.has(v)) problems.push(`${name}: query ${q} uses $${v}, which is not defined`);
  }
  for (const link of text.matchAll(/\/d\/([\w-]+)/g)) {
    if (!dashboardUids.has(link[1]!)) problems.push(`${name}: links to /d/${link[1]}, which is not generated`);
  }
  return problems;
}

/** A query as Grafana would send it, with the variables replaced by the given values. */
export function substitute(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(variableUse, (whole, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c)!;
    const value = values[name];
    if (value === undefined) throw new Error(`no value to substitute for $${name} in ${expr}`);
    return value;
  });
}
