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

/**
 * Values found by their label values through one map per label, so a lookup builds no key string (joining the
 * values and hashing the joined string cost more than the update itself; docs/decisions/0015).
 */
export class LabelIndex<T> {
  readonly #root = new Map<string, unknown>();
  #unlabelled: T | undefined;
  /** The values last found and what they found: a request mostly has the labels of the one before (0027). */
  #lastValues: readonly string[] = [];
  #lastItem: T | undefined;

  get(values: readonly string[]): T | undefined {
    if (values.length === 0) return this.#unlabelled;
    if (this.#lastItem !== undefined && sameValues(values, this.#lastValues)) return this.#lastItem;
    let node: unknown = this.#root;
    for (const value of values) {
      node = (node as Map<string, unknown>).get(value);
      if (node === undefined) return undefined;
    }
    this.#lastValues = [...values];
    this.#lastItem = node as T;
    return node as T;
  }

  set(values: readonly string[], item: T): void {
    this.#lastItem = undefined;
    if (values.length === 0) {
      this.#unlabelled = item;
      return;
    }
    let node = this.#root;
    const last = values.length - 1;
    for (let index = 0; index < last; index++) {
      const value = values[index] as string;
      let child = node.get(value) as Map<string, unknown> | undefined;
      if (child === undefined) {
        child = new Map();
        node.set(value, child);
      }
      node = child;
    }
    node.set(values[last] as string, item);
  }
}

function sameValues(values: readonly string[], others: readonly string[]): boolean {
  if (values.length !== others.length) return false;
  for (let index = 0; index < values.length; index++) if (values[index] !== others[index]) return false;
  return true;
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
  readonly #index = new LabelIndex<CounterSeries>();
  /** In creation order, for rendering. */
  readonly #series: CounterSeries[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}

  /** The series of these label values (in `labelNames` order), created on first use. */
  series(...values: string[]): CounterSeries {
    let series = this.#index.get(values);
    if (series === undefined) {
      series = new CounterSeries(labelPairs(this.labelNames, values));
      this.#index.set(values, series);
      this.#series.push(series);
    }
    return series;
  }

  render(): string {
    let samples = '';
    for (const series of this.#series) {
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
  readonly #index = new LabelIndex<HistogramSeries>();
  /** In creation order, for rendering. */
  readonly #series: HistogramSeries[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly bounds: readonly number[],
  ) {}

  series(...values: string[]): HistogramSeries {
    let series = this.#index.get(values);
    if (series === undefined) {
      series = new HistogramSeries(labelPairs(this.labelNames, values), this.bounds);
      this.#index.set(values, series);
      this.#series.push(series);
    }
    return series;
  }

  render(): string {
    const name = this.name;
    let text = '';
    for (const series of this.#series) {
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
