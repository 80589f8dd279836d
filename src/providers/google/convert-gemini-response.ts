import { generateToolCallId } from '../../provider-utils/ids.js';
import type { ChatChoice, ToolCall } from '../../spec/chat.js';
import { ContentPolicyViolationError } from '../../spec/errors.js';
import type { GeminiCandidate, GeminiResponse } from './gemini-api.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import type { ThoughtSignatureCache } from './thought-signature-cache.js';

export interface GeminiResponseContext {
  provider: string;
  modelId: string;
  signatureCache: ThoughtSignatureCache;
}

/**
 * A prompt Gemini refuses to answer comes back as 200 with `promptFeedback.blockReason` and no candidates.
 * It is reported as a content-policy error (400, like OpenAI's prompt filter) rather than an empty answer:
 * the caller learns why, and a fallback can try another model.
 */
export function promptBlockedError(
  response: GeminiResponse,
  context: { provider: string; modelId: string },
): ContentPolicyViolationError | undefined {
  const reason = response.promptFeedback?.blockReason;
  if (reason === null || reason === undefined) return undefined;
  if (response.candidates !== null && response.candidates !== undefined && response.candidates.length > 0)
    return undefined;
  const detail = response.promptFeedback?.blockReasonMessage;
  return new ContentPolicyViolationError({
    message: `${context.provider} blocked the prompt (${reason})${detail ? `: ${detail}` : ''}`,
    provider: context.provider,
    model: context.modelId,
    param: 'messages',
    isRetryable: false,
    upstream: { body: response },
  });
}

/** Gemini's chosen/top candidates → OpenAI's `logprobs.content`. */
function convertLogprobs(candidate: GeminiCandidate): unknown {
  const result = candidate.logprobsResult;
  if (result === null || result === undefined) return undefined;
  const chosen = result.chosenCandidates ?? [];
  return {
    content: chosen.map((token, position) => ({
      token: token.token ?? '',
      logprob: token.logProbability ?? 0,
      bytes: null,
      top_logprobs: (result.topCandidates?.[position]?.candidates ?? []).map((top) => ({
        token: top.token ?? '',
        logprob: top.logProbability ?? 0,
        bytes: null,
      })),
    })),
  };
}

/** Candidates → choices: text and thought parts joined, function calls given ids (signatures remembered). */
export function convertGeminiChoices(response: GeminiResponse, context: GeminiResponseContext): ChatChoice[] {
  return (response.candidates ?? []).map((candidate, position) => {
    let text: string | undefined;
    let reasoning: string | undefined;
    const toolCalls: ToolCall[] = [];
    for (const part of candidate.content?.parts ?? []) {
      const call = part.functionCall;
      if (call?.name) {
        const id = call.id ?? generateToolCallId();
        if (part.thoughtSignature) context.signatureCache.set(id, part.thoughtSignature);
        toolCalls.push({
          id,
          type: 'function',
          function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
        });
      } else if (typeof part.text === 'string' && part.text !== '') {
        if (part.thought === true) reasoning = (reasoning ?? '') + part.text;
        else text = (text ?? '') + part.text;
      }
    }
    const choice: ChatChoice = {
      index: candidate.index ?? position,
      message: { role: 'assistant', content: text ?? null },
      finishReason: mapGeminiFinishReason(candidate.finishReason, toolCalls.length > 0),
    };
    if (candidate.finishReason) choice.rawFinishReason = candidate.finishReason;
    if (reasoning !== undefined) choice.message.reasoningContent = reasoning;
    if (toolCalls.length > 0) choice.message.toolCalls = toolCalls;
    const logprobs = convertLogprobs(candidate);
    if (logprobs !== undefined) choice.logprobs = logprobs;
    return choice;
  });
}
