/**
 * The unit every middleware sees: one call of one model (chat, chat stream or embedding), before the model
 * string is resolved to a provider, so middleware can change the model (fallback) as well as the request.
 */
import type { CallOptions, ChatRequest, ChatResult, ChatStreamPart, ChatStreamResult } from '../spec/chat.js';
import type { EmbeddingRequest, EmbeddingResult } from '../spec/embedding.js';
import type { AttemptFailure, LlamaGateError } from '../spec/errors.js';

/** What to do when a stream fails after its first chunk and another model is left in the chain. */
export type StreamFallbackMode = 'error' | 'restart' | 'continue';

/** Per-call provider settings that bypass the instance's provider configuration. */
export interface CallTarget {
  /** Provider id (`groq`, `anthropic`…) the model string is sent to, whatever its prefix says. */
  provider?: string;
  apiKey?: string;
  baseURL?: string;
}

/** Shared by every attempt of one logical call (fallbacks and retries included), for the response's metadata. */
export interface CallTrace {
  fallbackAttempts: AttemptFailure[];
  cacheHit: boolean;
}

export interface FallbackPolicy {
  shouldFallback: (error: LlamaGateError) => boolean;
  streamMode: StreamFallbackMode;
}

interface CallBase {
  /** The model string as the caller wrote it (`groq/llama-3.1-8b-instant`, `gpt-4o-mini`). */
  model: string;
  target: CallTarget;
  options: CallOptions;
  fallback: FallbackPolicy;
  trace: CallTrace;
}

export interface CompletionCall extends CallBase {
  kind: 'completion';
  request: ChatRequest;
}

export interface StreamCall extends CallBase {
  kind: 'stream';
  request: ChatRequest;
  /**
   * Text an earlier model already streamed before it failed (`streamFallbackMode: 'continue'`): sent as an
   * assistant prefill where the provider continues one, else as an assistant turn plus a "continue" request.
   */
  continuation?: string;
}

export interface EmbedCall extends CallBase {
  kind: 'embed';
  request: EmbeddingRequest;
  /** Upstream calls in flight at once when the input is split into batches. */
  maxConcurrency?: number;
}

export type ModelCall = CompletionCall | StreamCall | EmbedCall;

/** A stream moved to another model after it had started (`restart` discards what was streamed so far). */
export interface StreamFallbackPart {
  type: 'fallback';
  mode: 'restart' | 'continue';
  from: string;
  to: string;
  provider: string;
  error: LlamaGateError;
}

export type ClientStreamPart = ChatStreamPart | StreamFallbackPart;

export interface ClientStreamResult extends Omit<ChatStreamResult, 'parts'> {
  parts: AsyncIterable<ClientStreamPart>;
}

export type ModelOutcome =
  | { kind: 'completion'; result: ChatResult }
  | { kind: 'stream'; result: ClientStreamResult }
  | { kind: 'embed'; result: EmbeddingResult };

export type ModelHandler = (call: ModelCall) => Promise<ModelOutcome>;

/**
 * Wraps the next handler: `(next) => async (call) => next(call)`. The same middleware sees completions,
 * streams and embeddings (`call.kind`); the first middleware in a list is the outermost.
 *
 * @example
 * const timing: Middleware = (next) => async (call) => {
 *   const started = Date.now();
 *   try { return await next(call); } finally { console.log(call.model, Date.now() - started, 'ms'); }
 * };
 */
export type Middleware = (next: ModelHandler) => ModelHandler;

/** `compose([a, b])(handler)` runs `a`, then `b`, then the handler. */
export function composeMiddleware(middleware: readonly Middleware[]): (handler: ModelHandler) => ModelHandler {
  return (handler) => middleware.reduceRight<ModelHandler>((next, wrap) => wrap(next), handler);
}

/** Replaces the parts of a stream outcome, keeping its metadata. */
export function withParts(result: ClientStreamResult, parts: AsyncIterable<ClientStreamPart>): ClientStreamResult {
  return { ...result, parts };
}
