import { ITERATION_END } from '../provider-utils/async-iteration.js';
import type { ChatStreamPart, ChatStreamResult } from '../spec/chat.js';
import { type LlamaGateError, toLlamaGateError } from '../spec/errors.js';

/**
 * Reads a stream up to its first content-bearing part. A stream that fails before producing output throws
 * here (so the caller can still fall back); otherwise the returned stream replays what was read, then the rest.
 */
export async function peekFirstOutput(stream: ChatStreamResult): Promise<ChatStreamResult> {
  const iterator = stream.parts[Symbol.asyncIterator]();
  const buffered: ChatStreamPart[] = [];
  let done = false;
  for (;;) {
    let next: IteratorResult<ChatStreamPart>;
    try {
      next = await iterator.next();
    } catch (error) {
      throw toLlamaGateError(error);
    }
    if (next.done) {
      done = true;
      break;
    }
    const part = next.value;
    if (part.type === 'error') {
      await iterator.return?.();
      throw part.error as LlamaGateError;
    }
    buffered.push(part);
    // The upstream's own frames come before the parts read from them: an error line must still fall back.
    if (part.type !== 'response-metadata' && part.type !== 'upstream-frame') break;
  }
  return { ...stream, parts: new ReplayedParts(buffered, iterator, done) };
}

/**
 * What was read, then the rest of `iterator` (none when it was `done`). An iterator that hands the rest straight
 * through, rather than a generator that re-yields it, so a stream's every part passes one layer fewer
 * (decision 0020).
 */
class ReplayedParts implements AsyncIterableIterator<ChatStreamPart> {
  #buffered: readonly ChatStreamPart[];
  #index = 0;
  readonly #iterator: AsyncIterator<ChatStreamPart>;
  #done: boolean;

  constructor(buffered: readonly ChatStreamPart[], iterator: AsyncIterator<ChatStreamPart>, done: boolean) {
    this.#buffered = buffered;
    this.#iterator = iterator;
    this.#done = done;
  }

  next(): Promise<IteratorResult<ChatStreamPart>> {
    const buffered = this.#buffered;
    if (this.#index < buffered.length) {
      const value = buffered[this.#index++] as ChatStreamPart;
      if (this.#index === buffered.length) this.#buffered = [];
      return Promise.resolve({ value, done: false });
    }
    if (this.#done) return Promise.resolve(ITERATION_END);
    return this.#iterator.next();
  }

  /** The consumer stopped early (or finished): the upstream iterator is closed, once. */
  async return(): Promise<IteratorResult<ChatStreamPart>> {
    this.#buffered = [];
    if (!this.#done) {
      this.#done = true;
      await this.#iterator.return?.();
    }
    return ITERATION_END;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
