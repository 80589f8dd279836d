/** `/v1/embeddings` bodies → a neutral embedding request (the body itself is handed on as a passthrough). */
import type { CallPassthrough } from '../../../spec/chat.js';
import type { EmbeddingRequest } from '../../../spec/embedding.js';
import { invalid, optionalNumber, optionalString, requireModel, requireObject } from '../body-fields.js';

export interface DecodedEmbeddingCall {
  model: string;
  encodingFormat: 'float' | 'base64';
  request: EmbeddingRequest;
  /** The client's body, for an OpenAI-compatible upstream (unknown fields kept). */
  passthrough: CallPassthrough;
}

/** Decodes a `/v1/embeddings` body (a string or an array of strings; token arrays are not supported). */
export function decodeOpenAIEmbeddingRequest(value: unknown): DecodedEmbeddingCall {
  const body = requireObject(value);
  const model = requireModel(body);
  const input = body.input;
  if (input === undefined || input === null)
    throw invalid("you must provide an 'input' parameter", 'input', 'missing_field');
  let inputs: string[];
  if (typeof input === 'string') inputs = [input];
  else if (Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === 'string'))
    inputs = input as string[];
  else throw invalid("'input' must be a string or a non-empty array of strings", 'input');
  if (inputs.length > 2048) throw invalid("'input' may hold at most 2048 items", 'input');
  const format = optionalString(body, 'encoding_format') ?? 'float';
  if (format !== 'float' && format !== 'base64')
    throw invalid("'encoding_format' must be 'float' or 'base64'", 'encoding_format');
  const request: EmbeddingRequest = { input: inputs };
  const dimensions = optionalNumber(body, 'dimensions', 1, 65_536, true);
  if (dimensions !== undefined) request.dimensions = dimensions;
  const user = optionalString(body, 'user');
  if (user !== undefined) request.user = user;
  return { model, encodingFormat: format, request, passthrough: { format: 'openai-embeddings', body } };
}
