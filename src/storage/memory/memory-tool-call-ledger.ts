/** In-memory tool-call ledger (tests, library use, a gateway without a database). Linear scans. */
import {
  compareToolRows,
  emptyToolCallTotals,
  type ToolCallFilter,
  type ToolCallLedger,
  type ToolCallListOptions,
  type ToolCallSummaryRow,
  type ToolCallUsageRecord,
  validateToolCallRecord,
} from '../tool-call-ledger.js';
import { clampListLimit } from '../usage-ledger.js';

export class MemoryToolCallLedger implements ToolCallLedger {
  readonly #rows: ToolCallUsageRecord[] = [];
  readonly #ids = new Set<string>();

  async append(records: readonly ToolCallUsageRecord[]): Promise<number> {
    for (const record of records) validateToolCallRecord(record);
    let inserted = 0;
    for (const record of records) {
      if (this.#ids.has(record.id)) continue;
      this.#ids.add(record.id);
      this.#rows.push({ ...record });
      inserted++;
    }
    return inserted;
  }

  async summarize(filter: ToolCallFilter): Promise<ToolCallSummaryRow[]> {
    const groups = new Map<string, ToolCallSummaryRow>();
    for (const row of this.#rows) {
      if (!matches(row, filter)) continue;
      const id = `${row.server}\u0000${row.tool}`;
      const group = groups.get(id) ?? { server: row.server, tool: row.tool, ...emptyToolCallTotals() };
      groups.set(id, group);
      group.calls++;
      if (row.outcome !== 'ok') group.errors++;
      group.cost += row.cost;
      group.durationMs += row.durationMs;
      group.bytes += row.bytes;
    }
    return [...groups.values()].sort(compareToolRows);
  }

  async list(options: ToolCallListOptions = {}): Promise<ToolCallUsageRecord[]> {
    const before = options.before;
    return this.#rows
      .filter((row) => matches(row, options))
      .filter(
        (row) => before === undefined || row.time < before.time || (row.time === before.time && row.id < before.id),
      )
      .sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, clampListLimit(options.limit))
      .map((row) => ({ ...row }));
  }

  async close(): Promise<void> {}
}

function matches(row: ToolCallUsageRecord, filter: ToolCallFilter): boolean {
  return (
    (filter.keyId === undefined || row.keyId === filter.keyId) &&
    (filter.server === undefined || row.server === filter.server) &&
    (filter.tool === undefined || row.tool === filter.tool) &&
    (filter.from === undefined || row.time >= filter.from) &&
    (filter.to === undefined || row.time < filter.to)
  );
}
