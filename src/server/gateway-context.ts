import type { GatewayConfig } from '../config/config-schema.js';
import type { McpManager } from '../mcp/mcp-manager.js';
import type { ModelResolver } from '../router/model-resolver.js';
import type { AttemptListener, Router } from '../router/router.js';
import type { ChatResult, Usage } from '../spec/chat.js';
import type { ChatCallWrapper, ToolCallCharges } from '../spec/chat-call.js';
import type { LlamaGateError } from '../spec/errors.js';
import type { ExchangeObserver } from './exchange/exchange-events.js';
import type { Logger } from './logger.js';
import type { TokenBucketLimiter } from './rate-limiter.js';
import type { LruCache } from './response-cache.js';
import type { ResponsesState } from './responses-state.js';

export type ReloadOutcome =
  | {
      ok: true;
      configFile: string | undefined;
      backends: string[];
      /** Changed settings that are read only at start-up (start-only-settings.ts): still the old values. */
      restartRequired: string[];
    }
  | { ok: false; reason: string };

/** What `POST /admin/reload` needs of the reloader (`ConfigReloader`). */
export interface ConfigurationReload {
  reload(): ReloadOutcome;
}

/** Everything a request handler needs, built once at start-up (and swapped whole on reload). */
export interface GatewayContext {
  readonly config: Readonly<GatewayConfig>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  /** The router's model resolver (backends by name and provider). */
  readonly resolver: ModelResolver;
  /** Backends, pools, model aliases and routes, with retries, fallback, cool-downs and health. */
  readonly router: Router;
  /** Reloads the configuration (SIGHUP, `POST /admin/reload`); absent when the gateway was built without one. */
  readonly reloader?: ConfigurationReload;
  readonly cache: LruCache<ChatResult> | undefined;
  /** Virtual key id → its cache group (`cache.groups`): keys of one group share cached answers. */
  readonly cacheGroups: ReadonlyMap<string, string>;
  readonly limiter: TokenBucketLimiter;
  readonly version: string;
  /** Stored Responses API responses (opened on first use; kept across reloads). */
  readonly responses?: ResponsesState;
  /**
   * Wrappers the chat exchange applies around the routed model call, outermost first (the MCP tool loop is
   * one). Features register theirs when the context is built.
   */
  readonly chatWrappers?: readonly ChatCallWrapper[];
  /** The MCP client manager (one per process, kept across reloads); idle while MCP_ENABLED is false. */
  readonly mcp?: McpManager;
}

/** Who is calling: a virtual key (billed), or an unbilled caller (master key, shared API_KEY, open gateway). */
export type CallerRole = 'key' | 'master' | 'api-key' | 'open';

/** Per-request facts gathered by the stages and written in the one log line at the end. */
export interface RequestState {
  /** The gateway's own id (UUIDv7): the identity of the request's ledger row and request-log record. */
  readonly id: string;
  /** The client's `X-Request-ID` when it sent a usable one: echoed, forwarded upstream, stored beside `id`. */
  clientRequestId?: string;
  /** The request path without its query string. */
  readonly path: string;
  readonly startedAt: number;
  readonly clientIp: string;
  /**
   * Fires when the client goes away: the connection's signal (see `connectionSignal`), which aborts when its
   * socket closes. A response cannot be abandoned without its socket closing, so this is the disconnect.
   */
  readonly signal: AbortSignal;
  credential?: string;
  model?: string;
  /** The backend that served (after retries and fallbacks). */
  backend?: string;
  /** The model id the serving backend was asked for (an alias resolved, a prefix removed). */
  upstreamModel?: string;
  /** Upstream attempts made (retries and fallbacks included). */
  attempts?: number;
  usage?: Usage;
  cache?: 'HIT' | 'MISS' | 'BYPASS';
  stream?: boolean;
  timeToFirstChunkMs?: number;
  errorCode?: string;
  /** Who called, once authenticated: a virtual key (billed), the master key, the shared API_KEY, or anyone. */
  role?: CallerRole;
  /** The virtual key that called, when one did. */
  keyId?: string;
  /** Set by the model routes (chat, embeddings) before the body is read: a refusal still gets a ledger row. */
  modelRoute?: boolean;
  /** That key's model allow-list (globs; absent or null: every model). */
  allowedModels?: readonly string[] | null;
  /** That key's MCP tool restriction (`<server>.<tool>` globs; absent or null: no restriction). */
  mcpTools?: readonly string[] | null;
  /** Charges priced MCP tool calls to that key (set by billing for virtual keys). */
  toolCharges?: ToolCallCharges;
  /** Stages listening to this request's exchange events (billing, metrics…), in the order they subscribed. */
  observers?: ExchangeObserver[];
  /** What billing metered and charged (set when it settles). */
  metered?: {
    usage: {
      promptTokens: number;
      completionTokens: number | undefined;
      cachedTokens: number | undefined;
      reasoningTokens: number | undefined;
      estimated: boolean;
    };
    cost: number;
  };
  /** Finish reasons of the answer (gathered only when the request is traced). */
  finishReasons?: string[];
  /** Metrics, tracing and the request log listening to this request, when any is on. */
  observation?: RequestObserver;
}

/**
 * What the exchange and features may tell the observability stage (see server/observability). The exchange
 * tells it directly rather than through `observers`, so a request with metrics only has no observer to loop over
 * at every event (decision 0027). As `RouteCallOptions.attemptListener` it hears each upstream attempt.
 */
export interface RequestObserver extends AttemptListener {
  /** Whether the request is traced (what only spans show, such as finish reasons, is gathered only then). */
  readonly traced: boolean;
  /** The first chunk of a stream went out. */
  firstChunk(): void;
  /** The failure the server answers with (or a stream ends with). */
  failed(error: LlamaGateError): void;
  /**
   * For the MCP tool loop: an `execute_tool {name}` span and the tool-call metrics; call the result when the
   * tool returns (with the error type when it failed).
   */
  toolCall(server: string, tool: string): (error?: { type: string; message?: string }) => void;
  /** `traceparent`/`tracestate` to propagate (MCP `_meta`); empty when tracing is off. */
  traceCarrier(): Record<string, string>;
}
