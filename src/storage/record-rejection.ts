/**
 * Whether a failed append was refused because of what a record holds (a value the database cannot store), as
 * opposed to the database being unreachable, busy or full. Only the first kind is worth isolating: retrying
 * the same record would fail forever and hold up every record behind it.
 */
const SQLITE_RECORD_CODES = /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/;

export function isRecordRejection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (SQLITE_RECORD_CODES.test(code)) return true;
  // Postgres SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation).
  return /^2[23][0-9A-Z]{3}$/.test(code);
}
