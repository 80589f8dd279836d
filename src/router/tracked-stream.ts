import { ITERATION_END, nextOf } from '../provider-utils/async-iteration.js';
import type { ChatStreamPart } from '../spec/chat.js';
import { toLlamaGateError } from '../spec/errors.js';
import type { AttemptTicket } from './backend-stats.js';

/**
 * Wraps a stream's parts so the backend's bookkeeping ends with the stream: in-flight released when it ends
 * or the consumer stops, a mid-stream error recorded against the backend.
 */
export function trackStreamParts(
  parts: AsyncIterable<ChatStreamPart>,
  ticket: AttemptTicket,
): AsyncIterable<ChatStreamPart> {
  return { [Symbol.asyncIterator]: () => new TrackedParts(parts[Symbol.asyncIterator](), ticket) };
}

/**
 * A hand-written iterator rather than a generator: `return()` on a generator that never started skips its
 * `finally`, and each part passes with one promise instead of an async function's (decision 0020).
 */
class TrackedParts implements AsyncIterator<ChatStreamPart> {
  readonly #iterator: AsyncIterator<ChatStreamPart>;
  readonly #ticket: AttemptTicket;
  /** Made once per stream, not per part. */
  readonly #onResult = (result: IteratorResult<ChatStreamPart>): IteratorResult<ChatStreamPart> => {
    if (result.done === true) this.#ticket.release();
    else if (result.value.type === 'error') this.#ticket.failedAfterStart(result.value.error);
    return result;
  };
  readonly #onFailure = (error: unknown): never => {
    this.#ticket.failedAfterStart(toLlamaGateError(error));
    this.#ticket.release();
    throw error;
  };

  constructor(iterator: AsyncIterator<ChatStreamPart>, ticket: AttemptTicket) {
    this.#iterator = iterator;
    this.#ticket = ticket;
  }

  next(): Promise<IteratorResult<ChatStreamPart>> {
    return nextOf(this.#iterator).then(this.#onResult, this.#onFailure);
  }

  async return(value?: unknown): Promise<IteratorResult<ChatStreamPart>> {
    this.#ticket.release();
    const result = await this.#iterator.return?.(value);
    return result ?? ITERATION_END;
  }
}
