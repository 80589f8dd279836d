/**
 * Ollama's own API inbound: `/api/chat` and `/api/generate` as two {@link ChatCodec}s over the one chat
 * exchange. Streams are NDJSON (on by default, as in Ollama); errors are `{"error": "message"}`.
 */
import type { LlamaGateError } from '../../../spec/errors.js';
import { type ChatCodec, type EncodedError, retryAfterHeader } from '../chat-codec.js';
import { decodeOllamaChat, decodeOllamaGenerate, type OllamaCall } from './decode-ollama-request.js';
import { encodeOllamaResult, encodeOllamaStream } from './encode-ollama-response.js';

/** Ollama's error shape: a plain message the `ollama` client prints as it is. */
export function encodeOllamaError(error: LlamaGateError): EncodedError {
  const status = error.status >= 400 && error.status <= 599 ? error.status : 500;
  const encoded: EncodedError = { status: status === 499 ? 400 : status, body: { error: error.message } };
  const headers = retryAfterHeader(error);
  if (headers !== undefined) encoded.headers = headers;
  return encoded;
}

export const ollamaChatCodec: ChatCodec<OllamaCall> = {
  format: 'ollama-chat',
  streamContentType: 'application/x-ndjson',
  decode: (body, bytes) => decodeOllamaChat(body, bytes),
  encodeResult(result, call, meta) {
    // An Ollama upstream's own answer to the client's own body: sent on byte for byte.
    const response = result.response;
    if (response?.format === 'ollama-chat' && response.body !== undefined)
      return { kind: 'bytes', bytes: response.body, contentType: 'application/json; charset=utf-8' };
    return { kind: 'json', json: encodeOllamaResult('chat', result, call, meta) };
  },
  encodeStream: (parts, call, meta) => encodeOllamaStream('chat', parts, call, meta),
  encodeError: (error) => encodeOllamaError(error),
};

export const ollamaGenerateCodec: ChatCodec<OllamaCall> = {
  format: 'ollama-generate',
  streamContentType: 'application/x-ndjson',
  decode: (body) => decodeOllamaGenerate(body),
  encodeResult: (result, call, meta) => ({ kind: 'json', json: encodeOllamaResult('generate', result, call, meta) }),
  encodeStream: (parts, call, meta) => encodeOllamaStream('generate', parts, call, meta),
  encodeError: (error) => encodeOllamaError(error),
};
