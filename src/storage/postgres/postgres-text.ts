/**
 * Postgres `text` cannot hold U+0000 (SQLite's can), and a parameter carrying one fails its whole statement:
 * a client's NUL in a model name failed every usage batch it was in, and a NUL in an id made lookups 500.
 * Every parameter this client sends has U+0000 replaced by U+FFFD: stored values keep their row, and a lookup
 * for a NUL-bearing id simply finds nothing.
 */
import pg from 'pg';

function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
  if (Array.isArray(value)) return value.some(hasNul) ? value.map(withoutNul) : value;
  return value;
}

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  return Array.isArray(value) && value.some(hasNul);
}

function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') throw new TypeError(`a Postgres array element cannot be a ${typeof value}`);
  let text = value;
  if (text.includes('\\')) text = text.replaceAll('\\', '\\\\');
  if (text.includes('"')) text = text.replaceAll('"', '\\"');
  return `"${text}"`;
}

/**
 * One column of a batch insert as a Postgres array literal (`{"a","b",NULL,3}`), for `unnest($n::type[])`:
 * strings quoted, backslashes and quotes escaped. pg builds the same literal from a JS array, but with two
 * regular-expression replacements on every element, numbers included (decision 0030). A U+0000 stays in the
 * literal: `NulSafeClient` replaces it in every parameter, this one included.
 */
export function postgresArrayLiteral(values: readonly unknown[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) literal += ',';
    literal += arrayElement(values[i]);
  }
  return `${literal}}`;
}

/** A pg Client whose query parameters never carry U+0000 (pass it as a Pool's `Client`). */
export class NulSafeClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query() has a dozen overloads; this only rewrites `values`.
  override query(...args: any[]): any {
    const [config, values] = args;
    if (Array.isArray(values) && values.some(hasNul)) args[1] = values.map(withoutNul);
    else if (
      typeof config === 'object' &&
      config !== null &&
      Array.isArray(config.values) &&
      config.values.some(hasNul)
    )
      args[0] = { ...config, values: config.values.map(withoutNul) };
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    return (super.query as (...rest: any[]) => any)(...args);
  }
}
