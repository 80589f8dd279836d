/**
 * The credit-billed gateway's long-lived service: authenticates callers (master key, shared API_KEY, virtual
 * `sk-lg-` keys), hands each request a {@link BillingSession}, serves the admin and usage routes, and keeps
 * the key cache in step with admin changes made by any process.
 *
 * Who may call (see the README, "Keys & billing"):
 * - the master key (`LLAMAGATE_MASTER_KEY`, else `API_KEY`) administers and may call models, unbilled;
 * - `API_KEY`, when a separate master key is set, stays a shared unbilled key for models (as before billing);
 * - virtual keys are billed against their credits and limits;
 * - with neither key configured the gateway is open as before: requests without a virtual key are unbilled.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ToolCallRecord } from '../../mcp/mcp-manager.js';
import { AuthenticationError } from '../../spec/errors.js';
import { API_KEY_PREFIX, hashApiKey, isApiKeyFormat } from '../../storage/api-keys.js';
import type { BatchingUsageWriter } from '../../storage/batching-usage-writer.js';
import type { CounterStore } from '../../storage/counter-store.js';
import type { CreditAccounts } from '../../storage/credit-accounts.js';
import type { Storage } from '../../storage/index.js';
import { keyUnusableReason, reserveFailureError } from '../../storage/key-rules.js';
import type { ApiKeyRecord, KeyStore } from '../../storage/key-store.js';
import type { LeaseKeeper } from '../../storage/lease-keeper.js';
import { extractCredential, safeEqual } from '../auth.js';
import type { CallerRole, GatewayContext, RequestState } from '../gateway-context.js';
import type { Logger } from '../logger.js';
import type { Route } from '../route.js';
import { adminKeyRoutes } from './admin-key-routes.js';
import { type BillingServices, storageUnavailable } from './billing-services.js';
import { BillingSession } from './billing-session.js';
import { KeyAdmin } from './key-admin.js';
import { KeyCache } from './key-cache.js';
import { usageRoutes } from './usage-routes.js';

export interface GatewayBillingOptions {
  storage: Storage;
  logger: Logger;
  /** The secret the storage hashes keys with (`LLAMAGATE_KEY_HASH_SECRET`); must match `openStorage`'s. */
  keyHashSecret?: string | undefined;
  /** How long a key stays cached (default 5 s). */
  keyCacheTtlMs?: number;
  /** How long `close()` waits for requests still finishing their billing. Default 10 s. */
  closeTimeoutMs?: number;
}

export class GatewayBilling implements BillingServices {
  readonly storage: Storage;
  readonly keys: KeyStore;
  readonly credits: CreditAccounts;
  readonly counters: CounterStore;
  readonly usageWriter: BatchingUsageWriter;
  readonly leases: LeaseKeeper;
  readonly cache: KeyCache;
  readonly logger: Logger;
  readonly admin: KeyAdmin;
  /** `/admin/keys…`, `/admin/usage…`, `/v1/usage`, `/v1/credits`. */
  readonly routes: readonly Route[];
  readonly #keyHashSecret: string | undefined;
  readonly #closeTimeoutMs: number;
  /** Sessions opened and not yet finished: a count, since a map keyed by each request costs per request (0015). */
  #openSessions = 0;
  #stopListening: (() => Promise<void>) | undefined;
  /** Who waits for the open sessions to finish (`whenIdle`). */
  readonly #idleWaiters: (() => void)[] = [];
  #closing: Promise<void> | undefined;

  private constructor(options: GatewayBillingOptions) {
    this.storage = options.storage;
    this.keys = options.storage.keys;
    this.credits = options.storage.credits;
    this.counters = options.storage.counters;
    this.usageWriter = options.storage.usageWriter;
    this.leases = options.storage.leases;
    this.logger = options.logger;
    this.cache = new KeyCache(options.keyCacheTtlMs ?? 5_000);
    // This process forgets a changed key at once; the others hear of it on the invalidation channel.
    this.admin = new KeyAdmin(options.storage, (keyId) => this.#forget(keyId));
    this.#keyHashSecret = options.keyHashSecret;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.routes = [...adminKeyRoutes(this.admin), ...usageRoutes(this)];
  }

  /** Starts listening for key changes made by other processes (and this one). */
  static async create(options: GatewayBillingOptions): Promise<GatewayBilling> {
    const billing = new GatewayBilling(options);
    billing.#stopListening = await billing.counters.subscribeInvalidations((keyId) => billing.#forget(keyId));
    return billing;
  }

  /** A key changed (here or in another process): drop the cached copy and re-read its credits. */
  #forget(keyId: string): void {
    this.cache.evict(keyId);
    this.credits.refresh(keyId);
  }

  /** The virtual key for a presented secret, from the cache or storage (revoked and expired keys included). */
  lookup(plaintext: string): Promise<ApiKeyRecord | undefined> {
    return this.cache
      .get(hashApiKey(plaintext, this.#keyHashSecret), (hash) => this.keys.getByHash(hash))
      .catch((error: unknown) => {
        throw storageUnavailable(error);
      });
  }

  /** The server's auth stage when billing is on: replaces the plain API_KEY check. */
  async authenticate(
    context: GatewayContext,
    request: IncomingMessage,
    response: ServerResponse,
    state: RequestState,
  ): Promise<void> {
    const { apiKey, masterKey } = context.config;
    const master = masterKey || apiKey || undefined;
    const credential = extractCredential(request.headers);
    if (credential !== undefined) {
      if (master !== undefined && safeEqual(credential, master))
        return this.#begin(context, state, response, 'master', credential);
      if (apiKey && apiKey !== master && safeEqual(credential, apiKey)) {
        return this.#begin(context, state, response, 'api-key', credential);
      }
      if (isApiKeyFormat(credential)) {
        const key = await this.lookup(credential);
        if (key === undefined) throw reserveFailureError('not_found');
        const unusable = keyUnusableReason(key, Date.now());
        if (unusable !== null) throw reserveFailureError(unusable, key.id);
        return this.#begin(context, state, response, 'key', credential, key);
      }
      // An open gateway still refuses a virtual key it cannot honour (mistyped, revoked, made up), so none is
      // served unbilled; other placeholders (SDKs insist on some key, e.g. `apiKey: 'ollama'`) stay anonymous.
      if (master !== undefined || credential.startsWith(API_KEY_PREFIX))
        throw new AuthenticationError({ message: 'Invalid API key', isRetryable: false });
    } else if (master !== undefined) {
      throw new AuthenticationError({
        message: 'Missing API key: send it as X-API-Key or Authorization: Bearer <key>',
        isRetryable: false,
      });
    }
    // No key configured: the gateway stays open, as without billing (the rate limiter keys by client IP).
    return this.#begin(context, state, response, 'open', undefined);
  }

  /** Queues one MCP tool call for the tool-call ledger (every caller's, billed or not); never throws. */
  recordToolCall(record: ToolCallRecord): void {
    try {
      this.storage.toolCallWriter.write({
        id: record.id,
        time: Date.parse(record.time),
        requestId: record.request_id,
        keyId: record.key_id,
        server: record.server,
        tool: record.tool,
        source: record.source,
        durationMs: record.duration_ms,
        outcome: record.outcome,
        bytes: record.bytes,
        cost: record.cost_micros,
      });
    } catch (error) {
      this.logger.error({ requestId: record.request_id, err: error }, 'tool-call record rejected');
    }
  }

  /** The server's last stage, after the handler (success or not). */
  async finish(state: RequestState, response: ServerResponse): Promise<void> {
    const session = sessionOf(state);
    if (session === undefined || session.finished) return;
    try {
      await session.finish(response);
    } finally {
      this.#openSessions--;
      if (this.#openSessions === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  /**
   * Resolves once no request is still being billed: a hold settled after its answer was written (decision 0022)
   * and its usage record queued.
   */
  whenIdle(): Promise<void> {
    if (this.#openSessions === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Waits for requests still settling, flushes the usage ledger and closes storage. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#openSessions > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          this.whenIdle(),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, this.#closeTimeoutMs);
          }),
        ]);
        clearTimeout(timer);
      }
      await this.#stopListening?.();
      await this.storage.close();
    })();
    return this.#closing;
  }

  #begin(
    context: GatewayContext,
    state: RequestState,
    response: ServerResponse,
    role: CallerRole,
    credential: string | undefined,
    key?: ApiKeyRecord,
  ): void {
    if (credential !== undefined) state.credential = credential;
    state.role = role;
    if (key !== undefined) {
      state.keyId = key.id;
      state.allowedModels = key.models;
      state.mcpTools = key.mcpTools;
    }
    const session = new BillingSession(this, context, state, response, role, key);
    const charges = session.toolCharges();
    if (charges !== undefined) state.toolCharges = charges;
    if (state.observers === undefined) state.observers = [session];
    else state.observers.push(session);
    this.#openSessions++;
  }
}

/** The request's billing session: the observer the auth stage subscribed. */
function sessionOf(state: RequestState): BillingSession | undefined {
  const observers = state.observers;
  if (observers !== undefined)
    for (const observer of observers) if (observer instanceof BillingSession) return observer;
  return undefined;
}
