/**
 * What tests and benchmarks leave in the shared Postgres and Redis, removed: a schema of their own and the Redis
 * keys under a prefix of their own. The services outlive every run (CI reuses the machine's), so each run cleans
 * up after itself.
 */
import { Redis } from 'ioredis';
import pg from 'pg';

/** Drops a schema and everything in it. */
export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Deletes every Redis key that starts with `prefix`, a batch at a time (SCAN, then UNLINK). */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    for await (const keys of redis.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<string[]>)
      if (keys.length > 0) await redis.unlink(...keys);
  } finally {
    redis.disconnect();
  }
}

/** Both: a billed gateway's Postgres schema and its Redis key prefix. */
export async function dropServiceState(options: {
  databaseUrl: string;
  schema: string;
  redisUrl?: string | undefined;
  redisKeyPrefix?: string | undefined;
}): Promise<void> {
  await dropSchema(options.databaseUrl, options.schema);
  if (options.redisUrl !== undefined && options.redisKeyPrefix !== undefined)
    await deleteRedisKeys(options.redisUrl, options.redisKeyPrefix);
}
