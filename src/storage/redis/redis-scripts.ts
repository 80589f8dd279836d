/**
 * Lua scripts for atomic counters. `CONSUME` mirrors `slidingWindowAllows` in sliding-window.ts with the same
 * floating-point operation order, so Redis and memory decide identically at the boundaries.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface LuaScript {
  source: string;
  sha: string;
}

export function script(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * KEYS: requests current, requests previous, tokens current, tokens previous.
 * ARGV: rpm (0 = none), tpm (0 = none), tokens, elapsed ms, window ms.
 * Returns {allowed, requestsCurrent, requestsPrevious, tokensCurrent, tokensPrevious} (counts before this call).
 */
export const CONSUME = script(`
local rpm = tonumber(ARGV[1])
local tpm = tonumber(ARGV[2])
local tokens = tonumber(ARGV[3])
local elapsed = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local rc = tonumber(redis.call('GET', KEYS[1]) or '0')
local rp = tonumber(redis.call('GET', KEYS[2]) or '0')
local tc = tonumber(redis.call('GET', KEYS[3]) or '0')
local tp = tonumber(redis.call('GET', KEYS[4]) or '0')
if rpm > 0 and not ((rp * (window - elapsed)) / window + rc + 1 <= rpm) then
  return {0, rc, rp, tc, tp}
end
local need = tokens
if need < 1 then need = 1 end
if tpm > 0 and not ((tp * (window - elapsed)) / window + tc + need <= tpm) then
  return {0, rc, rp, tc, tp}
end
if rpm > 0 then
  redis.call('INCR', KEYS[1])
  redis.call('PEXPIRE', KEYS[1], window * 2)
end
if tpm > 0 and tokens > 0 then
  redis.call('INCRBY', KEYS[3], tokens)
  redis.call('PEXPIRE', KEYS[3], window * 2)
end
return {1, rc, rp, tc, tp}
`);

/** KEYS: tokens current. ARGV: delta, ttl ms. Never lets the count go below zero. */
export const ADD_TOKENS = script(`
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if value < 0 then redis.call('SET', KEYS[1], 0) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/** KEYS: slot set. ARGV: now, lease expiry, max, lease id, set ttl ms. Returns 1 when a slot was taken. */
export const ACQUIRE_SLOT = script(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
  return 1
end
return 0
`);

/** EVALSHA, falling back to EVAL once when the server's script cache does not have it (restart, failover). */
export async function runScript(
  redis: Redis,
  lua: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(lua.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
    return redis.eval(lua.source, keys.length, ...keys, ...args);
  }
}
