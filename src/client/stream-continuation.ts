import type { ChatRequest } from '../spec/chat.js';

/** Providers that continue a trailing assistant message (a prefill) instead of answering it. */
function continuesPrefill(providerId: string, modelId: string): boolean {
  if (providerId === 'anthropic') return true;
  // Bedrock's Converse API takes a trailing assistant turn as a prefill for Claude models only.
  return providerId === 'bedrock' && modelId.includes('claude');
}

export const CONTINUE_INSTRUCTION =
  'Your previous message was cut off. Continue it exactly where it stopped, without repeating anything already written.';

/**
 * The request that lets another model finish a stream a failed model started: the partial answer as an
 * assistant prefill where the provider supports one, else as an assistant turn and a request to continue.
 */
export function withContinuation(
  request: ChatRequest,
  continuation: string | undefined,
  providerId: string,
  modelId: string,
): ChatRequest {
  if (continuation === undefined || continuation === '') return request;
  const partial = { role: 'assistant' as const, content: continuation };
  if (continuesPrefill(providerId, modelId)) return { ...request, messages: [...request.messages, partial] };
  return {
    ...request,
    messages: [...request.messages, partial, { role: 'user', content: CONTINUE_INSTRUCTION }],
  };
}
