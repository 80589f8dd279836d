/**
 * The wire codec of Anthropic's Messages API (`POST /v1/messages`): decode into the neutral call, encode
 * results, streams and errors in Anthropic's shapes. Anthropic's request format needs no repair, so decoding
 * never changes the meaning of the bytes: they are always kept for an Anthropic backend to forward.
 */
import type { ChatRequest, ChatResult, ChatStreamPart } from '../../../spec/chat.js';
import type { LlamaGateError } from '../../../spec/errors.js';
import {
  type ChatCodec,
  type DecodedChatCall,
  type EncodedBody,
  type EncodedError,
  type ResponseMeta,
  retryAfterHeader,
  type WirePassthrough,
} from '../chat-codec.js';
import { decodeAnthropicRequest } from './decode-anthropic-request.js';
import {
  anthropicErrorBody,
  anthropicErrorType,
  anthropicId,
  encodeAnthropicMessage,
} from './encode-anthropic-response.js';
import { encodeAnthropicStream } from './encode-anthropic-stream.js';

const JSON_CONTENT_TYPE = 'application/json';

/** The version and beta headers an Anthropic client sent, forwarded unchanged to an Anthropic backend. */
export function anthropicHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string> | undefined {
  let forwarded: Record<string, string> | undefined;
  for (const name of ['anthropic-version', 'anthropic-beta']) {
    const value = headers[name];
    const text = Array.isArray(value) ? value.join(',') : value;
    if (text !== undefined && text !== '') {
      forwarded ??= {};
      forwarded[name] = text;
    }
  }
  return forwarded;
}

/**
 * The client's `anthropic-beta` values as a provider option, so that every Anthropic call built from the
 * neutral request (a wrapper's rewritten calls, when the client's own body can no longer be forwarded) keeps them.
 */
function withBetas(request: ChatRequest, beta: string | undefined): ChatRequest {
  const betas = beta
    ?.split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
  if (betas === undefined || betas.length === 0) return request;
  const anthropic = { ...request.providerOptions?.anthropic, betas };
  return { ...request, providerOptions: { ...request.providerOptions, anthropic } };
}

/** The response body as the upstream sent it, when the upstream spoke this format (an Anthropic backend). */
function upstreamBytes(result: ChatResult): Uint8Array | undefined {
  const response = result.response;
  return response?.format === 'anthropic-messages' ? response.body : undefined;
}

export const anthropicMessagesCodec: ChatCodec = {
  format: 'anthropic-messages',
  streamContentType: 'text/event-stream; charset=utf-8',

  decode(body, bytes, headers): DecodedChatCall {
    const decoded = decodeAnthropicRequest(body);
    const { stream: _stream, ...material } = body as Record<string, unknown>;
    const passthrough: WirePassthrough = {
      format: 'anthropic-messages',
      body: body as Readonly<Record<string, unknown>>,
      bytes,
    };
    const forwarded = anthropicHeaders(headers);
    if (forwarded !== undefined) passthrough.headers = forwarded;
    return {
      model: decoded.model,
      stream: decoded.stream,
      request: withBetas(decoded.request, forwarded?.['anthropic-beta']),
      passthrough,
      cacheMaterial: { format: 'anthropic-messages', body: material },
    };
  },

  encodeResult(result: ChatResult, call: DecodedChatCall, meta: ResponseMeta): EncodedBody {
    const bytes = upstreamBytes(result);
    if (bytes !== undefined) return { kind: 'bytes', bytes, contentType: JSON_CONTENT_TYPE };
    const id = anthropicId('msg', result.id);
    return { kind: 'json', json: encodeAnthropicMessage(result, meta.model, id, call.request.stop) };
  },

  encodeStream(parts: AsyncIterable<ChatStreamPart>, call: DecodedChatCall, meta: ResponseMeta) {
    return encodeAnthropicStream(parts, { model: meta.model, stop: call.request.stop });
  },

  encodeError(error: LlamaGateError, requestId: string): EncodedError {
    const { status } = anthropicErrorType(error);
    const headers: Record<string, string> = { 'request-id': requestId, ...retryAfterHeader(error) };
    return { status, body: anthropicErrorBody(error, requestId), headers };
  },
};
