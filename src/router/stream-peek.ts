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
  return { ...stream, parts: replay(buffered, iterator, done) };
}

/**
 * What was read, then the rest of `iterator` (none when it was `done`). Declared once, not per stream: a generator
 * function made per call gives each stream's generator a prototype and hidden class of its own (decision 0019).
 */
async function* replay(
  buffered: readonly ChatStreamPart[],
  iterator: AsyncIterator<ChatStreamPart>,
  done: boolean,
): AsyncGenerator<ChatStreamPart> {
  try {
    yield* buffered;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}
