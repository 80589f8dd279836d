import type { FallbackOn } from '../client-types.js';
import { fallbackPredicate, runChain } from '../fallback-chain.js';
import type { Middleware, StreamFallbackMode } from '../model-call.js';

export interface FallbackMiddlewareOptions {
  /** Models tried, in order, after the call's own model. */
  models: readonly string[];
  /** Overrides the call's `fallbackOn`. */
  fallbackOn?: FallbackOn;
  /** Overrides the call's `streamFallbackMode`. */
  streamFallbackMode?: StreamFallbackMode;
}

/**
 * A fallback chain as middleware: the call's model, then `models`, each through the middleware after this one.
 * Failed attempts appear in `response.fallbackAttempts`.
 *
 * @example
 * const gate = new LlamaGate({ middleware: [fallback({ models: ['groq/llama-3.1-8b-instant'] }), retry()] });
 */
export function fallback(options: FallbackMiddlewareOptions): Middleware {
  return (next) => (call) => {
    const policy = {
      shouldFallback:
        options.fallbackOn === undefined ? call.fallback.shouldFallback : fallbackPredicate(options.fallbackOn),
      streamMode: options.streamFallbackMode ?? call.fallback.streamMode,
    };
    const models = [call.model, ...options.models.filter((model) => model !== call.model)];
    return runChain({ ...call, fallback: policy }, models, next);
  };
}
