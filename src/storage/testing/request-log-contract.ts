/** The behaviour every RequestLog backend must show. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RequestLog, RequestLogQuery, RequestLogRecord } from '../request-log.js';
import { RequestLogRetention } from '../request-log-retention.js';

export interface RequestLogHarness {
  log: RequestLog;
  cleanup(): Promise<void>;
}

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

export function requestLogRecord(overrides: Partial<RequestLogRecord> & { id: string }): RequestLogRecord {
  return {
    time: T0,
    keyId: 'key_a',
    route: '/v1/chat/completions',
    format: 'openai-chat',
    model: 'gpt-4o-mini',
    backend: 'openai',
    status: 200,
    errorType: null,
    errorCode: null,
    latencyMs: 120,
    ttfcMs: null,
    stream: false,
    cache: null,
    usage: { inputTokens: 10, outputTokens: 5 },
    cost: 42,
    attempts: [
      { backend: 'openai', model: 'gpt-4o-mini', status: 200, latencyMs: 110, errorCode: null, errorMessage: null },
    ],
    requestBody: null,
    responseBody: null,
    ...overrides,
  };
}

export function describeRequestLogContract(name: string, factory: () => Promise<RequestLogHarness>): void {
  describe(`${name} request log`, () => {
    let harness: RequestLogHarness;
    let log: RequestLog;
    const ids = async (query: RequestLogQuery = {}) => (await log.list(query)).records.map((record) => record.id);

    beforeEach(async () => {
      harness = await factory();
      log = harness.log;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('round-trips a record with its attempt trail and bodies; a page leaves the bodies out', async () => {
      const record = requestLogRecord({
        id: 'full',
        clientRequestId: 'client-trace-1',
        keyId: null,
        status: 502,
        errorType: 'provider_error',
        errorCode: 'all_providers_failed',
        ttfcMs: 33,
        stream: true,
        cache: 'miss',
        usage: { inputTokens: 7, outputTokens: 3, cachedTokens: 2, reasoningTokens: 1, estimated: true },
        cost: null,
        attempts: [
          {
            backend: 'a',
            model: 'm1',
            status: 503,
            latencyMs: 12,
            errorCode: 'service_unavailable',
            errorMessage: 'down',
          },
          {
            backend: 'b',
            model: 'm2',
            status: null,
            latencyMs: 5000,
            errorCode: 'upstream_timeout',
            errorMessage: 'slow',
          },
        ],
        requestBody: '{"model":"m"}',
        responseBody: '{"error":{}}',
      });
      expect(await log.append([record, { ...record, status: 200 }])).toBe(1);
      expect(await log.append([record])).toBe(0);
      expect(await log.get('full')).toEqual(record);
      const page = await log.list();
      expect(page).toEqual({ records: [{ ...record, requestBody: null, responseBody: null }], nextCursor: null });
      expect(await log.get('missing')).toBeUndefined();
    });

    it('filters by time, key, model, backend, status (code and class), error type and latency', async () => {
      await log.append([
        requestLogRecord({ id: 'r1', time: T0 }),
        requestLogRecord({ id: 'r2', time: T0 + 1000, keyId: 'key_b', model: 'claude', backend: 'anthropic' }),
        requestLogRecord({ id: 'r3', time: T0 + 2000, status: 429, errorType: 'policy_rate_limited' }),
        requestLogRecord({ id: 'r4', time: T0 + 3000, status: 502, errorType: 'provider_error', latencyMs: 900 }),
        requestLogRecord({ id: 'r5', time: T0 + 4000, status: 503, errorType: 'provider_unavailable', keyId: null }),
      ]);
      expect(await ids()).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
      expect(await ids({ from: T0 + 1000, to: T0 + 3000 })).toEqual(['r3', 'r2']);
      expect(await ids({ keyId: 'key_b' })).toEqual(['r2']);
      expect(await ids({ model: 'claude' })).toEqual(['r2']);
      expect(await ids({ backend: 'anthropic' })).toEqual(['r2']);
      expect(await ids({ status: { exact: 429 } })).toEqual(['r3']);
      expect(await ids({ status: { from: 500, to: 600 } })).toEqual(['r5', 'r4']);
      expect(await ids({ status: { from: 200, to: 300 }, keyId: 'key_a' })).toEqual(['r1']);
      expect(await ids({ errorType: 'provider_error' })).toEqual(['r4']);
      expect(await ids({ minLatencyMs: 500 })).toEqual(['r4']);
      expect(await ids({ keyId: 'key_a', status: { from: 400, to: 500 } })).toEqual(['r3']);
      expect(await ids({ keyId: 'key_a', status: { from: 500, to: 600 } })).toEqual(['r4']);
    });

    it('pages newest first with a cursor, ties on time broken by id, until next_cursor is null', async () => {
      await log.append(
        Array.from({ length: 7 }, (_, i) => requestLogRecord({ id: `p${i}`, time: T0 + Math.floor(i / 3) * 10 })),
      );
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 5; page++) {
        const result = await log.list({ limit: 3, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...result.records.map((record) => record.id));
        if (result.nextCursor === null) break;
        cursor = result.nextCursor;
      }
      expect(seen).toEqual(['p6', 'p5', 'p4', 'p3', 'p2', 'p1', 'p0']);
      const exact = await log.list({ limit: 7 });
      expect(exact.nextCursor).toBeNull();
      await expect(log.list({ cursor: 'not-a-cursor' })).rejects.toThrow(RangeError);
      await expect(log.list({ limit: 0 })).rejects.toThrow(RangeError);
    });

    it("scopes a lookup to a key: never another key's record", async () => {
      await log.append([requestLogRecord({ id: 'mine' }), requestLogRecord({ id: 'open', keyId: null })]);
      expect((await log.get('mine', { keyId: 'key_a' }))?.id).toBe('mine');
      expect(await log.get('mine', { keyId: 'key_b' })).toBeUndefined();
      expect(await log.get('open', { keyId: 'key_a' })).toBeUndefined();
      expect((await log.get('open', { keyId: null }))?.id).toBe('open');
    });

    it('prunes the oldest records past a time, a batch at a time, and retention removes the rest', async () => {
      await log.append(Array.from({ length: 5 }, (_, i) => requestLogRecord({ id: `old${i}`, time: T0 + i })));
      await log.append([requestLogRecord({ id: 'new', time: T0 + 100_000 })]);
      expect(await log.prune(T0 + 10, 2)).toBe(2);
      expect(await ids()).toEqual(['new', 'old4', 'old3', 'old2']);
      const retention = new RequestLogRetention(log, {
        retentionMs: 50_000,
        batchSize: 1,
        intervalMs: 3_600_000,
        now: () => T0 + 60_000,
      });
      expect(await retention.prune()).toBe(3);
      await retention.stop();
      expect(await ids()).toEqual(['new']);
    });
  });
}
