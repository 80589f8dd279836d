/**
 * OpenAI's Responses API (`POST /v1/responses`) as a {@link ChatCodec} over the one chat exchange.
 */
import { toOpenAIErrorBody } from '../../../spec/errors.js';
import type { ChatCodec } from '../chat-codec.js';
import { decodeResponsesRequest } from './decode-responses-request.js';
import { encodeResponsesResult } from './encode-responses-result.js';
import { encodeResponsesStream } from './encode-responses-stream.js';
import type { ResponsesCall } from './responses-types.js';

export const openaiResponsesCodec: ChatCodec<ResponsesCall> = {
  format: 'openai-responses',
  streamContentType: 'text/event-stream; charset=utf-8',
  decode: (body) => decodeResponsesRequest(body),
  encodeResult(result, call, meta) {
    const response = encodeResponsesResult(result, call, meta);
    call.onResponse?.(response);
    return { kind: 'json', json: response };
  },
  encodeStream: encodeResponsesStream,
  encodeError(error, requestId) {
    const status = error.status >= 400 && error.status <= 599 ? error.status : 500;
    const headers =
      error.retryAfter === undefined ? undefined : { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfter))) };
    return {
      status: status === 499 ? 400 : status,
      body: toOpenAIErrorBody(error, requestId),
      ...(headers && { headers }),
    };
  },
};
