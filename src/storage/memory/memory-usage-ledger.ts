/** In-memory usage ledger (tests, library use). Linear scans: fine for thousands of rows, not millions. */
import {
  clampListLimit,
  compareSummaryRows,
  dayNumber,
  emptyTotals,
  formatDayNumber,
  refuseCredits,
  type UsageFilter,
  type UsageGroupBy,
  type UsageLedger,
  type UsageListOptions,
  type UsageRecord,
  type UsageSummaryRow,
  validateUsageRecord,
} from '../usage-ledger.js';

export class MemoryUsageLedger implements UsageLedger {
  readonly #rows: UsageRecord[] = [];
  readonly #requestIds = new Set<string>();

  async append(records: readonly UsageRecord[]): Promise<number> {
    for (const record of records) validateUsageRecord(record);
    refuseCredits(records, 'memory');
    let inserted = 0;
    for (const record of records) {
      if (this.#requestIds.has(record.requestId)) continue;
      this.#requestIds.add(record.requestId);
      this.#rows.push(withoutUndefined(record));
      inserted++;
    }
    return inserted;
  }

  async summarize(filter: UsageFilter, groupBy: readonly UsageGroupBy[] = []): Promise<UsageSummaryRow[]> {
    const groups = new Map<string, UsageSummaryRow>();
    for (const row of this.#rows) {
      if (!matches(row, filter)) continue;
      const group: UsageSummaryRow = emptyTotals();
      if (groupBy.includes('key')) group.keyId = row.keyId;
      if (groupBy.includes('model')) group.model = row.model;
      if (groupBy.includes('day')) group.day = formatDayNumber(dayNumber(row.time));
      const id = JSON.stringify([group.keyId, group.model, group.day]);
      const totals = groups.get(id) ?? group;
      groups.set(id, totals);
      totals.requests++;
      totals.promptTokens += row.promptTokens ?? 0;
      totals.completionTokens += row.completionTokens ?? 0;
      totals.cachedTokens += row.cachedTokens ?? 0;
      totals.reasoningTokens += row.reasoningTokens ?? 0;
      totals.cost += row.cost;
      if (row.status >= 400) totals.errors++;
      if (row.cacheHit) totals.cacheHits++;
    }
    if (groups.size === 0 && groupBy.length === 0) return [emptyTotals()];
    return [...groups.values()].sort(compareSummaryRows);
  }

  async list(options: UsageListOptions = {}): Promise<UsageRecord[]> {
    const limit = clampListLimit(options.limit);
    const before = options.before;
    return this.#rows
      .filter((row) => matches(row, options))
      .filter(
        (row) =>
          before === undefined ||
          row.time < before.time ||
          (row.time === before.time && row.requestId < before.requestId),
      )
      .sort((a, b) => b.time - a.time || (a.requestId < b.requestId ? 1 : a.requestId > b.requestId ? -1 : 0))
      .slice(0, limit)
      .map((row) => ({ ...row }));
  }

  async close(): Promise<void> {}
}

function matches(row: UsageRecord, filter: UsageFilter): boolean {
  return (
    (filter.keyId === undefined || row.keyId === filter.keyId) &&
    (filter.clientRequestId === undefined || row.clientRequestId === filter.clientRequestId) &&
    (filter.model === undefined || row.model === filter.model) &&
    (filter.from === undefined || row.time >= filter.from) &&
    (filter.to === undefined || row.time < filter.to)
  );
}

function withoutUndefined(record: UsageRecord): UsageRecord {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as UsageRecord;
}
