import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLogListQuery } from '../sql/request-log-sql.js';
import { type TableNames, tableNames } from '../sql/sql-identifiers.js';
import { listQuery } from '../sql/usage-sql.js';
import { describeKeyStoreContract } from '../testing/key-store-contract.js';
import { describeRequestLogContract, requestLogRecord } from '../testing/request-log-contract.js';
import { dropSchema } from '../testing/service-cleanup.js';
import { describeWithService } from '../testing/service-env.js';
import { describeToolCallLedgerContract } from '../testing/tool-call-ledger-contract.js';
import { describeUsageLedgerContract, usageRecord } from '../testing/usage-ledger-contract.js';
import { PostgresDatabase } from './postgres-database.js';
import { PostgresKeyStore } from './postgres-key-store.js';
import { postgresMigrations } from './postgres-migrations.js';
import { PostgresRequestLog } from './postgres-request-log.js';
import { PostgresToolCallLedger } from './postgres-tool-call-ledger.js';
import { PostgresUsageLedger } from './postgres-usage-ledger.js';

describeWithService('DATABASE_URL', 'postgres storage', (url) => {
  // Each test file works in its own schema (dropped at the end), each test in its own table prefix.
  const schema = `lg_test_${randomBytes(6).toString('hex')}`;
  let prefixes = 0;
  const open = (tablePrefix = `t${++prefixes}_`) =>
    PostgresDatabase.open({ connectionString: url, schema, tablePrefix });

  afterAll(async () => {
    await dropSchema(url, schema);
  });

  describeKeyStoreContract('postgres', async (options) => {
    const store = new PostgresKeyStore(await open(), options);
    return { store, cleanup: () => store.close() };
  });

  describeUsageLedgerContract('postgres', async () => {
    const ledger = new PostgresUsageLedger(await open());
    return { ledger, cleanup: () => ledger.close() };
  });

  describeToolCallLedgerContract('postgres', async () => {
    const ledger = new PostgresToolCallLedger(await open());
    return { ledger, cleanup: () => ledger.close() };
  });

  describeRequestLogContract('postgres', async () => {
    const log = new PostgresRequestLog(await open());
    return { log, cleanup: () => log.close() };
  });

  it('stores U+0000 in a batch as U+FFFD instead of failing the batch', async () => {
    const ledger = new PostgresUsageLedger(await open());
    const log = new PostgresRequestLog(await open());
    try {
      expect(await ledger.append([usageRecord({ requestId: 'nul-1', model: 'a\u0000b' })])).toBe(1);
      expect((await ledger.list()).map((row) => row.model)).toEqual(['a\uFFFDb']);
      expect(await log.append([requestLogRecord({ id: 'nul-2', requestBody: '{"x":"\u0000"}' })])).toBe(1);
      expect((await log.get('nul-2'))?.requestBody).toBe('{"x":"\uFFFD"}');
    } finally {
      await ledger.close();
      await log.close();
    }
  });

  describe('across processes', () => {
    const prefix = 'shared_';
    let one: PostgresKeyStore;
    let two: PostgresKeyStore;

    beforeAll(async () => {
      // Two pools on the same tables stand in for two gateway processes.
      one = new PostgresKeyStore(await open(prefix));
      two = new PostgresKeyStore(await open(prefix));
    });
    afterAll(async () => {
      await one.close();
      await two.close();
    });

    it('never overspends when two pools race 60 reserve/settle calls on one key', async () => {
      const { key } = await one.create({ name: 'shared', credits: 25 * 10 });
      const attempt = async (store: PostgresKeyStore, i: number) => {
        const held = await store.reserve(key.id, 10, { requestId: `r${i}` });
        if (!held.ok) return false;
        await store.settle(held.reservation.id, 10);
        return true;
      };
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => attempt(i % 2 === 0 ? one : two, i)));
      expect(results.filter(Boolean)).toHaveLength(25);
      expect(await two.getById(key.id)).toMatchObject({ balance: 0, reserved: 0, totalSpent: 250 });
      const history = await one.creditHistory(key.id, { limit: 1000 });
      expect(history.filter((e) => e.kind === 'usage')).toHaveLength(25);
      expect(history.reduce((sum, e) => sum + e.delta, 0)).toBe(0);
    });

    it('settles a reservation once when both processes try', async () => {
      const { key } = await one.create({ name: 'double settle', credits: 100 });
      const held = await one.reserve(key.id, 50);
      if (!held.ok) throw new Error('reserve failed');
      const results = await Promise.all([
        one.settle(held.reservation.id, 40),
        two.settle(held.reservation.id, 40),
        two.release(held.reservation.id),
      ]);
      const effects = results.filter((r) => r === true || (typeof r === 'object' && r.settled));
      expect(effects).toHaveLength(1);
      const after = await two.getById(key.id);
      expect(after?.reserved).toBe(0);
      expect([60, 100]).toContain(after?.balance);
    });

    it('keeps top-ups and charges consistent when they interleave', async () => {
      const { key } = await one.create({ name: 'interleave', credits: 1000 });
      await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => one.addCredits(key.id, 100, `top-up ${i}`)),
        ...Array.from({ length: 10 }, async () => {
          const held = await two.reserve(key.id, 50);
          if (held.ok) await two.settle(held.reservation.id, 50);
        }),
      ]);
      const after = await one.getById(key.id);
      expect(after?.balance).toBe(1000 + 1000 - 500);
      const history = await two.creditHistory(key.id, { limit: 1000 });
      expect(history.reduce((sum, e) => sum + e.delta, 0)).toBe(after?.balance);
      expect(history[0]?.balanceAfter).toBe(after?.balance);
    });

    it('keeps one usage row per request id when both processes append it', async () => {
      const ledgerOne = new PostgresUsageLedger(await open(prefix));
      const ledgerTwo = new PostgresUsageLedger(await open(prefix));
      const records = Array.from({ length: 200 }, (_, i) => usageRecord({ requestId: `dup-${i}` }));
      const inserted = await Promise.all([ledgerOne.append(records), ledgerTwo.append([...records].reverse())]);
      expect(inserted[0] + inserted[1]).toBe(200);
      expect((await ledgerOne.summarize({}))[0]?.requests).toBe(200);
      await ledgerOne.close();
      await ledgerTwo.close();
    });
  });

  it('migrates once when several processes start together', async () => {
    const databases = await Promise.all([open('boot_'), open('boot_'), open('boot_')]);
    const { rows } = await databases[0]!.pool.query(
      `SELECT version FROM ${schema}.boot_schema_migrations ORDER BY version`,
    );
    expect(rows).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
      { version: 4 },
      { version: 5 },
      { version: 6 },
    ]);
    await Promise.all(databases.map((database) => database.retain().release()));
  });

  /** Tables with `prefix` as migrations 1 to `version` left them (what an older LlamaGate made), and an open client. */
  async function tablesAtVersion(prefix: string, version: number): Promise<{ client: pg.Client; t: TableNames }> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const t = tableNames(prefix, (table) => `${schema}.${table}`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE ${t.migrations} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
    );
    for (const migration of postgresMigrations(t, prefix, schema).filter((each) => each.version <= version)) {
      for (const statement of migration.statements) await client.query(statement);
      await client.query(`INSERT INTO ${t.migrations} VALUES ($1, $2, 0)`, [migration.version, migration.name]);
    }
    return { client, t };
  }

  it('upgrades a schema of the previous version: old rows stay, new rows carry the client id', async () => {
    const { client, t } = await tablesAtVersion('old_', 2);
    await client.query(
      `INSERT INTO ${t.usage} (request_id, time, key_id, model, backend, cost, status, cache_hit, estimated)
       VALUES ('client-chosen', 1, 'key_a', 'm', 'b', 5, 200, FALSE, FALSE)`,
    );
    await client.end();
    const ledger = new PostgresUsageLedger(await open('old_'));
    await ledger.append([usageRecord({ requestId: 'gateway-1', clientRequestId: 'client-chosen', time: 2 })]);
    expect((await ledger.list()).map((row) => [row.requestId, row.clientRequestId])).toEqual([
      ['gateway-1', 'client-chosen'],
      ['client-chosen', undefined],
    ]);
    await ledger.close();
  });

  it('upgrades the key, status and error-type indexes to hold only the rows their filters match, and the filters use them', async () => {
    const { client, t } = await tablesAtVersion('partial_', 5);
    await client.end();
    const database = await open('partial_');
    const { rows } = await database.pool.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'partial_%' AND indexdef LIKE '% WHERE %' ORDER BY indexname`,
      [schema],
    );
    expect(
      rows.map((row) => `${row.indexname}: ${String(row.indexdef).replace(`${schema}.`, '')}`),
    ).toMatchInlineSnapshot(`
        [
          "partial_request_log_error_type_time: CREATE INDEX partial_request_log_error_type_time ON partial_request_log USING btree (error_type, "time", id) WHERE (error_type IS NOT NULL)",
          "partial_request_log_key_time: CREATE INDEX partial_request_log_key_time ON partial_request_log USING btree (key_id, "time", id) WHERE (key_id IS NOT NULL)",
          "partial_request_log_status_time: CREATE INDEX partial_request_log_status_time ON partial_request_log USING btree (status, "time", id) WHERE (status >= 400)",
          "partial_usage_key_time: CREATE INDEX partial_usage_key_time ON partial_usage USING btree (key_id, "time") WHERE (key_id IS NOT NULL)",
        ]
      `);
    const plan = async ({ text, values }: { text: string; values: unknown[] }) => {
      const session = await database.pool.connect();
      try {
        // An empty table is cheapest to scan whole; the question here is only whether the index can be used.
        await session.query('SET enable_seqscan = off');
        const { rows: steps } = await session.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values);
        return steps.map((step) => step['QUERY PLAN']).join('\n');
      } finally {
        await session.query('RESET enable_seqscan');
        session.release();
      }
    };
    expect(await plan(requestLogListQuery(t.requestLog, { keyId: 'key_a' }, 'postgres'))).toContain(
      'using partial_request_log_key_time',
    );
    expect(await plan(requestLogListQuery(t.requestLog, { errorType: 'provider_error' }, 'postgres'))).toContain(
      'using partial_request_log_error_type_time',
    );
    expect(await plan(requestLogListQuery(t.requestLog, { status: { exact: 429 } }, 'postgres'))).toContain(
      'using partial_request_log_status_time',
    );
    expect(await plan(listQuery(t.usage, { keyId: 'key_a' }, 'postgres'))).toContain('using partial_usage_key_time');
    await database.retain().release();
  });

  it('upgrades a database made before key MCP restrictions: old keys keep working with none', async () => {
    const database = await open('upgrade_');
    const keys = database.tables.keys;
    // Back to the version 3 schema, with a key written then.
    await database.pool.query(`ALTER TABLE ${keys} DROP COLUMN mcp_tools`);
    await database.pool.query(`DELETE FROM ${database.tables.migrations} WHERE version >= 4`);
    await database.pool.query(
      `INSERT INTO ${keys} (id, name, key_hash, display_prefix, created_at, updated_at) VALUES ('key_old', 'old', 'h', 'sk-lg-x', 1, 1)`,
    );
    await database.retain().release();
    const store = new PostgresKeyStore(await open('upgrade_'));
    expect((await store.getById('key_old'))?.mcpTools).toBeNull();
    expect((await store.update('key_old', { mcpTools: ['fs.*'] })).mcpTools).toEqual(['fs.*']);
    expect((await store.getById('key_old'))?.mcpTools).toEqual(['fs.*']);
    await store.close();
  });

  it('rejects unsafe schema and prefix names before touching SQL', async () => {
    await expect(PostgresDatabase.open({ connectionString: url, schema: 'x;drop' })).rejects.toThrow(RangeError);
    await expect(PostgresDatabase.open({ connectionString: url, schema, tablePrefix: 'A-' })).rejects.toThrow(
      RangeError,
    );
  });
});
