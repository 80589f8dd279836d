/**
 * `llamagate keys | credits | usage` against the same storage as a running gateway (direct mode) and through
 * its admin API (`--url`), checked by calling the gateway with the keys the CLI made.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsCommand } from '../../src/cli/credits-command.js';
import { keysCommand } from '../../src/cli/keys-command.js';
import { usageCommand } from '../../src/cli/usage-command.js';
import { dropServiceState } from '../../src/storage/testing/service-cleanup.js';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import {
  answerWith,
  type BillingGateway,
  MASTER_KEY,
  startBillingGateway,
  waitFor,
  writeGatewayConfig,
} from './billing-harness.js';

async function run(
  command: (argv: string[], io: object) => Promise<number>,
  argv: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await command(argv, {
    env,
    write: (text: string) => {
      out += text;
    },
    writeError: (text: string) => {
      err += text;
    },
  });
  return { code, out, err };
}

async function chatStatus(gateway: BillingGateway, key: string): Promise<number> {
  try {
    await gateway.client(key).chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] });
    return 200;
  } catch (error) {
    if (error instanceof APIError && error.status !== undefined) return error.status;
    throw error;
  }
}

describe('llamagate keys/credits/usage on the storage a gateway uses (SQLite)', () => {
  let upstream: MockUpstream;
  let gateway: BillingGateway;
  let env: Record<string, string>;

  beforeAll(async () => {
    upstream = await startMockUpstream(answerWith());
    env = { LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-cli-')), CACHE_ENABLED: 'false' };
    gateway = await startBillingGateway({ env, configFile: writeGatewayConfig(upstream.url) });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('creates a key the gateway accepts, tops it up, reports usage and revokes it', async () => {
    const created = await run(
      keysCommand,
      ['create', '--name', 'team-a', '--credits', '10', '--models', 'mock-*', '--json'],
      env,
    );
    expect(created.code).toBe(0);
    const view = JSON.parse(created.out) as { key: string; id: string; models: string[]; balance: string };
    expect(view).toMatchObject({ models: ['mock-*'], balance: '10.00' });
    expect(await chatStatus(gateway, view.key)).toBe(200);
    // The charge lands in the key's row with the request's usage row (batched), before the CLI reads it.
    await gateway.flush();

    const human = await run(keysCommand, ['create', '--name', 'team-b', '--rpm', '60'], env);
    expect(human.out).toMatch(/Created key key_\w+ \(team-b\), balance \$0\.00\n\n {2}sk-lg-\w{40}\n/);

    const added = await run(creditsCommand, ['add', view.id, '2.5', '--reason', 'invoice 42'], env);
    expect(added).toMatchObject({ code: 0, out: `${view.id}: 2.50 (invoice 42), balance now $12.4975\n` });
    const deducted = await run(creditsCommand, ['add', view.id, '-0.4975'], env);
    expect(deducted.out).toContain('balance now $12.00');
    const history = await run(creditsCommand, ['history', view.id, '--json'], env);
    expect(
      (JSON.parse(history.out) as { kind: string; reason: string }[]).map((entry) => [entry.kind, entry.reason]),
    ).toEqual([
      ['add', 'manual top-up'],
      ['add', 'invoice 42'],
      ['usage', 'mock-1'],
      ['add', 'initial credits'],
    ]);

    await gateway.flush();
    const usage = await run(usageCommand, ['--key-id', view.id, '--json'], env);
    expect(JSON.parse(usage.out)).toEqual([
      expect.objectContaining({ key_id: view.id, model: 'mock-1', requests: 1, cost: '0.0025' }),
    ]);
    const table = await run(usageCommand, ['--group-by', 'model'], env);
    expect(table.out.split('\n')[0]).toMatch(/^MODEL\s+REQUESTS\s+PROMPT\s+COMPLETION\s+COST\s+ERRORS$/);

    const list = await run(keysCommand, ['list'], env);
    expect(list.out).toMatch(new RegExp(`${view.id}\\s+team-a\\s+sk-lg-\\w{4}…\\s+12\\.00\\s+mock-\\*\\s+-\\s+active`));
    expect(list.out).not.toContain(view.key);

    expect((await run(keysCommand, ['revoke', view.id], env)).code).toBe(0);
    // The gateway re-reads the keys in use every 500 ms, so a revoke made by another process is refused within a
    // second even though the key is still in the gateway's 5 s key cache.
    const revokedAt = Date.now();
    await waitFor(async () => ((await chatStatus(gateway, view.key)) === 401 ? true : undefined), 3000);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect((await run(keysCommand, ['list'], env)).out).not.toContain(view.id);
    expect((await run(keysCommand, ['list', '--all'], env)).out).toMatch(new RegExp(`${view.id}.*revoked`));
  });

  it('works against the running gateway with --url and the master key', async () => {
    const remote = ['--url', gateway.url, '--key', MASTER_KEY];
    const created = await run(keysCommand, ['create', '--name', 'remote', '--credits', '1', '--json', ...remote], {});
    expect(created.code).toBe(0);
    const view = JSON.parse(created.out) as { key: string; id: string };
    expect(await chatStatus(gateway, view.key)).toBe(200);
    const updated = await run(keysCommand, ['update', view.id, '--models', 'cheap-*', '--json', ...remote], {});
    expect(JSON.parse(updated.out)).toMatchObject({ models: ['cheap-*'] });
    expect(await chatStatus(gateway, view.key)).toBe(403);
    const mcp = async (...flags: string[]) =>
      (
        JSON.parse((await run(keysCommand, ['update', view.id, ...flags, '--json', ...remote], {})).out) as {
          mcp_tools: unknown;
        }
      ).mcp_tools;
    expect(await mcp('--mcp-tools', 'fs.read_*,memory.*')).toEqual(['fs.read_*', 'memory.*']);
    expect(await mcp('--mcp-tools', '')).toEqual([]);
    expect(await mcp('--all-mcp-tools')).toBeNull();
    const rotated = await run(keysCommand, ['rotate', view.id, '--json', ...remote], {});
    const secret = (JSON.parse(rotated.out) as { key: string }).key;
    expect(secret).not.toBe(view.key);
    expect(await chatStatus(gateway, view.key)).toBe(401);
    const set = await run(creditsCommand, ['set', view.id, '5', '--reason', 'reset', ...remote], {});
    expect(set.out).toBe(`${view.id}: 4.0025 (reset), balance now $5.00\n`);
    const refused = await run(keysCommand, ['list', '--url', gateway.url, '--key', 'wrong'], {});
    expect(refused).toMatchObject({ code: 1, err: 'llamagate: the gateway refused (401): Invalid API key\n' });
  });

  it('explains bad invocations with exit code 2', async () => {
    expect((await run(keysCommand, ['create'], env)).err).toContain('keys create needs --name');
    expect((await run(keysCommand, ['revoke'], env)).code).toBe(2);
    expect((await run(creditsCommand, ['add', 'key_x'], env)).code).toBe(2);
    expect((await run(usageCommand, ['--group-by', 'week'], env)).err).toContain('--group-by takes key, model and day');
    const missing = await run(keysCommand, ['get', 'key_missing'], env);
    expect(missing).toMatchObject({ code: 1, err: 'llamagate: No API key with id key_missing\n' });
  });
});

const databaseUrl = process.env.DATABASE_URL ?? '';
const redisUrl = process.env.REDIS_URL ?? '';
const withServices = databaseUrl !== '' && redisUrl !== '';

describe.skipIf(!withServices && process.env.CI !== 'true')('llamagate keys revoke on Postgres + Redis', () => {
  it('evicts the key from every gateway cache through Redis', async () => {
    expect(withServices, 'DATABASE_URL and REDIS_URL must be set when CI=true').toBe(true);
    const suffix = Math.random().toString(36).slice(2, 10);
    const env = {
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: `lg_test_cli_${suffix}`,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: `lgtest:cli:${suffix}:`,
      KEY_CACHE_TTL: '60s',
    };
    const upstream = await startMockUpstream(answerWith());
    const gateway = await startBillingGateway({ env, configFile: writeGatewayConfig(upstream.url) });
    try {
      const created = await run(keysCommand, ['create', '--name', 'pg', '--credits', '1', '--json'], env);
      const view = JSON.parse(created.out) as { key: string; id: string };
      const credits = () => fetch(`${gateway.baseURL}/credits`, { headers: { authorization: `Bearer ${view.key}` } });
      expect((await credits()).status).toBe(200);
      expect((await run(keysCommand, ['revoke', view.id], env)).code).toBe(0);
      // /v1/credits authenticates from the cache (60 s TTL here): only the Redis message can explain a 401.
      const status = await waitFor(async () => {
        const response = await credits();
        return response.status === 401 ? response.status : undefined;
      }, 1000);
      expect(status).toBe(401);
    } finally {
      await gateway.close();
      await upstream.close();
      await dropServiceState({
        databaseUrl,
        schema: env.DATABASE_SCHEMA,
        redisUrl,
        redisKeyPrefix: env.REDIS_KEY_PREFIX,
      });
    }
  });
});
