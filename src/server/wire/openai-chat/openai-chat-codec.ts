/** OpenAI's chat completions API (`/v1/chat/completions`) as a {@link ChatCodec}. */
import { type LlamaGateError, toOpenAIErrorBody } from '../../../spec/errors.js';
import { type ChatCodec, type EncodedError, retryAfterHeader } from '../chat-codec.js';
import { decodeOpenAIChatRequest, type OpenAIChatCall } from './decode-request.js';
import { encodeChatCompletion } from './encode-response.js';
import { encodeOpenAIChatStream } from './encode-stream.js';

export const openaiChatCodec: ChatCodec<OpenAIChatCall> = {
  format: 'openai-chat',
  streamContentType: 'text/event-stream; charset=utf-8',
  decode: (body, bytes) => decodeOpenAIChatRequest(body, bytes),
  encodeResult(result) {
    // The upstream's own bytes: the adapter hands them on only when they are OpenAI's exact format.
    const response = result.response;
    if (response?.format === 'openai-chat' && response.body !== undefined)
      return { kind: 'bytes', bytes: response.body, contentType: 'application/json' };
    return { kind: 'json', json: encodeChatCompletion(result) };
  },
  encodeStream: encodeOpenAIChatStream,
  encodeError: encodeOpenAIError,
};

/** Any failure in OpenAI's error shape, with its status (`Retry-After` when the error has one). */
export function encodeOpenAIError(error: LlamaGateError, requestId: string): EncodedError {
  const ranged = error.status >= 400 && error.status <= 599 ? error.status : 500;
  // 499 (client closed) is nginx's, not HTTP's: a client that is still listening gets a 400.
  const status = ranged === 499 ? 400 : ranged;
  const body = toOpenAIErrorBody(error, requestId);
  const headers = retryAfterHeader(error);
  return headers === undefined ? { status, body } : { status, body, headers };
}
