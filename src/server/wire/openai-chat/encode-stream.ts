/** Typed stream parts → OpenAI's server-sent events: `chat.completion.chunk` frames, then `[DONE]`. */
import { generateId } from '../../../provider-utils/ids.js';
import type { ChatStreamPart } from '../../../spec/chat.js';
import { toOpenAIErrorBody } from '../../../spec/errors.js';
import type { ResponseMeta } from '../chat-codec.js';
import type { OpenAIChatCall } from './decode-request.js';
import { ChatChunkEncoder } from './encode-response.js';

/** An `error` part ends the stream with OpenAI's error body as the last event before `[DONE]`. */
export async function* encodeOpenAIChatStream(
  parts: AsyncIterable<ChatStreamPart>,
  call: OpenAIChatCall,
  meta: ResponseMeta,
): AsyncGenerator<string> {
  const encoder = new ChatChunkEncoder(
    { id: generateId('chatcmpl'), model: meta.model, created: meta.created },
    call.includeUsage,
  );
  for await (const part of parts) {
    if (part.type === 'error') {
      yield `data: ${JSON.stringify(toOpenAIErrorBody(part.error, meta.requestId))}\n\n`;
      yield 'data: [DONE]\n\n';
      return;
    }
    for (const chunk of encoder.encode(part)) yield `data: ${JSON.stringify(chunk)}\n\n`;
  }
  for (const chunk of encoder.finish()) yield `data: ${JSON.stringify(chunk)}\n\n`;
  yield 'data: [DONE]\n\n';
}
