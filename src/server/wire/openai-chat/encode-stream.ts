/** Typed stream parts → OpenAI's server-sent events: `chat.completion.chunk` frames, then `[DONE]`. */
import { generateId } from '../../../provider-utils/ids.js';
import type { ChatStreamPart } from '../../../spec/chat.js';
import { toOpenAIErrorBody } from '../../../spec/errors.js';
import type { ResponseMeta } from '../chat-codec.js';
import type { OpenAIChatCall } from './decode-request.js';
import { ChatChunkEncoder } from './encode-response.js';

/**
 * An `error` part ends the stream with OpenAI's error body as the last event before `[DONE]`. A stream that
 * starts with the upstream's own OpenAI frames (decision 0023) is those bytes, and the typed parts are not
 * encoded; only a failure of the gateway's own (a cut, a timeout) adds its error event and `[DONE]`.
 */
export async function* encodeOpenAIChatStream(
  parts: AsyncIterable<ChatStreamPart>,
  call: OpenAIChatCall,
  meta: ResponseMeta,
): AsyncGenerator<string | Uint8Array> {
  const encoder = new ChatChunkEncoder(
    { id: generateId('chatcmpl'), model: meta.model, created: meta.created },
    call.includeUsage,
  );
  let started = false;
  let relaying = false;
  for await (const part of parts) {
    if (part.type === 'upstream-frame') {
      if (part.format !== 'openai-chat' || started) continue;
      relaying = true;
      yield part.bytes;
      continue;
    }
    if (part.type === 'error') {
      if (relaying && part.relayed === true) return;
      yield `data: ${JSON.stringify(toOpenAIErrorBody(part.error, meta.requestId))}\n\n`;
      yield 'data: [DONE]\n\n';
      return;
    }
    if (relaying) continue;
    started = true;
    for (const chunk of encoder.encode(part)) yield `data: ${JSON.stringify(chunk)}\n\n`;
  }
  if (relaying) return;
  for (const chunk of encoder.finish()) yield `data: ${JSON.stringify(chunk)}\n\n`;
  yield 'data: [DONE]\n\n';
}
