/**
 * Key administration over a Storage: what `/admin/keys` and `/admin/usage` do, and what the CLI does when it
 * works on the database directly. Every change to a key is announced on the invalidation channel, so every
 * gateway process drops its cached copy (within a second with Redis; within KEY_CACHE_TTL without).
 */
import { NotFoundError } from '../../spec/errors.js';
import type { Storage } from '../../storage/index.js';
import type { ApiKeyRecord } from '../../storage/key-store.js';
import type { ToolCallFilter, ToolCallListOptions } from '../../storage/tool-call-ledger.js';
import { emptyTotals, keyUsageReport, type UsageGroupBy } from '../../storage/usage-ledger.js';
import {
  type CreditEntryView,
  creditEntryView,
  type KeyView,
  keyView,
  parseCreateKey,
  parseCreditChange,
  parseUpdateKey,
  summaryRowView,
  type TimeRange,
  toolCallRecordView,
  toolCallsView,
  usageRecordView,
  usageReportView,
} from './key-views.js';

export type CreatedKeyView = KeyView & {
  /** The secret: returned by create and rotate only, never again. */
  key: string;
};

export interface UsageQuery extends TimeRange {
  keyId?: string;
  model?: string;
  clientRequestId?: string;
}

export interface ListQuery {
  includeRevoked?: boolean;
  limit?: number;
  offset?: number;
}

export class KeyAdmin {
  constructor(
    private readonly storage: Pick<Storage, 'keys' | 'usage' | 'counters' | 'toolCalls'> &
      Partial<Pick<Storage, 'credits' | 'usageWriter'>>,
    /** Drops a changed key from this process's cache before the admin call answers. */
    private readonly evictLocally?: (keyId: string) => void,
  ) {}

  async create(body: unknown): Promise<CreatedKeyView> {
    const created = await this.storage.keys.create(parseCreateKey(body));
    return { ...keyView(created.key), key: created.plaintext };
  }

  async list(query: ListQuery = {}): Promise<KeyView[]> {
    return Promise.all((await this.storage.keys.list(query)).map((key) => this.#view(key)));
  }

  async get(id: string): Promise<KeyView> {
    return await this.#view(await this.#require(id));
  }

  async update(id: string, body: unknown): Promise<KeyView> {
    const current = await this.#require(id);
    const updated = await this.storage.keys.update(id, parseUpdateKey(body, current.metadata));
    await this.#announce(id);
    return this.#view(updated);
  }

  async rotate(id: string): Promise<CreatedKeyView> {
    const rotated = await this.storage.keys.rotate(id);
    await this.#announce(id);
    return { ...keyView(rotated.key), key: rotated.plaintext };
  }

  async revoke(id: string): Promise<KeyView> {
    const revoked = await this.storage.keys.revoke(id);
    await this.#announce(id);
    return this.#view(revoked);
  }

  /** Adds (negative: deducts) dollars; `{ amount, reason }`. */
  async addCredits(id: string, body: unknown): Promise<CreditEntryView> {
    const { amount, reason } = parseCreditChange(body);
    const entry = await this.storage.keys.addCredits(id, amount, reason);
    await this.#announce(id);
    return creditEntryView(entry);
  }

  /** Sets the balance; the ledger records the difference. */
  async setCredits(id: string, body: unknown): Promise<CreditEntryView> {
    const { amount, reason } = parseCreditChange(body);
    // Charges waiting to be written with their usage rows land first, so the balance is what was set.
    if (this.storage.credits?.deferred === true) await this.storage.usageWriter?.flush();
    const entry = await this.storage.keys.setCredits(id, amount, reason);
    await this.#announce(id);
    return creditEntryView(entry);
  }

  async creditHistory(id: string, options: { limit?: number; beforeId?: number } = {}): Promise<CreditEntryView[]> {
    await this.#require(id);
    return (await this.storage.keys.creditHistory(id, options)).map(creditEntryView);
  }

  /** Totals grouped by any of key, model and day, across keys (filters optional). */
  async usageSummary(query: UsageQuery, groupBy: readonly UsageGroupBy[]) {
    return (await this.storage.usage.summarize(filterOf(query), groupBy)).map(summaryRowView);
  }

  /** Raw ledger rows, newest first. */
  async usageRecords(query: UsageQuery & { limit?: number; before?: { time: number; requestId: string } }) {
    const options = { ...filterOf(query), ...(query.limit === undefined ? {} : { limit: query.limit }) };
    if (query.before !== undefined) Object.assign(options, { before: query.before });
    return (await this.storage.usage.list(options)).map(usageRecordView);
  }

  /** MCP tool-call totals and per server and tool, across keys (filters optional). */
  async toolCallSummary(filter: ToolCallFilter) {
    return { object: 'tool_usage', ...toolCallsView(await this.storage.toolCalls.summarize(filter)) };
  }

  /** MCP tool calls, newest first (`?key_id=&server=&tool=&from=&to=&limit=&before=`). */
  async toolCallRecords(query: ToolCallListOptions) {
    return (await this.storage.toolCalls.list(query)).map(toolCallRecordView);
  }

  /**
   * One key's totals, per model and per day, and its MCP tool calls per tool (`GET /v1/usage`); with no key,
   * the whole gateway's.
   */
  async keyUsage(keyId: string | null, range: TimeRange) {
    const tools = await this.storage.toolCalls.summarize({ ...filterOf(range), ...(keyId === null ? {} : { keyId }) });
    if (keyId !== null)
      return usageReportView(await keyUsageReport(this.storage.usage, keyId, range), keyId, range, tools);
    const filter = filterOf(range);
    const [total, byModel, byDay] = await Promise.all([
      this.storage.usage.summarize(filter, []),
      this.storage.usage.summarize(filter, ['model']),
      this.storage.usage.summarize(filter, ['day']),
    ]);
    const report = {
      total: total[0] ?? emptyTotals(),
      byModel: byModel.map((row) => ({ ...row, model: row.model ?? '' })),
      byDay: byDay.map((row) => ({ ...row, day: row.day ?? '' })),
    };
    return usageReportView(report, null, range, tools);
  }

  /** A stored key with the holds and charges this process has not written yet (see credit-accounts.ts). */
  async #view(key: ApiKeyRecord): Promise<KeyView> {
    return keyView((await this.storage.credits?.current(key)) ?? key);
  }

  async #require(id: string): Promise<ApiKeyRecord> {
    const key = await this.storage.keys.getById(id);
    if (key === undefined) throw new NotFoundError({ message: `No API key with id ${id}`, param: 'id' });
    return key;
  }

  async #announce(id: string): Promise<void> {
    // Local first: the invalidation channel (Redis pub/sub) may deliver to this very process only after the
    // admin call has answered and the client's next request has already read the stale cached key.
    this.evictLocally?.(id);
    await this.storage.counters.publishInvalidation(id).catch(() => {
      // The counter store already falls back to this process; other processes catch up within the key TTL.
    });
  }
}

function filterOf(query: UsageQuery) {
  return {
    ...(query.keyId === undefined ? {} : { keyId: query.keyId }),
    ...(query.model === undefined ? {} : { model: query.model }),
    ...(query.clientRequestId === undefined ? {} : { clientRequestId: query.clientRequestId }),
    ...(query.from === undefined ? {} : { from: query.from }),
    ...(query.to === undefined ? {} : { to: query.to }),
  };
}
