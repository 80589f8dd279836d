import { z } from 'zod';
import type { CacheControl, ChatRequest, FunctionTool, ReasoningEffort, ToolChoice, Warning } from '../../spec/chat.js';
import { BadRequestError } from '../../spec/errors.js';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js';

export const DEFAULT_MAX_TOKENS = 4096;

/** `reasoningEffort` → thinking budget. Anthropic's minimum budget is 1024, so `minimal` and `low` share it. */
export const THINKING_BUDGETS: Readonly<Record<ReasoningEffort, number>> = {
  minimal: 1024,
  low: 1024,
  medium: 4096,
  high: 16384,
};

/** `providerOptions.anthropic`: the only keys this adapter reads. */
export const anthropicProviderOptionsSchema = z.object({
  /** `tool` (default): JSON through a forced tool, works on every model. `native`: Anthropic's `output_config`. */
  structuredOutputs: z.enum(['tool', 'native']).optional(),
  topK: z.number().int().positive().optional(),
  /** An explicit thinking budget, overriding the one derived from `reasoningEffort`. */
  thinkingBudgetTokens: z.number().int().min(1024).optional(),
  /** Anthropic's own `thinking` object, sent as given (an Anthropic-format client's `adaptive`, `disabled`…). */
  thinking: z.looseObject({ type: z.string(), budget_tokens: z.number().int().optional() }).optional(),
  /** Anthropic tools that are not functions (server tools such as web search, or built-in client tools). */
  extraTools: z.array(z.record(z.string(), z.unknown())).optional(),
  /** Top-level Messages API fields the neutral request has no place for, sent as given. */
  extraBody: z.record(z.string(), z.unknown()).optional(),
  /** Beta features (the `anthropic-beta` header's values), sent with every call built from this request. */
  betas: z.array(z.string().min(1)).optional(),
});

export interface AnthropicRequestConfig {
  provider: string;
  /** max_tokens when the request sets none (Anthropic requires it). */
  defaultMaxTokens: number;
}

export interface PreparedAnthropicRequest {
  body: Record<string, unknown>;
  warnings: Warning[];
  /** Name of the tool that carries a JSON answer, when structured output goes through a forced tool. */
  jsonToolName: string | undefined;
  /** Headers the request asks for (`anthropic-beta`). */
  headers: Record<string, string> | undefined;
}

interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  cache_control?: CacheControl;
}

function convertTool(tool: FunctionTool): AnthropicTool {
  const converted: AnthropicTool = {
    name: tool.function.name,
    input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
  };
  if (tool.function.description !== undefined) converted.description = tool.function.description;
  if (tool.cache_control !== undefined) converted.cache_control = tool.cache_control;
  return converted;
}

function convertToolChoice(choice: ToolChoice): Record<string, unknown> {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  return { type: 'tool', name: choice.function.name };
}

function unsupported(warnings: Warning[], setting: string, message: string): void {
  warnings.push({ type: 'unsupported-setting', setting, message });
}

/**
 * Thinking needs the signed thinking block of the turn that called tools to be replayed; history without it
 * (OpenAI-shaped, or from another provider) would be rejected with a 400 when a tool loop continues.
 */
function continuesToolLoopUnsigned(request: ChatRequest): boolean {
  const lastAssistant = request.messages.findLast((message) => message.role === 'assistant');
  if (lastAssistant?.role !== 'assistant' || (lastAssistant.tool_calls?.length ?? 0) === 0) return false;
  return !(lastAssistant.reasoning ?? []).some((part) => part.type === 'redacted_thinking' || part.signature);
}

/** Builds the Messages API body for a chat request: parameters mapped, the rest dropped with warnings. */
export function convertToAnthropicRequest(
  request: ChatRequest,
  modelId: string,
  stream: boolean,
  config: AnthropicRequestConfig,
): PreparedAnthropicRequest {
  const parsedOptions = anthropicProviderOptionsSchema.safeParse(request.providerOptions?.anthropic ?? {});
  if (!parsedOptions.success) {
    throw new BadRequestError({
      message: `Invalid providerOptions.anthropic: ${parsedOptions.error.issues[0]?.message ?? 'invalid value'}`,
      param: 'providerOptions.anthropic',
      provider: config.provider,
      model: modelId,
    });
  }
  const options = parsedOptions.data;
  const prompt = convertToAnthropicMessages(request.messages);
  const warnings: Warning[] = [...prompt.warnings];

  const explicitThinking = options.thinking;
  let budget =
    explicitThinking !== undefined
      ? explicitThinking.budget_tokens
      : (options.thinkingBudgetTokens ??
        (request.reasoningEffort === undefined ? undefined : THINKING_BUDGETS[request.reasoningEffort]));
  if (budget !== undefined && explicitThinking === undefined && continuesToolLoopUnsigned(request)) {
    budget = undefined;
    warnings.push({
      type: 'other',
      message:
        'anthropic thinking was turned off for this turn: it cannot continue a tool loop whose earlier thinking blocks are not replayed',
    });
  }
  const thinking = budget !== undefined || (explicitThinking !== undefined && explicitThinking.type !== 'disabled');

  let maxTokens = request.maxTokens ?? config.defaultMaxTokens;
  if (budget !== undefined && explicitThinking === undefined && maxTokens <= budget) {
    if (request.maxTokens !== undefined) {
      warnings.push({
        type: 'other',
        message: `max_tokens was raised by the thinking budget (${budget}) so the answer keeps ${maxTokens} tokens`,
      });
    }
    maxTokens += budget;
  }

  const body: Record<string, unknown> = { model: modelId, max_tokens: maxTokens };
  if (prompt.system !== undefined) body.system = prompt.system;
  body.messages = prompt.messages;

  if (request.temperature !== undefined) {
    if (thinking) unsupported(warnings, 'temperature', 'anthropic does not take temperature with thinking; dropped');
    else if (request.temperature > 1) {
      body.temperature = 1;
      unsupported(warnings, 'temperature', 'anthropic temperature ranges 0–1; clamped to 1');
    } else body.temperature = request.temperature;
  }
  if (request.topP !== undefined) {
    if (thinking && request.topP < 0.95) {
      unsupported(warnings, 'topP', 'anthropic takes top_p of 0.95–1 with thinking; dropped');
    } else body.top_p = request.topP;
  }
  if (options.topK !== undefined) {
    if (thinking) unsupported(warnings, 'topK', 'anthropic does not take top_k with thinking; dropped');
    else body.top_k = options.topK;
  }
  if (request.stop !== undefined) {
    const stops = request.stop.filter((stop) => stop.trim().length > 0);
    if (stops.length < request.stop.length) {
      unsupported(warnings, 'stop', 'anthropic rejects whitespace-only stop sequences; they were dropped');
    }
    if (stops.length > 0) body.stop_sequences = stops;
  }
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  const dropped: [keyof ChatRequest, string][] = [
    ['seed', 'seed'],
    ['frequencyPenalty', 'frequency_penalty'],
    ['presencePenalty', 'presence_penalty'],
    ['logprobs', 'logprobs'],
    ['topLogprobs', 'top_logprobs'],
  ];
  for (const [setting, wire] of dropped) {
    if (request[setting] !== undefined) unsupported(warnings, setting, `anthropic does not support ${wire}; dropped`);
  }
  if (request.n !== undefined && request.n > 1) {
    unsupported(warnings, 'n', 'anthropic returns one choice per request; n was dropped');
  }

  const userTools = (request.tools ?? []).map(convertTool);
  if (request.tools?.some((tool) => tool.function.strict === true)) {
    unsupported(warnings, 'strict', 'strict tool schemas are not enforced by anthropic; the flag was dropped');
  }
  let toolChoice = request.toolChoice === undefined ? undefined : convertToolChoice(request.toolChoice);
  let tools = userTools;
  let jsonToolName: string | undefined;

  const format = request.responseFormat;
  if (format?.type === 'json_schema' && options.structuredOutputs === 'native') {
    body.output_config = { format: { type: 'json_schema', schema: format.json_schema.schema ?? { type: 'object' } } };
  } else if (format?.type === 'json_schema' || format?.type === 'json_object') {
    // Anthropic has no JSON mode on every model; a tool whose input schema is the answer's schema, forced, is
    // the portable way. The tool input comes back as the message text (see the chat model).
    jsonToolName = userTools.some((tool) => tool.name === 'json') ? 'json_response' : 'json';
    const schema = format.type === 'json_schema' ? format.json_schema.schema : undefined;
    const jsonTool: AnthropicTool = {
      name: jsonToolName,
      description:
        (format.type === 'json_schema' ? format.json_schema.description : undefined) ??
        'Respond with a JSON object that is the complete answer.',
      input_schema: schema ?? { type: 'object' },
    };
    const userChoice = toolChoice?.type;
    if (userChoice === 'none' || userTools.length === 0) {
      tools = [jsonTool];
      toolChoice = { type: 'tool', name: jsonToolName, disable_parallel_tool_use: true };
    } else {
      tools = [...userTools, jsonTool];
      if (userChoice !== 'tool') toolChoice = { type: 'any' };
    }
  }

  if (thinking && (toolChoice?.type === 'any' || toolChoice?.type === 'tool')) {
    toolChoice = { type: 'auto' };
    unsupported(warnings, 'toolChoice', 'anthropic cannot force tool use with thinking; tool choice set to auto');
  }
  const allTools: Record<string, unknown>[] = [...tools, ...(options.extraTools ?? [])] as Record<string, unknown>[];
  if (allTools.length > 0) {
    body.tools = allTools;
    if (request.parallelToolCalls === false && toolChoice?.type !== 'none') {
      toolChoice = { ...(toolChoice ?? { type: 'auto' }), disable_parallel_tool_use: true };
    }
    if (toolChoice !== undefined) body.tool_choice = toolChoice;
  } else if (toolChoice?.type === 'any' || toolChoice?.type === 'tool') {
    unsupported(warnings, 'toolChoice', 'a tool choice without tools was dropped');
  }
  if (explicitThinking !== undefined) body.thinking = explicitThinking;
  else if (budget !== undefined) body.thinking = { type: 'enabled', budget_tokens: budget };
  if (options.extraBody !== undefined) {
    for (const [key, value] of Object.entries(options.extraBody)) if (!(key in body)) body[key] = value;
  }
  if (stream) body.stream = true;
  const headers = options.betas?.length ? { 'anthropic-beta': options.betas.join(',') } : undefined;
  return { body, warnings, jsonToolName, headers };
}
