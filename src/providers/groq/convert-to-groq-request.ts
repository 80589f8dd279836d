import type { ChatRequest, Warning } from '../../spec/chat.js';
import { dropUnsupported } from '../openai-compatible/convert-to-openai-request.js';
import { downgradeJsonSchemaToJsonMode } from '../openai-compatible/json-mode-fallback.js';
import { convertToGroqMessages } from './convert-to-groq-messages.js';
import { parseGroqProviderOptions } from './groq-api.js';

const GPT_OSS = /gpt-oss/i;
/** Reasoning models that answer with `<think>` tags in `content` unless `reasoning_format` says otherwise. */
const THINK_TAG_REASONERS = /qwen3|qwen-3|qwq|deepseek-r1/i;
/** Models Groq lists for Structured Outputs (json_schema); the rest get JSON mode. */
const JSON_SCHEMA_MODELS = /gpt-oss|kimi-k2|llama-4/i;

function mapReasoningEffort(
  body: Record<string, unknown>,
  model: string,
  explicit: string | undefined,
  warnings: Warning[],
): void {
  if (explicit !== undefined) {
    body.reasoning_effort = explicit;
    return;
  }
  const effort = body.reasoning_effort;
  if (effort === undefined) return;
  if (GPT_OSS.test(model)) {
    if (effort === 'minimal') {
      body.reasoning_effort = 'low';
      warnings.push({
        type: 'unsupported-setting',
        setting: 'reasoning_effort',
        message: 'groq GPT-OSS models take low, medium or high; minimal was sent as low',
      });
    }
    return;
  }
  if (THINK_TAG_REASONERS.test(model)) {
    if (effort !== 'none' && effort !== 'default') {
      body.reasoning_effort = 'default';
      warnings.push({
        type: 'unsupported-setting',
        setting: 'reasoning_effort',
        message: `groq ${model} only switches reasoning on (default) or off (none); ${String(effort)} was sent as default`,
      });
    }
    return;
  }
  dropUnsupported(
    body,
    'reasoning_effort',
    'groq',
    warnings,
    `groq ${model} does not take reasoning_effort; it was dropped`,
  );
}

function mapReasoningFormat(
  body: Record<string, unknown>,
  model: string,
  explicit: 'parsed' | 'raw' | 'hidden' | undefined,
  warnings: Warning[],
): void {
  if (explicit !== undefined) body.reasoning_format = explicit;
  // Parsed reasoning arrives as `message.reasoning` (typed reasoning parts) instead of `<think>` text in content.
  if (body.reasoning_format === undefined && body.include_reasoning === undefined && THINK_TAG_REASONERS.test(model))
    body.reasoning_format = 'parsed';
  const format = body.response_format as { type?: unknown } | undefined;
  const jsonOrTools = (format !== undefined && format.type !== 'text') || Array.isArray(body.tools);
  if (body.reasoning_format === 'raw' && jsonOrTools) {
    body.reasoning_format = 'parsed';
    warnings.push({
      type: 'unsupported-setting',
      setting: 'reasoning_format',
      message: 'groq rejects reasoning_format raw with JSON mode or tools; parsed was used',
    });
  }
}

/**
 * Adjusts the OpenAI body for Groq: drops what Groq answers 400 to (logprobs, top_logprobs, logit_bias, n > 1,
 * messages[].name), maps reasoning settings per model family, and falls back to JSON mode for json_schema on
 * models without Structured Outputs (override with `providerOptions.groq.structuredOutputs`).
 */
export function prepareGroqBody(body: Record<string, unknown>, request: ChatRequest): Warning[] {
  const warnings: Warning[] = [];
  const options = parseGroqProviderOptions(request.providerOptions?.groq);
  const model = String(body.model);
  if (body.logprobs === false) delete body.logprobs;
  dropUnsupported(body, 'logprobs', 'groq', warnings);
  dropUnsupported(body, 'top_logprobs', 'groq', warnings);
  dropUnsupported(body, 'logit_bias', 'groq', warnings);
  if (body.n === 1) delete body.n;
  dropUnsupported(body, 'n', 'groq', warnings, 'groq only supports n=1; n was dropped');
  if (Array.isArray(body.messages)) body.messages = convertToGroqMessages(body.messages, warnings);
  mapReasoningEffort(body, model, options.reasoningEffort, warnings);
  mapReasoningFormat(body, model, options.reasoningFormat, warnings);
  if (!(options.structuredOutputs ?? JSON_SCHEMA_MODELS.test(model))) {
    downgradeJsonSchemaToJsonMode(
      body,
      'groq',
      warnings,
      `groq ${model} has no Structured Outputs; JSON mode was used with the schema in a system message`,
    );
  }
  if (options.serviceTier !== undefined) body.service_tier = options.serviceTier;
  return warnings;
}
