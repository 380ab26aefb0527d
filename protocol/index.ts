// protocol/: the wire schema between agent and collector, the metric names both sides share (and the
// collector's own, which rules and dashboards read), and the shape of a series.
export * from './report.js';
export * from './metrics.js';
export * from './collector-metrics.js';
export * from './series.js';
