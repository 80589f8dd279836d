import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requestLogListQuery } from '../sql/request-log-sql.js';
import { tableNames } from '../sql/sql-identifiers.js';
import { listQuery } from '../sql/usage-sql.js';
import { describeKeyStoreContract } from '../testing/key-store-contract.js';
import { describeRequestLogContract } from '../testing/request-log-contract.js';
import { TestClock } from '../testing/service-env.js';
import { describeToolCallLedgerContract } from '../testing/tool-call-ledger-contract.js';
import { describeUsageLedgerContract, usageRecord } from '../testing/usage-ledger-contract.js';
import { SqliteDatabase } from './sqlite-database.js';
import { SqliteKeyStore } from './sqlite-key-store.js';
import { sqliteMigrations } from './sqlite-migrations.js';
import { SqliteRequestLog } from './sqlite-request-log.js';
import { SqliteToolCallLedger } from './sqlite-tool-call-ledger.js';
import { SqliteUsageLedger } from './sqlite-usage-ledger.js';

function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'lg-sqlite-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describeKeyStoreContract('sqlite', async (options) => {
  const temp = tempDir();
  const store = new SqliteKeyStore(SqliteDatabase.open({ file: join(temp.dir, 'test.db') }), options);
  return {
    store,
    cleanup: async () => {
      await store.close();
      temp.remove();
    },
  };
});

describeUsageLedgerContract('sqlite (appends in-thread)', async () => {
  const temp = tempDir();
  const ledger = new SqliteUsageLedger(SqliteDatabase.open({ file: join(temp.dir, 'test.db') }), {
    appendOnWorker: false,
  });
  return {
    ledger,
    cleanup: async () => {
      await ledger.close();
      temp.remove();
    },
  };
});

describe('sqlite usage appends on a worker thread', () => {
  it('keep the event loop turning while a large batch is written, and keep every row', async () => {
    const temp = tempDir();
    const ledger = new SqliteUsageLedger(SqliteDatabase.open({ file: join(temp.dir, 'test.db') }));
    try {
      const records = Array.from({ length: 20_000 }, (_, index) => usageRecord({ requestId: `req-${index}` }));
      let turns = 0;
      let appending = true;
      const spin = () => {
        if (!appending) return;
        turns++;
        setImmediate(spin);
      };
      setImmediate(spin);
      const inserted = await ledger.append(records);
      appending = false;
      expect(inserted).toBe(20_000);
      // In-thread, the whole transaction runs before the first setImmediate callback; here the loop kept turning.
      expect(turns).toBeGreaterThan(5);
      expect(await ledger.append([usageRecord({ requestId: 'req-7' })])).toBe(0);
      const [total] = await ledger.summarize({});
      expect(total?.requests).toBe(20_000);
    } finally {
      await ledger.close();
      temp.remove();
    }
  });

  it('finishes pending appends before close', async () => {
    const temp = tempDir();
    const database = SqliteDatabase.open({ file: join(temp.dir, 'test.db') });
    const ledger = new SqliteUsageLedger(database);
    const pending = ledger.append(
      Array.from({ length: 2_000 }, (_, index) => usageRecord({ requestId: `late-${index}` })),
    );
    await ledger.close();
    expect(await pending).toBe(2_000);
    const reopened = new SqliteUsageLedger(SqliteDatabase.open({ file: join(temp.dir, 'test.db') }));
    try {
      expect((await reopened.summarize({}))[0]?.requests).toBe(2_000);
    } finally {
      await reopened.close();
      temp.remove();
    }
  });
});

describeUsageLedgerContract('sqlite', async () => {
  const temp = tempDir();
  const ledger = new SqliteUsageLedger(SqliteDatabase.open({ file: join(temp.dir, 'test.db') }));
  return {
    ledger,
    cleanup: async () => {
      await ledger.close();
      temp.remove();
    },
  };
});

/** A database file as migrations 1 to `version` left it (what an older LlamaGate wrote), still open. */
function databaseAtVersion(path: string, version: number): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  const old = new Database(path);
  const t = tableNames('lg_');
  old.exec(
    `CREATE TABLE ${t.migrations} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
  );
  for (const migration of sqliteMigrations(t, 'lg_').filter((each) => each.version <= version)) {
    for (const statement of migration.statements) old.exec(statement);
    old.prepare(`INSERT INTO ${t.migrations} VALUES (?, ?, 0)`).run(migration.version, migration.name);
  }
  return old;
}

describe('sqlite storage files', () => {
  let temp: ReturnType<typeof tempDir>;
  let file: string;
  beforeEach(() => {
    temp = tempDir();
    file = join(temp.dir, 'nested', 'llamagate.db');
  });
  afterEach(() => temp.remove());

  it('keeps balances, ledgers, reservations and usage across a restart', async () => {
    const clock = new TestClock();
    let database = SqliteDatabase.open({ file });
    let keys = new SqliteKeyStore(database, { now: clock.read });
    let usage = new SqliteUsageLedger(database);
    const { key, plaintext } = await keys.create({
      name: 'durable',
      credits: 1000,
      budget: { amount: 900, period: 'month' },
    });
    const settled = await keys.reserve(key.id, 100);
    const open = await keys.reserve(key.id, 200);
    if (!settled.ok || !open.ok) throw new Error('reserve failed');
    await keys.settle(settled.reservation.id, 90);
    await usage.append([usageRecord({ requestId: 'durable-1', keyId: key.id, cost: 90 })]);
    await keys.close();
    await usage.close();
    expect(database.db.open).toBe(false);

    database = SqliteDatabase.open({ file });
    keys = new SqliteKeyStore(database, { now: clock.read });
    usage = new SqliteUsageLedger(database);
    expect(await keys.getByPlaintext(plaintext)).toMatchObject({
      id: key.id,
      balance: 910,
      reserved: 200,
      budgetSpent: 90,
      totalSpent: 90,
    });
    expect((await keys.creditHistory(key.id)).map((e) => e.delta)).toEqual([-90, 1000]);
    expect(await keys.settle(open.reservation.id, 150)).toMatchObject({ settled: true, balance: 760 });
    expect((await usage.list()).map((r) => r.requestId)).toEqual(['durable-1']);
    await keys.close();
    await usage.close();
  });

  it('runs migrations once and records their versions', () => {
    const first = SqliteDatabase.open({ file }).retain();
    first.release();
    const second = SqliteDatabase.open({ file }).retain();
    const versions = second.db.prepare('SELECT version FROM lg_schema_migrations ORDER BY version').all();
    expect(versions).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
      { version: 4 },
      { version: 5 },
      { version: 6 },
    ]);
    expect(second.db.pragma('journal_mode', { simple: true })).toBe('wal');
    second.release();
  });

  it('upgrades a database file of the previous version: old rows stay, new rows carry the client id', async () => {
    const oldFile = join(temp.dir, 'old.db');
    const old = databaseAtVersion(oldFile, 2);
    const t = tableNames('lg_');
    old
      .prepare(
        `INSERT INTO ${t.usage} (request_id, time, key_id, model, backend, cost, status, cache_hit, estimated)
         VALUES ('client-chosen', 1, 'key_a', 'm', 'b', 5, 200, 0, 0)`,
      )
      .run();
    old.close();
    const ledger = new SqliteUsageLedger(SqliteDatabase.open({ file: oldFile }), { appendOnWorker: false });
    await ledger.append([usageRecord({ requestId: 'gateway-1', clientRequestId: 'client-chosen', time: 2 })]);
    expect((await ledger.list()).map((row) => [row.requestId, row.clientRequestId])).toEqual([
      ['gateway-1', 'client-chosen'],
      ['client-chosen', undefined],
    ]);
    await ledger.close();
  });

  it('upgrades the key, status and error-type indexes to hold only the rows their filters match, and the filters use them', () => {
    databaseAtVersion(file, 5).close();
    const t = tableNames('lg_');
    const database = SqliteDatabase.open({ file }).retain();
    const indexes = database.db
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %' ORDER BY name`)
      .all();
    expect(indexes).toMatchInlineSnapshot(`
      [
        {
          "name": "lg_request_log_error_type_time",
          "sql": "CREATE INDEX lg_request_log_error_type_time ON lg_request_log (error_type, time, id) WHERE error_type IS NOT NULL",
        },
        {
          "name": "lg_request_log_key_time",
          "sql": "CREATE INDEX lg_request_log_key_time ON lg_request_log (key_id, time, id) WHERE key_id IS NOT NULL",
        },
        {
          "name": "lg_request_log_status_time",
          "sql": "CREATE INDEX lg_request_log_status_time ON lg_request_log (status, time, id) WHERE status >= 400",
        },
        {
          "name": "lg_usage_key_time",
          "sql": "CREATE INDEX lg_usage_key_time ON lg_usage (key_id, time) WHERE key_id IS NOT NULL",
        },
      ]
    `);
    const plan = ({ text, values }: { text: string; values: unknown[] }) =>
      (database.db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...values) as { detail: string }[])
        .map((step) => step.detail)
        .join('; ');
    expect(plan(requestLogListQuery(t.requestLog, { keyId: 'key_a' }, 'sqlite'))).toContain(
      'USING INDEX lg_request_log_key_time (key_id=?)',
    );
    expect(plan(requestLogListQuery(t.requestLog, { errorType: 'provider_error' }, 'sqlite'))).toContain(
      'USING INDEX lg_request_log_error_type_time (error_type=?)',
    );
    expect(plan(requestLogListQuery(t.requestLog, { status: { exact: 429 } }, 'sqlite'))).toContain(
      'USING INDEX lg_request_log_status_time (status=?)',
    );
    expect(plan(listQuery(t.usage, { keyId: 'key_a' }, 'sqlite'))).toContain(
      'USING INDEX lg_usage_key_time (key_id=?)',
    );
    database.release();
  });

  it('upgrades a database made before key MCP restrictions: old keys keep working with none', async () => {
    const old = databaseAtVersion(file, 2);
    const tables = tableNames('lg_');
    old
      .prepare(
        `INSERT INTO ${tables.keys} (id, name, key_hash, display_prefix, created_at, updated_at) VALUES ('key_old', 'old', 'h', 'sk-lg-x', 1, 1)`,
      )
      .run();
    old.close();
    const keys = new SqliteKeyStore(SqliteDatabase.open({ file }));
    expect((await keys.getById('key_old'))?.mcpTools).toBeNull();
    expect((await keys.update('key_old', { mcpTools: ['fs.*'] })).mcpTools).toEqual(['fs.*']);
    expect((await keys.getById('key_old'))?.mcpTools).toEqual(['fs.*']);
    await keys.close();
  });

  it('keeps table prefixes apart in one file', async () => {
    const a = new SqliteKeyStore(SqliteDatabase.open({ file, tablePrefix: 'a_' }));
    const b = new SqliteKeyStore(SqliteDatabase.open({ file, tablePrefix: 'b_' }));
    await a.create({ name: 'only in a' });
    expect(await a.list()).toHaveLength(1);
    expect(await b.list()).toHaveLength(0);
    await a.close();
    await b.close();
    expect(() => SqliteDatabase.open({ file, tablePrefix: 'x; DROP TABLE' })).toThrow(RangeError);
  });

  it('never overspends when two connections (processes) race on one key', async () => {
    const one = new SqliteKeyStore(SqliteDatabase.open({ file }));
    const two = new SqliteKeyStore(SqliteDatabase.open({ file }));
    const { key } = await one.create({ name: 'shared', credits: 25 * 10 });
    const attempt = async (store: SqliteKeyStore, i: number) => {
      const held = await store.reserve(key.id, 10, { requestId: `r${i}` });
      if (!held.ok) return false;
      await new Promise((resolve) => setImmediate(resolve));
      await store.settle(held.reservation.id, 10);
      return true;
    };
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => attempt(i % 2 === 0 ? one : two, i)));
    expect(results.filter(Boolean)).toHaveLength(25);
    expect(await two.getById(key.id)).toMatchObject({ balance: 0, reserved: 0, totalSpent: 250 });
    await one.close();
    await two.close();
  });
});

describeToolCallLedgerContract('sqlite', async () => {
  const temp = tempDir();
  const ledger = new SqliteToolCallLedger(SqliteDatabase.open({ file: join(temp.dir, 'test.db') }));
  return {
    ledger,
    cleanup: async () => {
      await ledger.close();
      temp.remove();
    },
  };
});

describeRequestLogContract('sqlite', async () => {
  const temp = tempDir();
  const log = new SqliteRequestLog(SqliteDatabase.open({ file: join(temp.dir, 'test.db') }));
  return {
    log,
    cleanup: async () => {
      await log.close();
      temp.remove();
    },
  };
});
