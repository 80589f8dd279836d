/**
 * Table prefixes and schema names are spliced into SQL text (identifiers cannot be bound parameters), so they
 * are restricted to a safe alphabet here, once.
 */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,40}$/;

export function assertTablePrefix(prefix: string): string {
  if (prefix !== '' && !IDENTIFIER.test(prefix)) {
    throw new RangeError(`Table prefix must match ${IDENTIFIER} (lowercase letters, digits, _), got ${prefix}`);
  }
  return prefix;
}

export function assertSchemaName(schema: string): string {
  if (!IDENTIFIER.test(schema)) throw new RangeError(`Schema name must match ${IDENTIFIER}, got ${schema}`);
  return schema;
}

export const DEFAULT_TABLE_PREFIX = 'lg_';

/** Names of the storage tables for one prefix. */
export interface TableNames {
  migrations: string;
  keys: string;
  reservations: string;
  creditLedger: string;
  usage: string;
  requestLog: string;
  toolCalls: string;
}

export function tableNames(prefix: string, qualify: (table: string) => string = (table) => table): TableNames {
  assertTablePrefix(prefix);
  return {
    migrations: qualify(`${prefix}schema_migrations`),
    keys: qualify(`${prefix}keys`),
    reservations: qualify(`${prefix}reservations`),
    creditLedger: qualify(`${prefix}credit_ledger`),
    usage: qualify(`${prefix}usage`),
    requestLog: qualify(`${prefix}request_log`),
    toolCalls: qualify(`${prefix}tool_calls`),
  };
}
