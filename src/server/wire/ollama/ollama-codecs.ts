/**
 * Ollama's own API inbound: `/api/chat` and `/api/generate` as two {@link ChatCodec}s over the one chat
 * exchange. Streams are NDJSON (on by default, as in Ollama); errors are `{"error": "message"}`.
 */
import type { LlamaGateError } from '../../../spec/errors.js';
import { type ChatCodec, type EncodedError, retryAfterHeader, type WireFormat } from '../chat-codec.js';
import { decodeOllamaChat, decodeOllamaGenerate, type OllamaCall } from './decode-ollama-request.js';
import { encodeOllamaResult, encodeOllamaStream, type OllamaEndpoint } from './encode-ollama-response.js';

/** Ollama's error shape: a plain message the `ollama` client prints as it is. */
export function encodeOllamaError(error: LlamaGateError): EncodedError {
  const status = error.status >= 400 && error.status <= 599 ? error.status : 500;
  const encoded: EncodedError = { status: status === 499 ? 400 : status, body: { error: error.message } };
  const headers = retryAfterHeader(error);
  if (headers !== undefined) encoded.headers = headers;
  return encoded;
}

/** An Ollama upstream's own answer to the client's own body: sent on byte for byte, else encoded. */
function encodeResult(endpoint: OllamaEndpoint, format: WireFormat): ChatCodec<OllamaCall>['encodeResult'] {
  return (result, call, meta) => {
    const response = result.response;
    if (response?.format === format && response.body !== undefined)
      return { kind: 'bytes', bytes: response.body, contentType: 'application/json; charset=utf-8' };
    return { kind: 'json', json: encodeOllamaResult(endpoint, result, call, meta) };
  };
}

export const ollamaChatCodec: ChatCodec<OllamaCall> = {
  format: 'ollama-chat',
  streamContentType: 'application/x-ndjson',
  decode: (body, bytes) => decodeOllamaChat(body, bytes),
  encodeResult: encodeResult('chat', 'ollama-chat'),
  encodeStream: (parts, call, meta) => encodeOllamaStream('chat', parts, call, meta),
  encodeError: (error) => encodeOllamaError(error),
};

export const ollamaGenerateCodec: ChatCodec<OllamaCall> = {
  format: 'ollama-generate',
  streamContentType: 'application/x-ndjson',
  decode: (body, bytes) => decodeOllamaGenerate(body, bytes),
  encodeResult: encodeResult('generate', 'ollama-generate'),
  encodeStream: (parts, call, meta) => encodeOllamaStream('generate', parts, call, meta),
  encodeError: (error) => encodeOllamaError(error),
};
