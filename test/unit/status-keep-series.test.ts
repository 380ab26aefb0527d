// The evaluation worker keeps a device's series objects across reports when only values change
// (collector/status/evaluation-engine.ts keepUnchanged): same object, new value; a series whose metric
// or labels differ (or that is new) is the new object.
import { describe, expect, it } from 'vitest';
import { keepUnchanged } from '../../collector/status/evaluation-engine.js';
import { parseLines } from '../../collector/status/exposition-lines.js';

describe('keepUnchanged', () => {
  it('keeps unchanged series objects with their new values, takes the rest as parsed', () => {
    const before = parseLines('a{device="d",site="s"} 1\nb{device="d",site="s",x="1"} 2\nc{device="d",site="s"} 3\n');
    const [a, b, c] = before;
    const after = keepUnchanged(before, parseLines('a{device="d",site="s"} 10\nb{device="d",site="s",x="2"} 20\nc{device="d",site="s",y="1"} 30\nd{device="d",site="s"} 40\n'));
    expect(after[0]).toBe(a);
    expect(after[0]).toEqual({ metric: 'a', labels: { device: 'd', site: 's' }, value: 10 });
    // Another label value, an extra label, a new series: new objects.
    expect(after[1]).not.toBe(b);
    expect(after[1]!.labels).toEqual({ device: 'd', site: 's', x: '2' });
    expect(after[2]).not.toBe(c);
    expect(after[3]).toEqual({ metric: 'd', labels: { device: 'd', site: 's' }, value: 40 });
    // A series with fewer labels than before is new too.
    const fewer = keepUnchanged(after, parseLines('a{device="d"} 1\n'));
    expect(fewer[0]).not.toBe(a);
  });
});
