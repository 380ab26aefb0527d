// Panel factories with the house defaults, so dashboard modules only say what differs: the provisioned
// datasource on panel and query, a legend, gaps left as gaps (a sensor that stopped reporting is not
// joined across, and nothing is filled with 0), and an honest "no data" text. Panel ids and query
// refIds are assigned when the dashboard is finished (index.ts), not here.
import type { Text } from '../../alerts/catalog/types.js';
import { BigValueColorMode, BigValueGraphMode, GraphThresholdsStyleConfigBuilder, GraphThresholdsStyleMode, LegendDisplayMode, LegendPlacement, ReduceDataOptionsBuilder, TableCellDisplayMode, VizLegendOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { MappingType, ThresholdsConfigBuilder, ThresholdsMode, type DataTransformerConfig, type DynamicConfigValue, type ValueMapping } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { prometheus, type Ctx } from './context.js';

export interface Query {
  readonly expr: string;
  /** Legend, e.g. `{{device}} {{target}}`. */
  readonly legend?: string;
}

/** Threshold steps: the base colour, then `[value, colour]` from low to high. */
export interface Steps {
  readonly base: string;
  readonly steps: readonly (readonly [number, string])[];
}

/** Higher is worse: green, then yellow from `warn`, red from `critical`. */
export const higherIsWorse = (warn: number, critical?: number): Steps => ({
  base: 'green',
  steps: critical === undefined ? [[warn, 'red']] : [[warn, 'yellow'], [critical, 'red']],
});

/** Lower is worse (supplies, success rates): red below `limit`, green from it. */
export const lowerIsWorse = (limit: number): Steps => ({ base: 'red', steps: [[limit, 'green']] });

export interface PanelOptions {
  readonly title: Text;
  readonly description?: Text;
  readonly unit?: string;
  readonly span?: number;
  readonly height?: number;
  readonly thresholds?: Steps;
  readonly min?: number;
  readonly max?: number;
  readonly mappings?: ValueMapping[];
  /** What an empty result means here; default "no data". */
  readonly noValue?: Text;
}

export const noData: Text = { en: 'no data', zh: '无数据' };
/** For sensors a device may lack: absent is "not measured", never 0. */
export const notMeasured: Text = { en: 'not measured on this device', zh: '此设备未测量' };

function thresholdsOf(s: Steps): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([{ value: null as unknown as number, color: s.base }, ...s.steps.map(([value, color]) => ({ value, color }))]);
}

function query(q: Query, instant: boolean, table: boolean): DataqueryBuilder {
  const b = new DataqueryBuilder().datasource(prometheus).expr(q.expr);
  if (q.legend !== undefined) b.legendFormat(q.legend);
  if (instant) b.instant();
  else b.range();
  if (table) b.format(PromQueryFormat.Table);
  return b;
}

type AnyPanel = TimeseriesBuilder | StatBuilder | TableBuilder;

function common<P extends AnyPanel>(ctx: Ctx, panel: P, o: PanelOptions): P {
  panel.title(ctx.tr(o.title)).datasource(prometheus).span(o.span ?? 12).height(o.height ?? 8).noValue(ctx.tr(o.noValue ?? noData));
  if (o.description) panel.description(ctx.tr(o.description));
  if (o.unit) panel.unit(o.unit);
  if (o.thresholds) panel.thresholds(thresholdsOf(o.thresholds));
  if (o.min !== undefined) panel.min(o.min);
  if (o.max !== undefined) panel.max(o.max);
  if (o.mappings) panel.mappings(o.mappings);
  return panel;
}

export function timeseries(ctx: Ctx, o: PanelOptions & { queries: readonly Query[] }): TimeseriesBuilder {
  const p = common(ctx, new TimeseriesBuilder(), o)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom))
    // A gap is a gap: a device that was off is not drawn as a straight line across the night.
    .spanNulls(false)
    .fillOpacity(10);
  if (o.thresholds) p.thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
  for (const q of o.queries) p.withTarget(query(q, false, false));
  return p;
}

export function stat(ctx: Ctx, o: PanelOptions & { queries: readonly Query[]; colorBackground?: boolean }): StatBuilder {
  const p = common(ctx, new StatBuilder(), { span: 4, height: 4, ...o })
    .graphMode(BigValueGraphMode.None)
    .colorMode(o.colorBackground ? BigValueColorMode.Background : BigValueColorMode.Value)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
  for (const q of o.queries) p.withTarget(query(q, true, false));
  return p;
}

export interface TableOptions extends PanelOptions {
  readonly queries: readonly Query[];
  readonly transformations?: DataTransformerConfig[];
  /** Per column: `[field name, properties]`. */
  readonly columns?: readonly (readonly [string, DynamicConfigValue[]])[];
  /** Colour cells by thresholds or value mappings. */
  readonly colored?: boolean;
}

/** Instant queries in table format, one row per series. */
export function table(ctx: Ctx, o: TableOptions): TableBuilder {
  const p = common(ctx, new TableBuilder(), { height: 9, ...o }).filterable(true);
  if (o.colored) p.cellOptions({ type: TableCellDisplayMode.ColorBackground });
  for (const q of o.queries) p.withTarget(query(q, true, true));
  for (const t of o.transformations ?? []) p.withTransformation(t);
  for (const [name, properties] of o.columns ?? []) p.overrideByName(name, properties);
  return p;
}

/** Value → text and colour, e.g. 1/0 states. */
export function valueText(entries: readonly (readonly [number | string, Text | string, string])[], ctx: Ctx): ValueMapping[] {
  return [
    {
      type: MappingType.ValueToText,
      options: Object.fromEntries(entries.map(([value, text, color], index) => [String(value), { text: typeof text === 'string' ? text : ctx.tr(text), color, index }])),
    },
  ];
}

/** Columns every Prometheus table result has that say nothing to a reader. */
export const plumbing = ['Time', 'job', 'instance', '__name__'];

/** Hides columns. Renaming is done per column with a displayName override, so overrides keep matching. */
export function hide(fields: readonly string[] = plumbing): DataTransformerConfig {
  return { id: 'organize', options: { excludeByName: Object.fromEntries(fields.map((f) => [f, true])) } };
}

/** A column override: its heading plus any further properties. */
export function column(ctx: Ctx, field: string, heading: Text | undefined, ...properties: DynamicConfigValue[]): readonly [string, DynamicConfigValue[]] {
  return [field, [...(heading ? [{ id: 'displayName', value: ctx.tr(heading) }] : []), ...properties]];
}

/** Several instant table queries joined into one row per shared label set (device, site, …). */
export const merge: DataTransformerConfig = { id: 'merge', options: {} };
