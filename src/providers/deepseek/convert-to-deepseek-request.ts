import type { ChatRequest, Warning } from '../../spec/chat.js';
import { dropUnsupported } from '../openai-compatible/convert-to-openai-request.js';
import { downgradeJsonSchemaToJsonMode } from '../openai-compatible/json-mode-fallback.js';
import { convertToDeepSeekMessages } from './convert-to-deepseek-messages.js';
import { parseDeepSeekProviderOptions } from './deepseek-api.js';

/** Models in thinking mode unless `thinking` says otherwise (deepseek-reasoner; V4 models default to it). */
const THINKING_BY_DEFAULT = /reasoner|v4/i;
/** Accepted but without effect in thinking mode, per DeepSeek's guide. */
const IGNORED_WHEN_THINKING = ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty'];
/** Answered with 400 in thinking mode. */
const REJECTED_WHEN_THINKING = ['logprobs', 'top_logprobs'];

function isThinking(body: Record<string, unknown>, model: string): boolean {
  const type = (body.thinking as { type?: unknown } | undefined)?.type;
  if (type === 'enabled') return true;
  if (type === 'disabled') return false;
  return THINKING_BY_DEFAULT.test(model);
}

function mapReasoningEffort(body: Record<string, unknown>, thinking: boolean, model: string, warnings: Warning[]) {
  const effort = body.reasoning_effort;
  if (effort === undefined) return;
  if (!thinking) {
    dropUnsupported(
      body,
      'reasoning_effort',
      'deepseek',
      warnings,
      `deepseek ${model} is not in thinking mode (use deepseek-reasoner or providerOptions.deepseek.thinking); reasoning_effort was dropped`,
    );
    return;
  }
  // DeepSeek's levels are high and max; it documents low and medium as mapped to high.
  if (effort === 'minimal' || effort === 'low' || effort === 'medium') {
    body.reasoning_effort = 'high';
    warnings.push({
      type: 'unsupported-setting',
      setting: 'reasoning_effort',
      message: `deepseek's lowest reasoning effort is high; ${effort} was sent as high`,
    });
  }
}

/**
 * Adjusts the OpenAI body for DeepSeek: thinking-mode restrictions (sampling settings and logprobs dropped
 * with warnings), reasoning effort levels, earlier reasoning in history (see convert-to-deepseek-messages),
 * `max_completion_tokens` → `max_tokens`, and JSON mode for json_schema (DeepSeek has only json_object).
 */
export function prepareDeepSeekBody(body: Record<string, unknown>, request: ChatRequest): Warning[] {
  const warnings: Warning[] = [];
  const options = parseDeepSeekProviderOptions(request.providerOptions?.deepseek);
  const model = String(body.model);
  if (options.thinking !== undefined) body.thinking = { type: options.thinking ? 'enabled' : 'disabled' };
  const thinking = isThinking(body, model);
  if (Array.isArray(body.messages)) body.messages = convertToDeepSeekMessages(body.messages);
  if (thinking) {
    for (const field of IGNORED_WHEN_THINKING)
      dropUnsupported(body, field, 'deepseek', warnings, `deepseek ignores ${field} in thinking mode; it was dropped`);
    if (body.logprobs === false) delete body.logprobs;
    for (const field of REJECTED_WHEN_THINKING)
      dropUnsupported(body, field, 'deepseek', warnings, `deepseek rejects ${field} in thinking mode; it was dropped`);
  }
  mapReasoningEffort(body, thinking, model, warnings);
  if (body.max_completion_tokens !== undefined) {
    if (body.max_tokens === undefined) body.max_tokens = body.max_completion_tokens;
    delete body.max_completion_tokens;
  }
  downgradeJsonSchemaToJsonMode(body, 'deepseek', warnings);
  return warnings;
}
