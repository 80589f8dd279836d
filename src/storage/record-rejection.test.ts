import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BatchingUsageWriter, type UsageDropEvent } from './batching-usage-writer.js';
import { MemoryUsageLedger } from './memory/memory-usage-ledger.js';
import { isRecordRejection } from './record-rejection.js';
import { SqliteAppendWorker } from './sqlite/sqlite-append-worker.js';
import { usageRecord } from './testing/usage-ledger-contract.js';
import type { UsageRecord } from './usage-ledger.js';

const refused = (code: string) => Object.assign(new Error(`refused (${code})`), { code });

/** A ledger that refuses records whose request id starts with `poison` (as a database refuses a value it cannot store). */
class PickyLedger extends MemoryUsageLedger {
  calls: number[] = [];
  down = false;
  override async append(records: readonly UsageRecord[]): Promise<number> {
    this.calls.push(records.length);
    if (this.down) throw refused('08006');
    if (records.some((record) => record.requestId.startsWith('poison'))) throw refused('22021');
    return super.append(records);
  }
}

describe('records the database refuses', () => {
  it('tells a refused value (SQLite constraint or type, Postgres classes 22 and 23) from an unavailable database', () => {
    for (const code of ['SQLITE_CONSTRAINT_CHECK', 'SQLITE_MISMATCH', 'SQLITE_TOOBIG', '22021', '23505', '22P02'])
      expect([code, isRecordRejection(refused(code))]).toEqual([code, true]);
    for (const code of ['SQLITE_BUSY', 'SQLITE_IOERR_WRITE', 'SQLITE_FULL', '08006', '57P01', '53300', 'ECONNREFUSED'])
      expect([code, isRecordRejection(refused(code))]).toEqual([code, false]);
    expect(isRecordRejection(new Error('no code'))).toBe(false);
    expect(isRecordRejection(undefined)).toBe(false);
  });

  it('are isolated and dropped one by one, and every other record of their batches is written', async () => {
    const ledger = new PickyLedger();
    const drops: UsageDropEvent[] = [];
    const writer = new BatchingUsageWriter(ledger, { maxBatchSize: 8, onDrop: (event) => drops.push(event) });
    const ids = Array.from({ length: 20 }, (_, index) => ([5, 13].includes(index) ? `poison-${index}` : `r${index}`));
    for (const requestId of ids) writer.write(usageRecord({ requestId }));
    await writer.flush();
    const written = (await ledger.list({ limit: 100 })).map((record) => record.requestId).sort();
    expect(written).toEqual(ids.filter((id) => !id.startsWith('poison')).sort());
    expect(drops.map((event) => [event.count, event.reason])).toEqual([
      [1, 'rejected'],
      [1, 'rejected'],
    ]);
    expect(writer.metrics).toMatchObject({ dropped: 2, buffered: 0 });
    await writer.close();
  });

  it('an unavailable database drops nothing: the records wait for it', async () => {
    const ledger = new PickyLedger();
    ledger.down = true;
    const drops: UsageDropEvent[] = [];
    const writer = new BatchingUsageWriter(ledger, { maxBatchSize: 8, retryBaseMs: 10, onDrop: (e) => drops.push(e) });
    for (let index = 0; index < 5; index++) writer.write(usageRecord({ requestId: `r${index}` }));
    await expect(writer.flush()).rejects.toMatchObject({ code: '08006' });
    expect(ledger.calls).toEqual([5]);
    expect(writer.metrics).toMatchObject({ dropped: 0, buffered: 5 });
    ledger.down = false;
    await writer.flush();
    expect(await ledger.list({ limit: 10 })).toHaveLength(5);
    expect(drops).toEqual([]);
    await writer.close();
  });

  it("SQLite's worker hands back the code of a refused row", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-refused-'));
    try {
      const file = join(dir, 'refused.db');
      const setup = new Database(file);
      setup.exec('CREATE TABLE t (n INTEGER NOT NULL CHECK (n >= 0))');
      setup.close();
      const worker = new SqliteAppendWorker({ file, busyTimeoutMs: 1000 });
      const failure = await worker.append('INSERT INTO t (n) VALUES (?)', [[1], [-1]]).catch((error: unknown) => error);
      expect((failure as { code?: string }).code).toBe('SQLITE_CONSTRAINT_CHECK');
      expect(isRecordRejection(failure)).toBe(true);
      expect(await worker.append('INSERT INTO t (n) VALUES (?)', [[1], [2]])).toBe(2);
      await worker.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
