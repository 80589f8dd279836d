import { z } from 'zod';
import type { ChatRequest, ReasoningEffort, Warning } from '../../spec/chat.js';
import type { ImageFetchSettings } from '../../spec/provider.js';
import { convertToBedrockMessages, hasToolTraffic } from './convert-to-bedrock-messages.js';
import { prepareBedrockTools } from './prepare-bedrock-tools.js';

/**
 * Thinking budgets (tokens) for `reasoningEffort` on Claude models. Anthropic's minimum is 1024; the
 * budget is added on top of `maxTokens`, which keeps meaning "visible answer tokens" (Claude needs
 * max_tokens > budget_tokens).
 */
export const CLAUDE_THINKING_BUDGETS: Readonly<Record<ReasoningEffort, number>> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
};

/** Visible-answer allowance when thinking is on and the caller set no maxTokens. */
const DEFAULT_ANSWER_TOKENS = 4096;

/** `providerOptions.bedrock`: Converse fields passed through as given. */
const bedrockChatOptionsSchema = z.looseObject({
  additionalModelRequestFields: z.record(z.string(), z.unknown()).optional(),
  additionalModelResponseFieldPaths: z.array(z.string()).optional(),
  guardrailConfig: z.record(z.string(), z.unknown()).optional(),
  performanceConfig: z.record(z.string(), z.unknown()).optional(),
  requestMetadata: z.record(z.string(), z.string()).optional(),
  promptVariables: z.record(z.string(), z.unknown()).optional(),
});

const PASS_THROUGH = [
  'additionalModelResponseFieldPaths',
  'guardrailConfig',
  'performanceConfig',
  'requestMetadata',
  'promptVariables',
] as const;

/** Claude models with extended thinking (3.7 and later); older Claude models reject `thinking`. */
export function supportsClaudeThinking(modelId: string): boolean {
  const id = modelId.toLowerCase();
  if (!id.includes('claude')) return false;
  return !/claude-(?:instant|v\d|2|3-(?:haiku|sonnet|opus)|3-5)/.test(id);
}

/** Bedrock's `requestMetadata` values allow only these characters. */
const METADATA_VALUE = /^[a-zA-Z0-9\s:_@$#=/+,\-.]{1,256}$/;

export interface PreparedBedrockRequest {
  body: Record<string, unknown>;
  warnings: Warning[];
  jsonToolName?: string;
}

function unsupported(warnings: Warning[], setting: string, message: string): void {
  warnings.push({ type: 'unsupported-setting', setting, message });
}

/** A chat request → the Converse / ConverseStream body (the same for both), with warnings for what was dropped. */
export async function prepareBedrockRequest(
  request: ChatRequest,
  modelId: string,
  options: { imageFetch?: ImageFetchSettings },
): Promise<PreparedBedrockRequest> {
  const warnings: Warning[] = [];
  const additional: Record<string, unknown> = {};
  const inferenceConfig: Record<string, unknown> = {};
  if (request.maxTokens !== undefined) inferenceConfig.maxTokens = request.maxTokens;
  if (request.temperature !== undefined) {
    if (request.temperature > 1) {
      unsupported(warnings, 'temperature', `Bedrock takes temperature 0..1; ${request.temperature} was clamped to 1`);
      inferenceConfig.temperature = 1;
    } else {
      inferenceConfig.temperature = request.temperature;
    }
  }
  if (request.topP !== undefined) inferenceConfig.topP = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) inferenceConfig.stopSequences = request.stop;
  if (request.seed !== undefined) unsupported(warnings, 'seed', 'Bedrock Converse has no seed; it was dropped');
  if (request.frequencyPenalty !== undefined)
    unsupported(warnings, 'frequency_penalty', 'Bedrock Converse has no frequency penalty; it was dropped');
  if (request.presencePenalty !== undefined)
    unsupported(warnings, 'presence_penalty', 'Bedrock Converse has no presence penalty; it was dropped');
  if (request.n !== undefined && request.n !== 1)
    unsupported(warnings, 'n', 'Bedrock Converse returns one choice; n was dropped');
  if (request.logprobs === true || request.topLogprobs !== undefined)
    unsupported(warnings, 'logprobs', 'Bedrock Converse returns no log probabilities; logprobs was dropped');

  let thinking = false;
  if (request.reasoningEffort !== undefined) {
    if (supportsClaudeThinking(modelId)) {
      thinking = true;
      const budget = CLAUDE_THINKING_BUDGETS[request.reasoningEffort];
      additional.thinking = { type: 'enabled', budget_tokens: budget };
      inferenceConfig.maxTokens = (request.maxTokens ?? DEFAULT_ANSWER_TOKENS) + budget;
      for (const setting of ['temperature', 'topP'] as const) {
        if (inferenceConfig[setting] === undefined) continue;
        delete inferenceConfig[setting];
        unsupported(warnings, setting, `Claude takes no ${setting} while thinking is enabled; it was dropped`);
      }
    } else {
      unsupported(
        warnings,
        'reasoning_effort',
        `reasoning_effort is mapped only for Claude models on Bedrock; it was dropped for ${modelId}`,
      );
    }
  }

  const historyHasToolTraffic = hasToolTraffic(request.messages);
  const tools = prepareBedrockTools(request, { historyHasToolTraffic, thinking }, warnings);
  const prompt = await convertToBedrockMessages(request.messages, {
    imageFetch: options.imageFetch,
    toolBlocksAsText: tools.toolBlocksAsText,
  });
  warnings.push(...prompt.warnings);

  const body: Record<string, unknown> = { messages: prompt.messages };
  if (prompt.system.length > 0) body.system = prompt.system;
  if (Object.keys(inferenceConfig).length > 0) body.inferenceConfig = inferenceConfig;
  if (tools.toolConfig !== undefined) body.toolConfig = tools.toolConfig;

  const providerOptions = request.providerOptions?.bedrock;
  if (providerOptions !== undefined) {
    const parsed = bedrockChatOptionsSchema.safeParse(providerOptions);
    if (!parsed.success) {
      unsupported(warnings, 'providerOptions.bedrock', `ignored: ${parsed.error.issues[0]?.message}`);
    } else {
      Object.assign(additional, parsed.data.additionalModelRequestFields);
      for (const key of PASS_THROUGH) if (parsed.data[key] !== undefined) body[key] = parsed.data[key];
    }
  }
  if (request.user !== undefined) {
    if (METADATA_VALUE.test(request.user)) {
      body.requestMetadata = { user: request.user, ...(body.requestMetadata as Record<string, string> | undefined) };
    } else {
      unsupported(warnings, 'user', 'user has characters Bedrock request metadata does not allow; it was dropped');
    }
  }
  if (Object.keys(additional).length > 0) body.additionalModelRequestFields = additional;

  const prepared: PreparedBedrockRequest = { body, warnings };
  if (tools.jsonToolName !== undefined) prepared.jsonToolName = tools.jsonToolName;
  return prepared;
}
