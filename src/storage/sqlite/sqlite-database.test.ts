import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { requestLogRecord } from '../testing/request-log-contract.js';
import { usageRecord } from '../testing/usage-ledger-contract.js';
import { SqliteDatabase } from './sqlite-database.js';
import { SqliteRequestLog } from './sqlite-request-log.js';
import { SqliteUsageLedger } from './sqlite-usage-ledger.js';

it('one append worker serves the usage ledger and the request log of a file, and closes with the last user', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lg-sqlite-worker-'));
  try {
    const database = SqliteDatabase.open({ file: join(dir, 'shared.db') });
    const ledger = new SqliteUsageLedger(database);
    const log = new SqliteRequestLog(database);
    expect(database.appendWorker()).toBe(database.appendWorker());
    const [usageRows, logRows] = await Promise.all([
      ledger.append(Array.from({ length: 50 }, (_, index) => usageRecord({ requestId: `u-${index}` }))),
      log.append(Array.from({ length: 30 }, (_, index) => requestLogRecord({ id: `r-${index}` }))),
    ]);
    expect([usageRows, logRows]).toEqual([50, 30]);
    expect(await ledger.list({ limit: 100 })).toHaveLength(50);
    expect((await log.list({ limit: 100 })).records).toHaveLength(30);
    // The ledger's appends finish before its close resolves; the worker stays for the request log.
    const pending = ledger.append([usageRecord({ requestId: 'last' })]);
    await ledger.close();
    await expect(pending).resolves.toBe(1);
    expect(await log.append([requestLogRecord({ id: 'after' })])).toBe(1);
    await log.close();
    expect(database.db.open).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
