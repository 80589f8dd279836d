/**
 * Fallback chains: models tried in order through the same middleware stack. A stream falls back
 * transparently until its first output (the terminal handler peeks); after that `streamFallbackMode` decides.
 */
import { type Candidate, runWithFallback } from '../router/fallback-runner.js';
import { AllProvidersFailedError, BadRequestError, type LlamaGateError, toLlamaGateError } from '../spec/errors.js';
import type { FallbackCondition, FallbackOn } from './client-types.js';
import {
  type ClientStreamPart,
  type ClientStreamResult,
  type ModelCall,
  type ModelHandler,
  type ModelOutcome,
  type StreamCall,
  withParts,
} from './model-call.js';

export const DEFAULT_FALLBACK_ON: readonly FallbackCondition[] = [
  'rate_limit',
  'quota',
  'server_error',
  'timeout',
  'auth',
];

const CONDITIONS: Record<FallbackCondition, (error: LlamaGateError) => boolean> = {
  rate_limit: (error) => error.status === 429 || error.code === 'rate_limit_exceeded',
  quota: (error) => error.code === 'insufficient_quota' || error.code === 'budget_exceeded',
  server_error: (error) => error.status >= 500 && error.code !== 'client_closed_request',
  timeout: (error) => error.code === 'upstream_timeout' || error.code === 'request_timeout' || error.status === 408,
  auth: (error) => error.status === 401 || error.status === 403,
  not_found: (error) => error.status === 404,
  context_window: (error) => error.code === 'context_length_exceeded',
  content_policy: (error) => error.code === 'content_policy_violation',
  bad_request: (error) => error.status === 400,
};

/** Turns `fallbackOn` into a predicate; an abort never falls back. An unknown condition name throws at once. */
export function fallbackPredicate(fallbackOn: FallbackOn = DEFAULT_FALLBACK_ON): (error: LlamaGateError) => boolean {
  if (typeof fallbackOn === 'function') return (error) => error.code !== 'client_closed_request' && fallbackOn(error);
  const tests = fallbackOn.map((entry): ((error: LlamaGateError) => boolean) => {
    if (typeof entry !== 'string') return (error) => entry.isInstance(error);
    if (!Object.hasOwn(CONDITIONS, entry)) {
      throw new BadRequestError({
        message: `fallbackOn: unknown condition "${entry}" (one of ${Object.keys(CONDITIONS).join(', ')})`,
        param: 'fallbackOn',
      });
    }
    return CONDITIONS[entry];
  });
  return (error) => error.code !== 'client_closed_request' && tests.some((test) => test(error));
}

/** One failed model: a single attempt is rethrown as itself, several become AllProvidersFailedError. */
function chainError(thrown: unknown): unknown {
  if (AllProvidersFailedError.isInstance(thrown) && thrown.attempts.length === 1) return thrown.attempts[0]?.error;
  return thrown;
}

/** Runs `models` in order through `next`, recording failures in `call.trace.fallbackAttempts`. */
export async function runChain(call: ModelCall, models: readonly string[], next: ModelHandler): Promise<ModelOutcome> {
  return (await startChain(call, models, next)).outcome;
}

async function startChain(
  call: ModelCall,
  models: readonly string[],
  next: ModelHandler,
): Promise<{ outcome: ModelOutcome; model: string }> {
  const candidates: Candidate<ModelOutcome>[] = models.map((model) => ({
    model,
    run: () => next({ ...call, model } as ModelCall),
  }));
  let outcome: Awaited<ReturnType<typeof runWithFallback<ModelOutcome>>>;
  try {
    outcome = await runWithFallback(candidates, {
      signal: call.options.signal,
      shouldFallback: call.fallback.shouldFallback,
    });
  } catch (thrown) {
    if (AllProvidersFailedError.isInstance(thrown)) call.trace.fallbackAttempts.push(...thrown.attempts);
    throw chainError(thrown);
  }
  call.trace.fallbackAttempts.push(...outcome.failures);
  const model = outcome.served.model;
  if (outcome.value.kind !== 'stream' || call.kind !== 'stream') return { outcome: outcome.value, model };
  const rest = models.slice(outcome.fallbacks + 1);
  return { outcome: { kind: 'stream', result: guardStream(outcome.value.result, call, rest, next, model) }, model };
}

/** Watches a started stream for a failure after its first output and applies the stream fallback mode. */
function guardStream(
  stream: ClientStreamResult,
  call: StreamCall,
  rest: readonly string[],
  next: ModelHandler,
  model: string,
): ClientStreamResult {
  if (rest.length === 0 || call.fallback.streamMode === 'error') return stream;
  async function* parts(): AsyncGenerator<ClientStreamPart> {
    let text = '';
    let sawToolCall = false;
    const iterator = stream.parts[Symbol.asyncIterator]();
    try {
      for (;;) {
        let step: IteratorResult<ClientStreamPart>;
        try {
          step = await iterator.next();
        } catch (thrown) {
          step = { done: false, value: { type: 'error', error: toLlamaGateError(thrown) } };
        }
        if (step.done) return;
        const part = step.value;
        if (part.type !== 'error') {
          if (part.type === 'text-delta' && part.choiceIndex === 0) text += part.delta;
          if (part.type === 'tool-call-delta') sawToolCall = true;
          if (part.type === 'fallback') text = part.mode === 'restart' ? '' : text;
          yield part;
          continue;
        }
        if (!call.fallback.shouldFallback(part.error)) {
          yield part;
          return;
        }
        call.trace.fallbackAttempts.push({ model, provider: stream.provider, error: part.error });
        // A half-written tool call cannot be continued by another model: start over instead.
        const continuing = call.fallback.streamMode === 'continue' && !sawToolCall && text !== '';
        const nextCall: StreamCall = continuing
          ? { ...call, continuation: (call.continuation ?? '') + text }
          : { ...call, continuation: undefined };
        let started: { outcome: ModelOutcome; model: string };
        try {
          started = await startChain(nextCall, rest, next);
        } catch (thrown) {
          const error = toLlamaGateError(thrown);
          const attempts = AllProvidersFailedError.isInstance(error)
            ? error.attempts
            : [{ model: rest[0] ?? '', error }];
          yield {
            type: 'error',
            error: new AllProvidersFailedError([{ model, provider: stream.provider, error: part.error }, ...attempts]),
          };
          return;
        }
        const { outcome } = started;
        if (outcome.kind !== 'stream') throw new TypeError('a stream call answered with a non-stream outcome');
        yield {
          type: 'fallback',
          mode: continuing ? 'continue' : 'restart',
          from: model,
          to: started.model,
          provider: outcome.result.provider,
          error: part.error,
        };
        yield* outcome.result.parts;
        return;
      }
    } finally {
      await iterator.return?.();
    }
  }
  return withParts(stream, parts());
}
