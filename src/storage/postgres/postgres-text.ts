/**
 * Postgres `text` cannot hold U+0000 (SQLite's can). A value from a client (a model name, an error message that
 * quotes one) is stored with U+FFFD in its place, so one request's NUL never fails a whole batch of ledger rows.
 */
export function postgresText(value: unknown): unknown {
  return typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}
