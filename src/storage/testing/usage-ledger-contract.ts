/** The behaviour every UsageLedger backend must show. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyUsageReport, type UsageLedger, type UsageRecord } from '../usage-ledger.js';

export interface UsageLedgerHarness {
  ledger: UsageLedger;
  cleanup(): Promise<void>;
}

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 5, 10, 23, 0, 0);

export function usageRecord(overrides: Partial<UsageRecord> & { requestId: string }): UsageRecord {
  return {
    time: T0,
    keyId: 'key_a',
    model: 'gpt-4o-mini',
    backend: 'openai:gpt-4o-mini',
    promptTokens: 100,
    completionTokens: 20,
    cost: 27,
    latencyMs: 350,
    status: 200,
    cacheHit: false,
    estimated: false,
    ...overrides,
  };
}

export function describeUsageLedgerContract(name: string, factory: () => Promise<UsageLedgerHarness>): void {
  describe(`${name} usage ledger`, () => {
    let harness: UsageLedgerHarness;
    let ledger: UsageLedger;

    beforeEach(async () => {
      harness = await factory();
      ledger = harness.ledger;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('keeps exactly one row per requestId', async () => {
      const record = usageRecord({ requestId: 'req-1' });
      expect(await ledger.append([record, { ...record, cost: 999 }])).toBe(1);
      expect(await ledger.append([record, usageRecord({ requestId: 'req-2' })])).toBe(1);
      const rows = await ledger.list();
      expect(rows.map((r) => [r.requestId, r.cost])).toEqual([
        ['req-2', 27],
        ['req-1', 27],
      ]);
    });

    it('keeps text exactly, whatever characters it holds', async () => {
      const texts = [
        '"quoted"',
        'back\\slash\\',
        '{braces},commas',
        ' spaced ',
        '',
        'NULL',
        'émoji 🦙',
        '\\"',
        'a\tb\nc',
      ];
      const records = texts.map((text, index) =>
        usageRecord({
          requestId: `text-${index}`,
          time: T0 + index,
          model: text,
          backend: `backend ${text}`,
          errorCode: text,
          clientRequestId: text,
        }),
      );
      expect(await ledger.append(records)).toBe(texts.length);
      const rows = (await ledger.list()).sort((a, b) => a.time - b.time);
      expect(rows.map((row) => [row.model, row.backend, row.errorCode, row.clientRequestId])).toEqual(
        texts.map((text) => [text, `backend ${text}`, text, text]),
      );
    });

    it('keeps every row of requests that share a client request id, and finds them by it', async () => {
      const rows = ['g-1', 'g-2', 'g-3'].map((requestId, index) =>
        usageRecord({ requestId, clientRequestId: 'same', keyId: index === 2 ? 'key_b' : 'key_a' }),
      );
      expect(await ledger.append(rows)).toBe(3);
      expect((await ledger.list({ clientRequestId: 'same', keyId: 'key_a' })).map((row) => row.requestId)).toEqual([
        'g-2',
        'g-1',
      ]);
      expect((await ledger.summarize({ clientRequestId: 'same' }))[0]?.requests).toBe(3);
    });

    it('round-trips every field, keeping unknown counts undefined', async () => {
      const full = usageRecord({
        requestId: 'full',
        clientRequestId: 'client-trace-1',
        reportedCost: 30_000_000,
        keyId: null,
        cachedTokens: 40,
        reasoningTokens: 5,
        ttftMs: 80,
        status: 429,
        errorCode: 'rate_limit_exceeded',
        cacheHit: true,
        estimated: true,
      });
      const sparse: UsageRecord = {
        time: T0 + 1,
        requestId: 'sparse',
        keyId: 'key_b',
        model: 'llama-3.1-8b',
        backend: 'llamagate',
        cost: 0,
        status: 200,
        cacheHit: false,
        estimated: false,
      };
      await ledger.append([full, sparse]);
      const [first, second] = await ledger.list();
      expect(first).toEqual(sparse);
      expect(second).toEqual(full);
    });

    it('rejects invalid records', async () => {
      await expect(ledger.append([usageRecord({ requestId: '' })])).rejects.toThrow(RangeError);
      await expect(ledger.append([usageRecord({ requestId: 'x', promptTokens: -1 })])).rejects.toThrow(RangeError);
      await expect(ledger.append([usageRecord({ requestId: 'y', cost: 1.5 })])).rejects.toThrow(RangeError);
    });

    it('summarizes by key, model and UTC day with filters', async () => {
      await ledger.append([
        usageRecord({ requestId: 'a1', time: T0, cost: 10 }),
        usageRecord({ requestId: 'a2', time: T0 + 2 * 3_600_000, cost: 20, cachedTokens: 50 }),
        usageRecord({ requestId: 'a3', time: T0 + DAY, model: 'claude-3-5-haiku', cost: 30, status: 500 }),
        usageRecord({ requestId: 'a4', time: T0 + DAY, promptTokens: undefined, completionTokens: undefined }),
        usageRecord({ requestId: 'b1', keyId: 'key_b', time: T0, cost: 1000, cacheHit: true }),
        usageRecord({ requestId: 'n1', keyId: null, time: T0, cost: 5 }),
      ]);
      const [total] = await ledger.summarize({});
      expect(total).toEqual({
        requests: 6,
        promptTokens: 500,
        completionTokens: 100,
        cachedTokens: 50,
        reasoningTokens: 0,
        cost: 1092,
        errors: 1,
        cacheHits: 1,
      });
      const byKey = await ledger.summarize({}, ['key']);
      expect(byKey.map((r) => [r.keyId, r.requests, r.cost])).toEqual([
        [null, 1, 5],
        ['key_a', 4, 87],
        ['key_b', 1, 1000],
      ]);
      const byDay = await ledger.summarize({ keyId: 'key_a' }, ['day']);
      expect(byDay.map((r) => [r.day, r.requests, r.cost])).toEqual([
        ['2025-06-10', 1, 10],
        ['2025-06-11', 3, 77],
      ]);
      const byModelDay = await ledger.summarize({ keyId: 'key_a', from: T0 + 1 }, ['model', 'day']);
      expect(byModelDay.map((r) => [r.day, r.model, r.requests])).toEqual([
        ['2025-06-11', 'claude-3-5-haiku', 1],
        ['2025-06-11', 'gpt-4o-mini', 2],
      ]);
      const windowed = await ledger.summarize({ from: T0, to: T0 + DAY, model: 'gpt-4o-mini' });
      expect(windowed[0]?.requests).toBe(4);
      expect(await ledger.summarize({ keyId: 'nobody' })).toEqual([
        {
          requests: 0,
          promptTokens: 0,
          completionTokens: 0,
          cachedTokens: 0,
          reasoningTokens: 0,
          cost: 0,
          errors: 0,
          cacheHits: 0,
        },
      ]);
      expect(await ledger.summarize({ keyId: 'nobody' }, ['model'])).toEqual([]);
    });

    it('reports a key per model and per day', async () => {
      await ledger.append([
        usageRecord({ requestId: 'r1', cost: 10 }),
        usageRecord({ requestId: 'r2', time: T0 + DAY, model: 'gpt-4o', cost: 100 }),
        usageRecord({ requestId: 'r3', keyId: 'key_other', cost: 1 }),
      ]);
      const report = await keyUsageReport(ledger, 'key_a', { from: T0 - DAY, to: T0 + 2 * DAY });
      expect(report.total).toMatchObject({ requests: 2, cost: 110, promptTokens: 200 });
      expect(report.byModel.map((r) => [r.model, r.cost])).toEqual([
        ['gpt-4o', 100],
        ['gpt-4o-mini', 10],
      ]);
      expect(report.byDay.map((r) => [r.day, r.cost])).toEqual([
        ['2025-06-10', 10],
        ['2025-06-11', 100],
      ]);
    });

    it('lists newest first with filters and a keyset cursor', async () => {
      const records = Array.from({ length: 7 }, (_, i) =>
        usageRecord({ requestId: `p${i}`, time: T0 + Math.floor(i / 2) * 1000, model: i === 3 ? 'other' : 'm' }),
      );
      await ledger.append(records);
      const page1 = await ledger.list({ limit: 3 });
      expect(page1.map((r) => r.requestId)).toEqual(['p6', 'p5', 'p4']);
      const last = page1[2];
      if (last === undefined) throw new Error('empty page');
      const page2 = await ledger.list({ limit: 3, before: { time: last.time, requestId: last.requestId } });
      expect(page2.map((r) => r.requestId)).toEqual(['p3', 'p2', 'p1']);
      expect((await ledger.list({ model: 'other' })).map((r) => r.requestId)).toEqual(['p3']);
      expect((await ledger.list({ from: T0 + 1000, to: T0 + 2000 })).map((r) => r.requestId)).toEqual(['p3', 'p2']);
      expect(await ledger.list({ keyId: 'nobody' })).toEqual([]);
    });
  });
}
