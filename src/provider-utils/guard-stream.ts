import type { ChatStreamPart } from '../spec/chat.js';
import { type LlamaGateError, LlamaGateError as LlamaGateErrorClass, ProviderAPIError } from '../spec/errors.js';

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
export async function* guardStream(
  parts: AsyncIterable<ChatStreamPart>,
  upstream: { close(): void },
  context: StreamContext,
): AsyncGenerator<ChatStreamPart> {
  try {
    yield* parts;
  } catch (error) {
    if (LlamaGateErrorClass.isInstance(error) && error.code === 'client_closed_request') throw error;
    yield streamFailurePart(error, context);
  } finally {
    upstream.close();
  }
}
