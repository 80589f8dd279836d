import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchingUsageWriter, type UsageDropEvent } from './batching-usage-writer.js';
import { MemoryUsageLedger } from './memory/memory-usage-ledger.js';
import { usageRecord } from './testing/usage-ledger-contract.js';
import type { UsageLedger, UsageRecord } from './usage-ledger.js';

/** A ledger that can be switched off, as a database outage. */
class FlakyLedger extends MemoryUsageLedger {
  down = false;
  calls: number[] = [];
  override async append(records: readonly UsageRecord[]): Promise<number> {
    this.calls.push(records.length);
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    return super.append(records);
  }
}

async function count(ledger: UsageLedger): Promise<number> {
  return (await ledger.summarize({}))[0]?.requests ?? 0;
}

const records = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => usageRecord({ requestId: `r${from + i}` }));

describe('BatchingUsageWriter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('flushes on the interval, in batches of at most maxBatchSize', async () => {
    vi.useFakeTimers();
    const ledger = new FlakyLedger();
    const writer = new BatchingUsageWriter(ledger, { flushIntervalMs: 1000, maxBatchSize: 100 });
    for (const record of records(30)) writer.write(record);
    expect(ledger.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ledger.calls).toEqual([30]);
    expect(writer.metrics).toMatchObject({ accepted: 30, persisted: 30, inserted: 30, buffered: 0 });
    await writer.close();
  });

  it('flushes early once a full batch waits', async () => {
    vi.useFakeTimers();
    const ledger = new FlakyLedger();
    const writer = new BatchingUsageWriter(ledger, { flushIntervalMs: 60_000, maxBatchSize: 10 });
    for (const record of records(25)) writer.write(record);
    await vi.advanceTimersByTimeAsync(0);
    expect(await count(ledger)).toBeGreaterThanOrEqual(10);
    await writer.flush();
    expect(await count(ledger)).toBe(25);
    expect(Math.max(...ledger.calls)).toBeLessThanOrEqual(10);
    await writer.close();
  });

  it('keeps records while the database is down and retries with backoff', async () => {
    vi.useFakeTimers();
    const ledger = new FlakyLedger();
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const writer = new BatchingUsageWriter(ledger, { flushIntervalMs: 100, retryBaseMs: 1000, logger });
    ledger.down = true;
    for (const record of records(5)) writer.write(record);
    await vi.advanceTimersByTimeAsync(100);
    expect(ledger.calls).toEqual([5]);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    // Backoff: no new attempt before a second has passed.
    await vi.advanceTimersByTimeAsync(800);
    expect(ledger.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(ledger.calls).toHaveLength(2);
    // The second failure doubles the wait.
    ledger.down = false;
    await vi.advanceTimersByTimeAsync(1500);
    expect(ledger.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(600);
    expect(await count(ledger)).toBe(5);
    expect(writer.metrics).toMatchObject({ failedFlushes: 2, dropped: 0, buffered: 0, persisted: 5 });
    expect(logger.info).toHaveBeenCalledWith({ failures: 2 }, 'usage ledger reachable again');
    await writer.close();
  });

  it('drops the oldest records when the buffer overflows, and says so', async () => {
    const ledger = new FlakyLedger();
    ledger.down = true;
    const drops: UsageDropEvent[] = [];
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const writer = new BatchingUsageWriter(ledger, {
      flushIntervalMs: 60_000,
      maxBatchSize: 5,
      maxBufferSize: 20,
      retryBaseMs: 60_000,
      onDrop: (event) => drops.push(event),
      logger,
    });
    for (const record of records(5)) writer.write(record);
    await expect(writer.flush()).rejects.toThrow('ECONNREFUSED');
    for (const record of records(16, 5)) writer.write(record);
    expect(drops).toEqual([{ count: 5, reason: 'buffer_full', lastError: expect.any(Error) }]);
    expect(writer.metrics).toMatchObject({ dropped: 5, buffered: 16 });
    expect(logger.error).toHaveBeenCalledTimes(1);
    ledger.down = false;
    await writer.flush();
    const kept = (await ledger.list({ limit: 100 })).map((r) => r.requestId).sort();
    expect(kept).toEqual(
      records(16, 5)
        .map((r) => r.requestId)
        .sort(),
    );
    await writer.close();
  });

  it('flushes everything on close, and drops what the database never takes after the timeout', async () => {
    const ledger = new FlakyLedger();
    const writer = new BatchingUsageWriter(ledger, { flushIntervalMs: 60_000 });
    for (const record of records(7)) writer.write(record);
    await writer.close();
    expect(await count(ledger)).toBe(7);

    const dead = new FlakyLedger();
    dead.down = true;
    const drops: UsageDropEvent[] = [];
    const doomed = new BatchingUsageWriter(dead, {
      closeTimeoutMs: 300,
      retryBaseMs: 50,
      onDrop: (e) => drops.push(e),
    });
    for (const record of records(3)) doomed.write(record);
    const started = Date.now();
    await doomed.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(dead.calls.length).toBeGreaterThan(1);
    expect(drops).toMatchObject([{ count: 3, reason: 'closed' }]);
    doomed.write(usageRecord({ requestId: 'late' }));
    expect(doomed.metrics.dropped).toBe(4);
  });

  it('stores a record sent twice once (idempotent retries)', async () => {
    const ledger = new FlakyLedger();
    const writer = new BatchingUsageWriter(ledger);
    writer.write(usageRecord({ requestId: 'same' }));
    writer.write(usageRecord({ requestId: 'same' }));
    await writer.flush();
    expect(writer.metrics).toMatchObject({ persisted: 2, inserted: 1 });
    expect(await count(ledger)).toBe(1);
    expect(() => writer.write(usageRecord({ requestId: '' }))).toThrow(RangeError);
    await writer.close();
  });
});
