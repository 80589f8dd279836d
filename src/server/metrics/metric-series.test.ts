import { describe, expect, it } from 'vitest';
import { CounterFamily, HistogramFamily, LabelIndex } from './metric-series.js';

describe('metric series', () => {
  it('renders counters in Prometheus text format, escaping label values and leaving unused series out', () => {
    const family = new CounterFamily('demo_total', 'A demo\ncounter with a \\ in its help', ['model', 'route']);
    family.series('a"b\\c\nd', '/x').inc(2);
    family.series('a"b\\c\nd', '/x').inc();
    family.series('unused', '/y');
    expect(family.render()).toMatchInlineSnapshot(`
      "# HELP demo_total A demo\\ncounter with a \\\\ in its help
      # TYPE demo_total counter
      demo_total{model="a\\"b\\\\c\\nd",route="/x"} 3
      "
    `);
    expect(new CounterFamily('empty_total', 'Nothing', []).render()).toBe('');
  });

  it('renders histograms with cumulative buckets (le first), +Inf, sum and count', () => {
    const family = new HistogramFamily('demo_seconds', 'Durations', ['route'], [0.1, 1]);
    const series = family.series('/x');
    for (const value of [0.05, 0.1, 0.5, 3, Number.NaN]) series.observe(value);
    family.series('/never');
    expect(family.render()).toMatchInlineSnapshot(`
      "# HELP demo_seconds Durations
      # TYPE demo_seconds histogram
      demo_seconds_bucket{le="0.1",route="/x"} 2
      demo_seconds_bucket{le="1",route="/x"} 3
      demo_seconds_bucket{le="+Inf",route="/x"} 4
      demo_seconds_sum{route="/x"} 3.65
      demo_seconds_count{route="/x"} 4
      "
    `);
  });

  it('renders a family without labels without braces', () => {
    const family = new HistogramFamily('bare_seconds', 'No labels', [], [1]);
    family.series().observe(2);
    expect(family.render()).toContain(
      'bare_seconds_bucket{le="1"} 0\nbare_seconds_bucket{le="+Inf"} 1\nbare_seconds_sum 2\n',
    );
  });

  it('keeps series apart whose label values would join into the same text, and one series per combination', () => {
    const family = new CounterFamily('joined_total', 'Join', ['a', 'b']);
    family.series('x\u0000y', 'z').inc();
    family.series('x', 'y\u0000z').inc(2);
    family.series('x', 'y\u0000z').inc(3);
    expect(
      family
        .render()
        .split('\n')
        .filter((line) => line.startsWith('joined_total')),
    ).toEqual(['joined_total{a="x\u0000y",b="z"} 1', 'joined_total{a="x",b="y\u0000z"} 5']);
  });

  it('indexes by label values, a prefix of another combination included', () => {
    const index = new LabelIndex<string>();
    expect(index.get([])).toBeUndefined();
    index.set([], 'none');
    index.set(['a', 'b'], 'ab');
    index.set(['a', 'c'], 'ac');
    expect([
      index.get([]),
      index.get(['a', 'b']),
      index.get(['a', 'c']),
      index.get(['a', 'd']),
      index.get(['b', 'b']),
    ]).toEqual(['none', 'ab', 'ac', undefined, undefined]);
  });

  it('answers a repeated lookup from the last one, never with a stale or a neighbouring item', () => {
    // A family's lookups all have its number of labels.
    const index = new LabelIndex<string>();
    index.set(['a', 'b'], 'ab');
    const values = ['a', 'b'];
    expect(index.get(values)).toBe('ab');
    values[1] = 'c';
    expect([index.get(values), index.get(['a', 'b']), index.get(['a', 'c'])]).toEqual([undefined, 'ab', undefined]);
    index.set(['a', 'b'], 'replaced');
    expect(index.get(['a', 'b'])).toBe('replaced');
  });
});
