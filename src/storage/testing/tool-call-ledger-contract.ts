/** The behaviour every ToolCallLedger backend must show. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ToolCallLedger, ToolCallUsageRecord } from '../tool-call-ledger.js';

export interface ToolCallLedgerHarness {
  ledger: ToolCallLedger;
  cleanup(): Promise<void>;
}

const T0 = Date.UTC(2025, 5, 10, 12, 0, 0);

export function toolCallRecord(overrides: Partial<ToolCallUsageRecord> & { id: string }): ToolCallUsageRecord {
  return {
    time: T0,
    requestId: 'req-1',
    keyId: 'key_a',
    server: 'fs',
    tool: 'read_file',
    source: 'chat',
    durationMs: 12,
    outcome: 'ok',
    bytes: 300,
    cost: 10_000,
    ...overrides,
  };
}

export function describeToolCallLedgerContract(name: string, factory: () => Promise<ToolCallLedgerHarness>): void {
  describe(`${name} tool-call ledger`, () => {
    let harness: ToolCallLedgerHarness;
    let ledger: ToolCallLedger;

    beforeEach(async () => {
      harness = await factory();
      ledger = harness.ledger;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('keeps one row per id and round-trips every field', async () => {
      const record = toolCallRecord({ id: 'call-1', requestId: null, keyId: null, source: 'hub' });
      expect(await ledger.append([record, { ...record, cost: 1 }])).toBe(1);
      expect(await ledger.append([record])).toBe(0);
      expect(await ledger.list()).toEqual([record]);
    });

    it('totals per server and tool (errors: every outcome but ok), filtered by key and time', async () => {
      await ledger.append([
        toolCallRecord({ id: 'a', time: T0 }),
        toolCallRecord({ id: 'b', time: T0 + 1, durationMs: 8, bytes: 100 }),
        toolCallRecord({ id: 'c', time: T0 + 2, outcome: 'tool_error', cost: 0, bytes: 20 }),
        toolCallRecord({ id: 'd', time: T0 + 3, tool: 'write_file', outcome: 'denied', cost: 0, bytes: 0 }),
        toolCallRecord({ id: 'e', time: T0 + 4, server: 'memory', tool: 'read_graph', keyId: 'key_b' }),
      ]);
      expect(await ledger.summarize({ keyId: 'key_a' })).toEqual([
        { server: 'fs', tool: 'read_file', calls: 3, errors: 1, cost: 20_000, durationMs: 32, bytes: 420 },
        { server: 'fs', tool: 'write_file', calls: 1, errors: 1, cost: 0, durationMs: 12, bytes: 0 },
      ]);
      expect(await ledger.summarize({ from: T0 + 3 })).toEqual([
        { server: 'fs', tool: 'write_file', calls: 1, errors: 1, cost: 0, durationMs: 12, bytes: 0 },
        { server: 'memory', tool: 'read_graph', calls: 1, errors: 0, cost: 10_000, durationMs: 12, bytes: 300 },
      ]);
      expect(await ledger.summarize({ keyId: 'key_none' })).toEqual([]);
    });

    it('lists newest first in keyset pages, filtered by server and tool', async () => {
      await ledger.append([
        toolCallRecord({ id: 'a', time: T0 }),
        toolCallRecord({ id: 'b', time: T0 }),
        toolCallRecord({ id: 'c', time: T0 + 1 }),
        toolCallRecord({ id: 'd', time: T0 + 2, server: 'memory' }),
      ]);
      const first = await ledger.list({ server: 'fs', limit: 2 });
      expect(first.map((row) => row.id)).toEqual(['c', 'b']);
      const last = first.at(-1) as ToolCallUsageRecord;
      const second = await ledger.list({ server: 'fs', before: { time: last.time, id: last.id } });
      expect(second.map((row) => row.id)).toEqual(['a']);
      expect((await ledger.list({ tool: 'nope' })).length).toBe(0);
    });

    it('rejects a record no backend should store', async () => {
      await expect(ledger.append([toolCallRecord({ id: 'neg', cost: -1 })])).rejects.toThrow(RangeError);
    });
  });
}
