import type { ChatStreamPart } from '../spec/chat.js';
import { toLlamaGateError } from '../spec/errors.js';
import type { AttemptTicket } from './backend-stats.js';

/**
 * Wraps a stream's parts so the backend's bookkeeping ends with the stream: in-flight released when it ends
 * or the consumer stops, a mid-stream error recorded against the backend. A hand-written iterator rather than
 * a generator, because `return()` on a generator that never started skips its `finally`.
 */
export function trackStreamParts(
  parts: AsyncIterable<ChatStreamPart>,
  ticket: AttemptTicket,
): AsyncIterable<ChatStreamPart> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = parts[Symbol.asyncIterator]();
      return {
        async next() {
          try {
            const result = await iterator.next();
            if (result.done) ticket.release();
            else if (result.value.type === 'error') ticket.failedAfterStart(result.value.error);
            return result;
          } catch (error) {
            ticket.failedAfterStart(toLlamaGateError(error));
            ticket.release();
            throw error;
          }
        },
        async return(value?: unknown) {
          ticket.release();
          const result = await iterator.return?.(value);
          return result ?? { done: true as const, value: undefined };
        },
      };
    },
  };
}
