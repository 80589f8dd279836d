import { ProviderAPIError } from '../spec/errors.js';
import { lineTooLong, maxStreamLineLength } from './stream-limits.js';

/** Parses newline-delimited JSON (Ollama's stream format): one value per non-empty line. */
export async function* parseNdjson(
  body: AsyncIterable<Uint8Array | string>,
  provider: string,
  options: { maxLineLength?: number } = {},
): AsyncGenerator<unknown> {
  const limit = options.maxLineLength ?? maxStreamLineLength();
  const decoder = new TextDecoder();
  let buffer = '';
  const parseLine = (line: string): unknown => {
    try {
      return JSON.parse(line);
    } catch (cause) {
      throw new ProviderAPIError({
        message: `${provider} sent a stream line that is not JSON: ${line.slice(0, 200)}`,
        provider,
        cause,
        isRetryable: false,
      });
    }
  };
  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      if (newline > limit) throw lineTooLong(provider, limit);
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line.length > 0) yield parseLine(line);
      newline = buffer.indexOf('\n');
    }
    if (buffer.length > limit) throw lineTooLong(provider, limit);
  }
  buffer = (buffer + decoder.decode()).trim();
  if (buffer.length > 0) yield parseLine(buffer);
}
