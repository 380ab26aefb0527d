// The `age` condition the backup overdue rule is built from, rendered to PromQL. The rule itself is checked by promtool
// (alerts/tests/backup.test.yml) and fired in a real Prometheus (test/integration/backup.test.ts).
import { describe, expect, it } from 'vitest';
import { duration } from '../../alerts/catalog/threshold.js';
import { defineIndicator, type Condition } from '../../alerts/catalog/types.js';
import { renderCondition } from '../../alerts/render-promql.js';
import { resolveThresholds } from '../../alerts/thresholds.js';

const indicator = defineIndicator({ id: 'sample', title: { en: 'Sample', zh: '示例' }, thresholds: { fallback: duration('1h', 'x') }, alerts: [] });
const values = resolveThresholds({}, [indicator]).sample!;
const age: Condition = { kind: 'age', metric: 't', sinceMetric: 's', limitMetric: 'l', matchOn: ['j'], op: '>', fallbackThreshold: 'fallback' };

describe('age condition', () => {
  it('renders time() minus the moment (or the since-moment) against the per-series limit or the fallback', () => {
    expect(renderCondition(age, indicator, values)).toBe(
      'time() - (t or on(device, site, j) s) > on(device, site, j) group_left() ((l > 0) or on(device, site, j) ((t or on(device, site, j) s) * 0 + 3600))',
    );
    const { sinceMetric: _s, ...bare } = age as Extract<Condition, { kind: 'age' }>;
    expect(renderCondition(bare, indicator, values)).toBe('time() - t > on(device, site, j) group_left() ((l > 0) or on(device, site, j) (t * 0 + 3600))');
  });

});
