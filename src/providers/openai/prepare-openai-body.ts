/**
 * Body adjustments for OpenAI models that reject parts of the classic chat-completions request: reasoning
 * models (o1, o3, o4-mini, gpt-5…) take `max_completion_tokens` instead of `max_tokens` and refuse sampling
 * parameters; the search-preview models refuse `temperature`. Shared with Azure, which serves the same models.
 */
import type { ChatMessage, Warning } from '../../spec/chat.js';
import { dropUnsupported } from '../openai-compatible/convert-to-openai-request.js';

/** Fine-tuned models (`ft:o4-mini:org::id`) behave like their base model. */
function baseModelId(modelId: string): string {
  return modelId.startsWith('ft:') ? modelId.slice(3) : modelId;
}

/** o-series and gpt-5 models reason before answering; `gpt-5-chat` is the non-reasoning variant. */
export function isOpenAIReasoningModel(modelId: string): boolean {
  const id = baseModelId(modelId);
  return /^o\d/.test(id) || (id.startsWith('gpt-5') && !id.startsWith('gpt-5-chat'));
}

function isSearchPreviewModel(modelId: string): boolean {
  return /^gpt-4o(-mini)?-search-preview/.test(baseModelId(modelId));
}

/** Whether {@link prepareOpenAIBody} can change anything for this model (else the client's bytes go as sent). */
export function needsOpenAIBodyChanges(modelId: string): boolean {
  return isOpenAIReasoningModel(modelId) || isSearchPreviewModel(modelId);
}

export interface PrepareOpenAIBodyOptions {
  /** Provider name used in warnings. */
  provider: string;
  /** The model that decides the rules (Azure: the model behind a deployment). */
  modelId: string;
  /** Rename `system` messages to `developer` for reasoning models (OpenAI's own API; Azure keeps `system`). */
  developerRole: boolean;
}

/**
 * Adjusts an outbound chat body in place so OpenAI accepts it, returning a warning for every dropped field.
 * Message objects are never mutated (they belong to the caller); a renamed list replaces `body.messages`.
 */
export function prepareOpenAIBody(body: Record<string, unknown>, options: PrepareOpenAIBodyOptions): Warning[] {
  const warnings: Warning[] = [];
  const { provider, modelId } = options;
  if (isSearchPreviewModel(modelId)) {
    dropUnsupported(body, 'temperature', provider, warnings, `${modelId} does not support temperature; it was dropped`);
    return warnings;
  }
  if (!isOpenAIReasoningModel(modelId)) return warnings;
  const reason = (field: string) => `${modelId} is a reasoning model and does not support ${field}; it was dropped`;
  // GPT-5.1 and later accept sampling parameters again when reasoning is switched off.
  const samplingAllowed = /^gpt-5\.\d/.test(baseModelId(modelId)) && body.reasoning_effort === 'none';
  const unsupported = ['frequency_penalty', 'presence_penalty', 'logit_bias'];
  if (!samplingAllowed) unsupported.unshift('temperature', 'top_p', 'logprobs', 'top_logprobs');
  for (const field of unsupported) dropUnsupported(body, field, provider, warnings, reason(field));

  if ('max_tokens' in body) {
    const maxTokens = body.max_tokens;
    delete body.max_tokens;
    if (maxTokens !== undefined && maxTokens !== null) {
      if (body.max_completion_tokens === undefined || body.max_completion_tokens === null) {
        body.max_completion_tokens = maxTokens;
      } else {
        warnings.push({
          type: 'unsupported-setting',
          setting: 'max_tokens',
          message: `${modelId} takes max_completion_tokens only; max_tokens was dropped in favour of it`,
        });
      }
    }
  }

  if (options.developerRole && Array.isArray(body.messages)) {
    const messages = body.messages as ChatMessage[];
    if (messages.some((message) => message.role === 'system')) {
      body.messages = messages.map((message) =>
        message.role === 'system' ? { ...message, role: 'developer' as const } : message,
      );
    }
  }
  return warnings;
}
