/**
 * The wire codec of Anthropic's Messages API (`POST /v1/messages`): decode into the neutral call, encode
 * results, streams and errors in Anthropic's shapes. Anthropic's request format needs no repair, so decoding
 * never changes the meaning of the bytes: they are always kept for an Anthropic backend to forward.
 */
import type { ChatResult, ChatStreamPart } from '../../../spec/chat.js';
import type { LlamaGateError } from '../../../spec/errors.js';
import type { ChatCodec, DecodedChatCall, EncodedBody, EncodedError, ResponseMeta } from '../chat-codec.js';
import { decodeAnthropicRequest } from './decode-anthropic-request.js';
import {
  anthropicErrorBody,
  anthropicErrorType,
  anthropicId,
  encodeAnthropicMessage,
} from './encode-anthropic-response.js';
import { encodeAnthropicStream } from './encode-anthropic-stream.js';

const JSON_CONTENT_TYPE = 'application/json';

/** The response body as the upstream sent it, when the upstream spoke this format (an Anthropic backend). */
function upstreamBytes(result: ChatResult): Uint8Array | undefined {
  const response = result.response as (ChatResult['response'] & { body?: unknown; format?: string }) | undefined;
  if (response?.format !== 'anthropic-messages') return undefined;
  return response.body instanceof Uint8Array ? response.body : undefined;
}

export const anthropicMessagesCodec: ChatCodec = {
  format: 'anthropic-messages',
  streamContentType: 'text/event-stream; charset=utf-8',

  decode(body, bytes): DecodedChatCall {
    const decoded = decodeAnthropicRequest(body);
    const { stream: _stream, ...material } = body as Record<string, unknown>;
    return {
      model: decoded.model,
      stream: decoded.stream,
      request: decoded.request,
      passthrough: { format: 'anthropic-messages', body: body as Readonly<Record<string, unknown>>, bytes },
      cacheMaterial: { format: 'anthropic-messages', body: material },
    };
  },

  encodeResult(result: ChatResult, _call: DecodedChatCall, meta: ResponseMeta): EncodedBody {
    const bytes = upstreamBytes(result);
    if (bytes !== undefined) return { kind: 'bytes', bytes, contentType: JSON_CONTENT_TYPE };
    return { kind: 'json', json: encodeAnthropicMessage(result, meta.model, anthropicId('msg', result.id)) };
  },

  encodeStream(parts: AsyncIterable<ChatStreamPart>, _call: DecodedChatCall, meta: ResponseMeta) {
    return encodeAnthropicStream(parts, { model: meta.model });
  },

  encodeError(error: LlamaGateError, requestId: string): EncodedError {
    const { status } = anthropicErrorType(error);
    const headers: Record<string, string> = { 'request-id': requestId };
    if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
    return { status, body: anthropicErrorBody(error, requestId), headers };
  },
};
