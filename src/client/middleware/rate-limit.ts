import { sleep } from '../../router/backoff.js';
import type { ChatStreamPart } from '../../spec/chat.js';
import type { ClientStreamPart, Middleware, ModelCall } from '../model-call.js';
import { withParts } from '../model-call.js';
import { countTokens } from '../token-count.js';

export interface RateLimitClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface RateLimitOptions {
  requestsPerMinute?: number;
  /** Prompt plus output tokens per minute: reserved from a local estimate, then corrected by the reported usage. */
  tokensPerMinute?: number;
  /** Tokens reserved before a call (default: the prompt counted locally plus `maxTokens`). */
  estimateTokens?: (call: ModelCall) => number;
  /** Time source, for tests. */
  clock?: RateLimitClock;
}

const WINDOW_MS = 60_000;

function defaultEstimate(call: ModelCall): number {
  if (call.kind === 'embed')
    return call.request.input.reduce((sum, text) => sum + countTokens({ model: call.model, text }), 0);
  return countTokens({ model: call.model, messages: call.request.messages }) + (call.request.maxTokens ?? 0);
}

interface Entry {
  at: number;
  tokens: number;
}

/**
 * A client-side limit over a sliding minute, shared by every call through this middleware instance:
 * calls wait (in order, abortable) until both the request and the token budget have room.
 *
 * @example
 * const gate = new LlamaGate({ middleware: [rateLimit({ requestsPerMinute: 60, tokensPerMinute: 90_000 })] });
 */
export function rateLimit(options: RateLimitOptions): Middleware {
  const clock: RateLimitClock = options.clock ?? { now: Date.now, sleep };
  const estimate = options.estimateTokens ?? defaultEstimate;
  const entries: Entry[] = [];
  let queue: Promise<unknown> = Promise.resolve();

  function waitTime(tokens: number, now: number): number {
    let wait = 0;
    const rpm = options.requestsPerMinute;
    if (rpm !== undefined && entries.length >= rpm) {
      const blocking = entries[entries.length - rpm] as Entry;
      wait = Math.max(wait, blocking.at + WINDOW_MS - now);
    }
    const tpm = options.tokensPerMinute;
    if (tpm !== undefined && entries.length > 0) {
      let used = entries.reduce((sum, entry) => sum + entry.tokens, 0);
      for (const entry of entries) {
        if (used + tokens <= tpm) break;
        used -= entry.tokens;
        wait = Math.max(wait, entry.at + WINDOW_MS - now);
      }
    }
    return wait;
  }

  async function admit(tokens: number, signal: AbortSignal | undefined): Promise<Entry> {
    for (;;) {
      const now = clock.now();
      while (entries.length > 0 && (entries[0] as Entry).at <= now - WINDOW_MS) entries.shift();
      const wait = waitTime(tokens, now);
      if (wait <= 0) {
        const entry = { at: now, tokens };
        entries.push(entry);
        return entry;
      }
      await clock.sleep(wait, signal);
    }
  }

  return (next) => async (call) => {
    const turn = queue.then(() => admit(estimate(call), call.options.signal));
    queue = turn.catch(() => undefined);
    const entry = await turn;
    const outcome = await next(call);
    if (outcome.kind === 'completion') {
      const { usage } = outcome.result;
      entry.tokens = usage.totalTokens ?? (usage.promptTokens ?? entry.tokens) + (usage.completionTokens ?? 0);
    } else if (outcome.kind === 'embed') {
      entry.tokens = outcome.result.usage.totalTokens ?? outcome.result.usage.promptTokens ?? entry.tokens;
    } else {
      const stream = outcome.result;
      const metered = async function* (): AsyncGenerator<ClientStreamPart> {
        for await (const part of stream.parts) {
          if (part.type === 'usage') {
            const usage = (part as Extract<ChatStreamPart, { type: 'usage' }>).usage;
            if (usage.totalTokens !== undefined) entry.tokens = usage.totalTokens;
          }
          yield part;
        }
      };
      return { kind: 'stream', result: withParts(stream, metered()) };
    }
    return outcome;
  };
}
