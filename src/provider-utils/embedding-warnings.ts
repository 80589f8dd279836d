import type { Warning } from '../spec/chat.js';
import type { EmbeddingRequest } from '../spec/embedding.js';

/**
 * The warning of an adapter whose API sends vectors only as floats when base64 was asked for: the result is the
 * same number arrays, only the wire saving is lost, and the caller hears about it instead of guessing.
 */
export function base64EncodingDropped(request: EmbeddingRequest, provider: string): Warning | undefined {
  if (request.encodingFormat !== 'base64') return undefined;
  return {
    type: 'unsupported-setting',
    setting: 'encodingFormat',
    message: `${provider} sends embeddings as floats; encodingFormat base64 was dropped (the vectors are the same)`,
  };
}
