/**
 * Counters and histograms for the per-request hot path, rendered in Prometheus text format at scrape time.
 * A series is resolved once per label combination and then updated with plain number arithmetic: prom-client
 * validates and hashes the labels on every `inc`/`observe`, which cost more than everything else a request's
 * metrics do (docs/decisions/0009-metric-series.md).
 */

/** A label value as the exposition format quotes it. */
function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (character) => (character === '\n' ? '\\n' : `\\${character}`));
}

function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (character) => (character === '\n' ? '\\n' : '\\\\'));
}

/** `name="value",…` for one series, in the family's label order. */
function labelPairs(names: readonly string[], values: readonly string[]): string {
  return names.map((name, index) => `${name}="${escapeLabelValue(values[index] ?? '')}"`).join(',');
}

function braces(pairs: string): string {
  return pairs === '' ? '' : `{${pairs}}`;
}

export interface MetricFamily {
  /** The family's lines (HELP, TYPE, samples), each ending in a newline; series never updated are left out. */
  render(): string;
}

export class CounterSeries {
  value = 0;
  constructor(readonly labels: string) {}

  inc(amount = 1): void {
    this.value += amount;
  }
}

export class CounterFamily implements MetricFamily {
  readonly #series = new Map<string, CounterSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}

  /** The series of these label values (in `labelNames` order), created on first use. */
  series(...values: string[]): CounterSeries {
    const key = values.join('\u0000');
    let series = this.#series.get(key);
    if (series === undefined) {
      series = new CounterSeries(labelPairs(this.labelNames, values));
      this.#series.set(key, series);
    }
    return series;
  }

  render(): string {
    let samples = '';
    for (const series of this.#series.values()) {
      if (series.value !== 0) samples += `${this.name}${braces(series.labels)} ${series.value}\n`;
    }
    if (samples === '') return '';
    return `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} counter\n${samples}`;
  }
}

export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: string,
    readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let index = 0;
    while (index < bounds.length && value > (bounds[index] as number)) index++;
    this.counts[index] = (this.counts[index] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

export class HistogramFamily implements MetricFamily {
  readonly #series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly bounds: readonly number[],
  ) {}

  series(...values: string[]): HistogramSeries {
    const key = values.join('\u0000');
    let series = this.#series.get(key);
    if (series === undefined) {
      series = new HistogramSeries(labelPairs(this.labelNames, values), this.bounds);
      this.#series.set(key, series);
    }
    return series;
  }

  render(): string {
    const name = this.name;
    let text = '';
    for (const series of this.#series.values()) {
      if (series.count === 0) continue;
      const rest = series.labels === '' ? '' : `,${series.labels}`;
      let cumulative = 0;
      for (const [index, bound] of this.bounds.entries()) {
        cumulative += series.counts[index] as number;
        text += `${name}_bucket{le="${bound}"${rest}} ${cumulative}\n`;
      }
      text += `${name}_bucket{le="+Inf"${rest}} ${series.count}\n`;
      text += `${name}_sum${braces(series.labels)} ${series.sum}\n`;
      text += `${name}_count${braces(series.labels)} ${series.count}\n`;
    }
    if (text === '') return '';
    return `# HELP ${name} ${escapeHelp(this.help)}\n# TYPE ${name} histogram\n${text}`;
  }
}
