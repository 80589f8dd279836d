/**
 * Lua scripts for credit holds shared by gateway processes (see redis-credit-accounts.ts). One key's state is
 * three Redis keys in one cluster slot: the account hash (`spent`, `held`, `pstart`, `pspent`), its holds
 * (hold id → amount) and their expiry (sorted set, score = epoch ms). Amounts travel as decimal strings and are
 * only added with HINCRBY: a Lua number turned back into a string may come out as `1e+12` (and HINCRBY
 * refuses `-0`, hence the guards).
 */
import { script } from './redis-scripts.js';

/**
 * Lua shared by the hold scripts (KEYS: account, holds, expiry). Creates the account from the key row's counts
 * when Redis has none; the arguments are the ARGV positions of the row's total spent, the current budget period
 * and the row's spend in it.
 */
function openAccount(spent: number, periodStart: number, periodSpent: number): string {
  return `if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'spent', ARGV[${spent}], 'held', '0', 'pstart', ARGV[${periodStart}], 'pspent', ARGV[${periodSpent}])
end`;
}

/** Lua shared by the hold scripts: drops the holds expired by ARGV[1] (now), a crashed process's, from `held`. */
const DROP_EXPIRED_HOLDS = `local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
for _, id in ipairs(expired) do
  local gone = redis.call('HGET', KEYS[2], id)
  if gone and gone ~= '0' then redis.call('HINCRBY', KEYS[1], 'held', '-' .. gone) end
  if gone then redis.call('HDEL', KEYS[2], id) end
  redis.call('ZREM', KEYS[3], id)
end`;

/**
 * KEYS: account, holds, expiry.
 * ARGV: now, amount, hold id, hold expiry, granted (balance + total spent as last read), spent to start from
 * (the row's total spent, used only when the account is new), current period start, the row's spend in it (for
 * a new account), unlimited ('1'/'0'), budget amount ('-1' = none).
 * Drops the key's expired holds (a crashed process's), then holds `amount` if the key can pay it.
 * Returns {1, spent} or {0, reason, available}.
 */
export const CREDIT_RESERVE = script(`
local amount = tonumber(ARGV[2])
${openAccount(6, 7, 8)}
${DROP_EXPIRED_HOLDS}
local spent = redis.call('HGET', KEYS[1], 'spent')
local held = tonumber(redis.call('HGET', KEYS[1], 'held'))
local left = tonumber(ARGV[5]) - tonumber(spent) - held
if ARGV[9] ~= '1' and left < amount then
  return {0, 'insufficient_credits', tostring(math.max(left, 0))}
end
local budget = tonumber(ARGV[10])
if budget >= 0 then
  local pspent = 0
  if redis.call('HGET', KEYS[1], 'pstart') == ARGV[7] then pspent = tonumber(redis.call('HGET', KEYS[1], 'pspent')) end
  local budgetLeft = budget - pspent - held
  if budgetLeft < amount then return {0, 'budget_exceeded', tostring(math.max(budgetLeft, 0))} end
end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
redis.call('HINCRBY', KEYS[1], 'held', ARGV[2])
return {1, spent}
`);

/**
 * KEYS: account, holds, expiry. ARGV: one (hold id, cost, period start) triple per settlement, oldest first.
 * Drops each hold and counts its cost as spent (in its budget period too). Returns {spent, settled…}: the
 * account's spend after the last one, then 1 per settled hold or 0 when it was already gone (settled,
 * released, expired).
 */
export const CREDIT_SETTLE = script(`
local outcome = {}
for i = 1, #ARGV, 3 do
  local id, cost, start = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local held = redis.call('HGET', KEYS[2], id)
  if not held then
    outcome[#outcome + 1] = 0
  else
    redis.call('HDEL', KEYS[2], id)
    redis.call('ZREM', KEYS[3], id)
    if held ~= '0' then redis.call('HINCRBY', KEYS[1], 'held', '-' .. held) end
    if cost ~= '0' then
      redis.call('HINCRBY', KEYS[1], 'spent', cost)
      if redis.call('HGET', KEYS[1], 'pstart') ~= start then
        redis.call('HSET', KEYS[1], 'pstart', start, 'pspent', '0')
      end
      redis.call('HINCRBY', KEYS[1], 'pspent', cost)
    end
    outcome[#outcome + 1] = 1
  end
end
return {redis.call('HGET', KEYS[1], 'spent'), unpack(outcome)}
`);

/** KEYS: account, holds, expiry. ARGV: hold id. Drops the hold uncharged; returns 1, or 0 when it was gone. */
export const CREDIT_RELEASE = script(`
local held = redis.call('HGET', KEYS[2], ARGV[1])
if not held then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if held ~= '0' then redis.call('HINCRBY', KEYS[1], 'held', '-' .. held) end
return 1
`);

/** KEYS: expiry. ARGV: new expiry, hold ids…. Moves live holds' expiry (XX: a settled hold stays gone). */
export const CREDIT_RENEW = script(`
local renewed = 0
for i = 2, #ARGV do renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', ARGV[1], ARGV[i]) end
return renewed
`);

/** KEYS: account. Returns {spent, held, pstart, pspent} (false fields when the account is not in Redis). */
export const CREDIT_READ = script(`
return redis.call('HMGET', KEYS[1], 'spent', 'held', 'pstart', 'pspent')
`);

/**
 * A process's credit lease on a key (leased-credit-accounts.ts): one hold under the lease's owner id whose size
 * the call sets, and the owner's charges reported as running totals, so a call sent again after a lost reply
 * charges nothing twice. What Redis has counted of an owner's totals is kept in KEYS[4] (`total`, and `pstart`
 * with `ptotal`: the budget period of its latest charges and their total in it) for a day after its last call,
 * well past the lease itself, so even a lease that expired while Redis was out of reach reports exactly once.
 * KEYS: account, holds, expiry, the owner's totals.
 * ARGV: now, owner, min, want, lease expiry, granted, spent to start from, current period start, the row's spend
 * in it (those two for a new account), unlimited ('1'/'0'), budget amount ('-1' = none), the owner's total
 * charged, the period of its latest charges, its total in that period.
 * Drops expired holds, charges what the totals add, then sets the lease to `want`, or to what the key can pay
 * when less, but never below `min` (what the process has already promised its requests).
 * Returns {spent, size, reason, cap, others}: reason '' when `want` was granted, else why not and what could be
 * paid; `others` is what every other hold on the key (other processes' slices among them) keeps from it.
 */
export const CREDIT_LEASE = script(`
local account, owner, totals = KEYS[1], ARGV[2], KEYS[4]
${openAccount(7, 8, 9)}
${DROP_EXPIRED_HOLDS}
local total = tonumber(ARGV[12])
local charged = tonumber(redis.call('HGET', totals, 'total') or '0')
if total > charged then
  redis.call('HINCRBY', account, 'spent', string.format('%d', total - charged))
  redis.call('HSET', totals, 'total', ARGV[12])
end
local periodTotal = tonumber(ARGV[14])
if periodTotal > 0 then
  local chargedInPeriod = 0
  if redis.call('HGET', totals, 'pstart') == ARGV[13] then
    chargedInPeriod = tonumber(redis.call('HGET', totals, 'ptotal'))
  end
  if periodTotal > chargedInPeriod then
    local pstart = redis.call('HGET', account, 'pstart')
    if tonumber(ARGV[13]) > tonumber(pstart) then
      redis.call('HSET', account, 'pstart', ARGV[13], 'pspent', '0')
      pstart = ARGV[13]
    end
    if pstart == ARGV[13] then
      redis.call('HINCRBY', account, 'pspent', string.format('%d', periodTotal - chargedInPeriod))
    end
  end
  redis.call('HSET', totals, 'pstart', ARGV[13], 'ptotal', ARGV[14])
end
if total > 0 or periodTotal > 0 then redis.call('PEXPIRE', totals, 86400000) end
local previous = redis.call('HGET', KEYS[2], owner)
if previous and previous ~= '0' then redis.call('HINCRBY', account, 'held', '-' .. previous) end
local spent = redis.call('HGET', account, 'spent')
local held = tonumber(redis.call('HGET', account, 'held'))
local cap = nil
local reason = ''
if ARGV[10] ~= '1' then
  cap = tonumber(ARGV[6]) - tonumber(spent) - held
  reason = 'insufficient_credits'
end
local budget = tonumber(ARGV[11])
if budget >= 0 then
  local pspent = 0
  if redis.call('HGET', account, 'pstart') == ARGV[8] then pspent = tonumber(redis.call('HGET', account, 'pspent')) end
  local budgetLeft = budget - pspent - held
  if cap == nil or budgetLeft < cap then
    cap = budgetLeft
    reason = 'budget_exceeded'
  end
end
local size = tonumber(ARGV[4])
if cap ~= nil and cap < size then
  size = math.max(cap, 0)
else
  reason = ''
end
size = math.max(size, tonumber(ARGV[3]))
local amount = string.format('%d', size)
redis.call('HSET', KEYS[2], owner, amount)
redis.call('ZADD', KEYS[3], ARGV[5], owner)
if amount ~= '0' then redis.call('HINCRBY', account, 'held', amount) end
return {spent, amount, reason, string.format('%d', math.max(cap or size, 0)), string.format('%d', held)}
`);
