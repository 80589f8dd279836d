/**
 * OpenAI's Responses API (`POST /v1/responses`) as a {@link ChatCodec} over the one chat exchange.
 */
import type { ChatCodec } from '../chat-codec.js';
import { encodeOpenAIError } from '../openai-chat/openai-chat-codec.js';
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
  encodeError: encodeOpenAIError,
};
