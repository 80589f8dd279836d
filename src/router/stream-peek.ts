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
    // Relayed upstream bytes are not output yet: a failure before the first content part can still fall back.
    if (part.type !== 'response-metadata' && part.type !== 'wire-bytes') break;
  }
  async function* replay(): AsyncGenerator<ChatStreamPart> {
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
  return { ...stream, parts: replay() };
}
