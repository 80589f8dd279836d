import type { ChatStreamPart } from '../spec/chat.js';
import { type LlamaGateError, LlamaGateError as LlamaGateErrorClass, ProviderAPIError } from '../spec/errors.js';
import { ITERATION_END, nextOf } from './async-iteration.js';

export interface StreamContext {
  provider: string;
  model: string;
}

/** The final part of a stream that failed after it started: the typed error, or an upstream error wrapping it. */
export function streamFailurePart(error: unknown, context: StreamContext): ChatStreamPart {
  const typed: LlamaGateError = LlamaGateErrorClass.isInstance(error)
    ? error
    : new ProviderAPIError({ message: String(error), provider: context.provider, model: context.model, cause: error });
  return { type: 'error', error: typed };
}

/**
 * Wraps a provider's translated part stream, the same way for every adapter: a failure after the stream
 * started becomes one final `error` part (consumers never hang or see a throw mid-stream), a caller abort
 * ends the iteration by rethrowing, and the upstream response is closed however the iteration ends.
 */
export function guardStream(
  parts: AsyncIterable<ChatStreamPart>,
  upstream: { close(): void },
  context: StreamContext,
): AsyncIterableIterator<ChatStreamPart> {
  return new GuardedParts(parts[Symbol.asyncIterator](), upstream, context);
}

/**
 * A hand-written iterator rather than a generator: it hands each part through without a generator's resumption
 * per part (decision 0020), and `return()` before the first read still closes the upstream (a generator that
 * never started skips its `finally`).
 */
class GuardedParts implements AsyncIterableIterator<ChatStreamPart> {
  readonly #iterator: AsyncIterator<ChatStreamPart>;
  readonly #upstream: { close(): void };
  readonly #context: StreamContext;
  #ended = false;
  /** Made once per stream, not per part. */
  readonly #onResult = (result: IteratorResult<ChatStreamPart>): IteratorResult<ChatStreamPart> => {
    if (result.done === true) this.#end();
    return result;
  };
  readonly #onFailure = (error: unknown): IteratorResult<ChatStreamPart> => {
    this.#end();
    if (LlamaGateErrorClass.isInstance(error) && error.code === 'client_closed_request') throw error;
    return { value: streamFailurePart(error, this.#context), done: false };
  };

  constructor(iterator: AsyncIterator<ChatStreamPart>, upstream: { close(): void }, context: StreamContext) {
    this.#iterator = iterator;
    this.#upstream = upstream;
    this.#context = context;
  }

  next(): Promise<IteratorResult<ChatStreamPart>> {
    if (this.#ended) return Promise.resolve(ITERATION_END);
    return nextOf(this.#iterator).then(this.#onResult, this.#onFailure);
  }

  async return(): Promise<IteratorResult<ChatStreamPart>> {
    if (!this.#ended) {
      this.#end();
      await this.#iterator.return?.();
    }
    return ITERATION_END;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#upstream.close();
  }
}
