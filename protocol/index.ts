// protocol/: the wire schema between agent and collector, and the metric names both sides share.
export * from './report.js';
export * from './metrics.js';
