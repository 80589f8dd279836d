/**
 * Counters in Redis, shared by every gateway process (atomic Lua scripts), with a local fallback: while Redis
 * is unreachable or slow, each call is answered by an in-process {@link MemoryCounterStore} within the
 * command timeout, and a (throttled) warning is logged. Limits are then enforced per process instead of
 * globally, which is better than refusing or hanging every request. The client never queues commands while
 * disconnected, so an outage costs nothing but the fallback.
 *
 * Key-cache invalidation (and any other topic, such as credit-lease pressure) uses Redis pub/sub on one
 * dedicated subscriber connection; when publishing fails the message is still delivered to this process's own
 * listeners.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { randomIdBase62 } from '../api-keys.js';
import {
  type AcquireSlotOptions,
  type ConsumeRequest,
  type CounterStore,
  DEFAULT_SLOT_TTL_MS,
  type InvalidationListener,
  type RateDecision,
  type SlotLease,
  validateSubject,
  WINDOW_MS,
} from '../counter-store.js';
import { MemoryCounterStore } from '../memory/memory-counter-store.js';
import { decide, validateConsumeRequest, windowPosition } from '../sliding-window.js';
import { type StorageLogger, silentLogger, ThrottledLog } from '../storage-logger.js';
import { ACQUIRE_SLOT, ADD_TOKENS, CONSUME, type LuaScript, runScript } from './redis-scripts.js';

export interface RedisCounterStoreOptions {
  /** `redis://host:6379/0` (e.g. `REDIS_URL`). */
  url: string;
  /** Prefix of every key and of the invalidation channel; default 'llamagate:'. */
  keyPrefix?: string;
  /** A command slower than this counts as an outage for that call. Default 250 ms. */
  commandTimeoutMs?: number;
  /** How long `connect` waits for the first connection. Default 1000 ms. */
  connectTimeoutMs?: number;
  logger?: StorageLogger;
  now?: () => number;
  windowMs?: number;
}

export interface RedisCounterStats {
  /** Calls answered locally because Redis failed or was not connected. */
  fallbacks: number;
}

export class RedisCounterStore implements CounterStore {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #redisOptions: RedisOptions;
  readonly #url: string;
  #subscriber: Redis | undefined;
  /** The connection of `shared()` scripts (credit holds), opened on first use. */
  #shared: Promise<Redis> | undefined;
  /** Channel → its SUBSCRIBE, sent on the subscriber connection's every (re)connection. */
  readonly #subscriptions = new Map<string, Promise<void>>();
  readonly #local: MemoryCounterStore;
  /** Channel → this process's listeners. */
  readonly #listeners = new Map<string, Set<(message: string) => void>>();
  readonly #prefix: string;
  readonly #channel: string;
  readonly #logger: StorageLogger;
  readonly #throttle = new ThrottledLog(10_000);
  readonly #now: () => number;
  readonly #windowMs: number;
  readonly #connectTimeoutMs: number;
  readonly #stats: RedisCounterStats = { fallbacks: 0 };

  private constructor(options: RedisCounterStoreOptions) {
    this.#url = options.url;
    this.#prefix = options.keyPrefix ?? 'llamagate:';
    this.#channel = `${this.#prefix}key-invalidations`;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#windowMs = options.windowMs ?? WINDOW_MS;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.#local = new MemoryCounterStore({ now: this.#now, windowMs: this.#windowMs });
    this.#redisOptions = {
      lazyConnect: true,
      connectTimeout: this.#connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs ?? 250,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // Keep reconnecting in the background forever; calls meanwhile use the local fallback.
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    };
    this.#redis = new Redis(this.#url, this.#redisOptions);
    this.#redis.on('error', (error) => this.#warn('redis-connection', error));
  }

  /** Creates the store and waits up to `connectTimeoutMs` for Redis; if it is down, starts degraded. */
  static async connect(options: RedisCounterStoreOptions): Promise<RedisCounterStore> {
    const store = new RedisCounterStore(options);
    try {
      await withTimeout(store.#redis.connect(), store.#connectTimeoutMs, 'redis connect');
    } catch (error) {
      store.#warn('redis-connection', error);
    }
    return store;
  }

  get stats(): RedisCounterStats {
    return { ...this.#stats };
  }

  /** Whether calls currently go to Redis. */
  get connected(): boolean {
    return this.#redis.status === 'ready';
  }

  async consume(subject: string, request: ConsumeRequest): Promise<RateDecision> {
    validateSubject(subject);
    validateConsumeRequest(request);
    const rpm = request.rpm ?? null;
    const tpm = request.tpm ?? null;
    if (rpm === null && tpm === null) return { allowed: true };
    return this.#withRedis(
      'consume',
      async () => {
        const { bucket, elapsed } = windowPosition(this.#now(), this.#windowMs);
        const keys = [
          this.#counterKey(subject, 'r', bucket),
          this.#counterKey(subject, 'r', bucket - 1),
          this.#counterKey(subject, 't', bucket),
          this.#counterKey(subject, 't', bucket - 1),
        ];
        const reply = (await runScript(this.#redis, CONSUME, keys, [
          rpm ?? 0,
          tpm ?? 0,
          request.tokens ?? 0,
          elapsed,
          this.#windowMs,
        ])) as number[];
        const [allowed, rc = 0, rp = 0, tc = 0, tp = 0] = reply.map(Number);
        const { decision } = decide(
          request,
          { current: rc, previous: rp },
          { current: tc, previous: tp },
          elapsed,
          this.#windowMs,
        );
        // The script's verdict is authoritative; the shared arithmetic only fills in the details.
        if ((allowed === 1) === decision.allowed) return decision;
        return allowed === 1
          ? { allowed: true }
          : { allowed: false, limit: rpm !== null ? 'rpm' : 'tpm', retryAfterMs: 1000 };
      },
      () => this.#local.consume(subject, request),
    );
  }

  async addTokens(subject: string, tokens: number): Promise<void> {
    validateSubject(subject);
    if (!Number.isSafeInteger(tokens)) throw new RangeError('tokens must be an integer');
    if (tokens === 0) return;
    await this.#withRedis(
      'addTokens',
      async () => {
        const { bucket } = windowPosition(this.#now(), this.#windowMs);
        await runScript(
          this.#redis,
          ADD_TOKENS,
          [this.#counterKey(subject, 't', bucket)],
          [tokens, this.#windowMs * 2],
        );
      },
      () => this.#local.addTokens(subject, tokens),
    );
  }

  async acquireSlot(subject: string, maxParallel: number, options: AcquireSlotOptions = {}): Promise<SlotLease | null> {
    validateSubject(subject);
    if (!Number.isSafeInteger(maxParallel) || maxParallel < 1) {
      throw new RangeError('maxParallel must be a positive integer');
    }
    const ttlMs = options.ttlMs ?? DEFAULT_SLOT_TTL_MS;
    return this.#withRedis(
      'acquireSlot',
      async () => {
        const now = this.#now();
        const id = randomIdBase62(16);
        const taken = await runScript(
          this.#redis,
          ACQUIRE_SLOT,
          [this.#slotKey(subject)],
          [now, now + ttlMs, maxParallel, id, ttlMs],
        );
        return Number(taken) === 1 ? { id, subject, backend: 'redis' as const } : null;
      },
      () => this.#local.acquireSlot(subject, maxParallel, options),
    );
  }

  async releaseSlot(lease: SlotLease): Promise<void> {
    if (lease.backend === 'local') return this.#local.releaseSlot(lease);
    try {
      await this.#redis.zrem(this.#slotKey(lease.subject), lease.id);
    } catch (error) {
      // The lease expires by itself after its TTL.
      this.#warn('releaseSlot', error);
    }
  }

  async renewSlots(leases: readonly SlotLease[], ttlMs: number): Promise<void> {
    const local = leases.filter((lease) => lease.backend === 'local');
    if (local.length > 0) await this.#local.renewSlots(local, ttlMs);
    const remote = leases.filter((lease) => lease.backend === 'redis');
    if (remote.length === 0 || this.#redis.status !== 'ready') return;
    const expiresAt = this.#now() + ttlMs;
    // One pipeline for every live lease: XX only updates members still present (released or expired stay gone).
    const pipeline = this.#redis.pipeline();
    const subjects = new Set<string>();
    for (const lease of remote) {
      pipeline.zadd(this.#slotKey(lease.subject), 'XX', expiresAt, lease.id);
      subjects.add(lease.subject);
    }
    for (const subject of subjects) pipeline.pexpire(this.#slotKey(subject), ttlMs);
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error !== null);
      if (failed !== undefined) throw failed[0];
    } catch (error) {
      this.#warn('renewSlots', error);
    }
  }

  publishInvalidation(keyId: string): Promise<void> {
    return this.#publish(this.#channel, keyId);
  }

  subscribeInvalidations(listener: InvalidationListener): Promise<() => Promise<void>> {
    return this.#subscribe(this.#channel, listener);
  }

  /** Sends `message` to every process's listeners of `topic` (a channel under this store's prefix). */
  publish(topic: string, message: string): Promise<void> {
    return this.#publish(`${this.#prefix}${topic}`, message);
  }

  /** Listens to `topic` (see `publish`); resolves with the function that stops listening. */
  subscribe(topic: string, listener: (message: string) => void): Promise<() => Promise<void>> {
    return this.#subscribe(`${this.#prefix}${topic}`, listener);
  }

  async close(): Promise<void> {
    await Promise.all([
      quit(this.#redis),
      this.#subscriber === undefined ? undefined : quit(this.#subscriber),
      this.#shared?.then(quit),
    ]);
    await this.#local.close();
    this.#listeners.clear();
  }

  async #publish(channel: string, message: string): Promise<void> {
    await this.#withRedis(
      'publish',
      async () => {
        await this.#redis.publish(channel, message);
      },
      async () => this.#deliver(channel, message),
    );
  }

  async #subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>> {
    const entry = (message: string) => listener(message);
    let listeners = this.#listeners.get(channel);
    if (listeners === undefined) {
      listeners = new Set();
      this.#listeners.set(channel, listeners);
    }
    listeners.add(entry);
    try {
      await withTimeout(this.#ensureSubscribed(channel), this.#connectTimeoutMs, 'redis subscribe');
    } catch (error) {
      // ioredis subscribes as soon as it connects; until then only local publishes reach this listener.
      this.#warn('subscribe', error);
    }
    return async () => {
      this.#listeners.get(channel)?.delete(entry);
    };
  }

  #ensureSubscribed(channel: string): Promise<void> {
    let subscribed = this.#subscriptions.get(channel);
    if (subscribed === undefined) {
      const subscriber = this.#subscriberConnection();
      subscribed = new Promise<void>((resolve) => {
        const subscribe = () =>
          subscriber.subscribe(channel).then(
            () => resolve(),
            (error: unknown) => this.#warn('redis-subscriber', error),
          );
        // SUBSCRIBE on every (re)connection: idempotent, and it also covers a first connect that failed.
        subscriber.on('ready', subscribe);
        if (subscriber.status === 'ready') subscribe();
      });
      this.#subscriptions.set(channel, subscribed);
    }
    return subscribed;
  }

  #subscriberConnection(): Redis {
    if (this.#subscriber === undefined) {
      // A connection in subscriber mode can do nothing else, hence the second one. It queues SUBSCRIBE until
      // connected (offline queue on).
      const subscriber = new Redis(this.#url, {
        ...this.#redisOptions,
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        commandTimeout: undefined,
      });
      subscriber.on('error', (error) => this.#warn('redis-subscriber', error));
      subscriber.on('message', (channel: string, message: string) => this.#deliver(channel, message));
      this.#subscriber = subscriber;
      subscriber.connect().catch((error: unknown) => this.#warn('redis-subscriber', error));
    }
    return this.#subscriber;
  }

  #deliver(channel: string, message: string): void {
    const listeners = this.#listeners.get(channel);
    if (listeners === undefined) return;
    for (const listener of [...listeners]) {
      try {
        listener(message);
      } catch (error) {
        this.#logger.warn({ err: error, channel, message }, 'a pub/sub listener threw');
      }
    }
  }

  async #withRedis<T>(operation: string, remote: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (this.#redis.status !== 'ready') {
      this.#stats.fallbacks++;
      this.#warn(operation, new Error(`redis is ${this.#redis.status}`));
      return local();
    }
    try {
      return await remote();
    } catch (error) {
      this.#stats.fallbacks++;
      this.#warn(operation, error);
      return local();
    }
  }

  #warn(operation: string, error: unknown): void {
    this.#throttle.run(operation, (suppressed) =>
      this.#logger.warn(
        { err: error, operation, suppressed },
        'redis unavailable; rate limits and slots are enforced per process until it is back',
      ),
    );
  }

  /**
   * Runs a script on the shared Redis with no local fallback (what must not fork per process, like credit
   * holds); rejects while Redis is unreachable or slower than the command timeout.
   */
  async shared(lua: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const redis = await this.#sharedConnection();
    if (redis.status !== 'ready') throw new Error(`redis is not connected (${redis.status})`);
    return runScript(redis, lua, keys, args);
  }

  /**
   * Its own connection with a 2 s command timeout: on a busy host a hold waits for Redis rather than failing
   * at the rate limits' 250 ms, and a timed-out settlement (applied or not, nobody knows) stays rare.
   */
  #sharedConnection(): Promise<Redis> {
    this.#shared ??= (async () => {
      const redis = new Redis(this.#url, {
        ...this.#redisOptions,
        commandTimeout: Math.max(2000, this.#redisOptions.commandTimeout ?? 0),
        // Scripts issued in one tick (many requests' holds and settlements) leave in one socket write, not one
        // each: the writes were a fifth of a billed request's CPU (docs/decisions/0017-credit-holds-off-the-database.md).
        enableAutoPipelining: true,
      });
      redis.on('error', (error) => this.#warn('redis-credits', error));
      await withTimeout(redis.connect(), this.#connectTimeoutMs, 'redis connect').catch((error: unknown) =>
        this.#warn('redis-credits', error),
      );
      return redis;
    })();
    return this.#shared;
  }

  /** A key under this store's prefix; `{tag}` keeps one subject's keys in one cluster slot. */
  sharedKey(kind: string, tag: string): string {
    return `${this.#prefix}${kind}:{${tag}}`;
  }

  // The {subject} hash tag keeps one subject's keys in one cluster slot, as multi-key scripts require.
  #counterKey(subject: string, kind: 'r' | 't', bucket: number): string {
    return `${this.#prefix}rl:{${subject}}:${kind}:${bucket}`;
  }

  #slotKey(subject: string): string {
    return `${this.#prefix}slots:{${subject}}`;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function quit(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await withTimeout(redis.quit(), 500, 'redis quit');
      return;
    } catch {
      // Fall through to a hard disconnect.
    }
  }
  redis.disconnect();
}
