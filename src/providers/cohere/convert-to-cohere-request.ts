import type { ChatRequest, ReasoningEffort, Warning } from '../../spec/chat.js';
import { VisionNotSupportedError } from '../../spec/errors.js';
import { cohereChatOptionsSchema, parseCohereOptions } from './cohere-options.js';
import { convertToCohereMessages } from './convert-to-cohere-messages.js';
import { prepareCohereTools } from './prepare-cohere-tools.js';

/** Thinking budgets for OpenAI's reasoning efforts (Cohere takes a token budget, not a level). */
export const COHERE_THINKING_BUDGETS: Record<ReasoningEffort, number> = {
  minimal: 1024,
  low: 4096,
  medium: 8192,
  high: 16384,
};

/** Cohere accepts at most five stop sequences. */
const MAX_STOP_SEQUENCES = 5;

function unsupported(warnings: Warning[], setting: string, message: string): void {
  warnings.push({ type: 'unsupported-setting', setting, message });
}

/** Cohere's penalties range over [0, 1] where OpenAI's range over [-2, 2]; out-of-range values get a 400. */
function penalty(value: number, setting: string, warnings: Warning[]): number {
  const clamped = Math.min(1, Math.max(0, value));
  if (clamped !== value)
    unsupported(warnings, setting, `Cohere takes ${setting} between 0 and 1; ${value} → ${clamped}`);
  return clamped;
}

/** Only Cohere's vision models (`command-a-vision-…`) read images; any other model gets a clear error, not a 400. */
function rejectImagesWithoutVision(request: ChatRequest, modelId: string, provider: string): void {
  if (/vision/i.test(modelId)) return;
  const hasImage = request.messages.some(
    (message) =>
      message.role === 'user' &&
      typeof message.content !== 'string' &&
      message.content.some((part) => part.type === 'image_url'),
  );
  if (hasImage) {
    throw new VisionNotSupportedError({
      message: `The Cohere model ${modelId} does not take images; use a vision model such as command-a-vision-07-2025`,
      provider,
      model: modelId,
      param: 'messages',
    });
  }
}

/** The `/v2/chat` body for a chat request, with a warning for everything Cohere cannot take. */
export function convertToCohereRequest(
  request: ChatRequest,
  modelId: string,
  stream: boolean,
  provider: string,
): { body: Record<string, unknown>; warnings: Warning[] } {
  const options = parseCohereOptions(request.providerOptions, cohereChatOptionsSchema, provider) ?? {};
  rejectImagesWithoutVision(request, modelId, provider);
  const converted = convertToCohereMessages(request.messages);
  const warnings: Warning[] = [...converted.warnings];
  const body: Record<string, unknown> = { model: modelId, messages: converted.messages };

  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.p = request.topP;
  if (options.k !== undefined) body.k = options.k;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.stop !== undefined && request.stop.length > 0) {
    body.stop_sequences = request.stop.slice(0, MAX_STOP_SEQUENCES);
    if (request.stop.length > MAX_STOP_SEQUENCES)
      unsupported(warnings, 'stop', `Cohere takes at most ${MAX_STOP_SEQUENCES} stop sequences; the rest were dropped`);
  }
  if (request.frequencyPenalty !== undefined)
    body.frequency_penalty = penalty(request.frequencyPenalty, 'frequency_penalty', warnings);
  if (request.presencePenalty !== undefined)
    body.presence_penalty = penalty(request.presencePenalty, 'presence_penalty', warnings);

  if (request.n !== undefined && request.n > 1)
    unsupported(warnings, 'n', 'Cohere returns one choice per request; n was ignored');
  // Cohere's own logprobs have another shape than OpenAI's; passing them on would mislead clients.
  if (request.logprobs === true) unsupported(warnings, 'logprobs', 'logprobs are not supported for Cohere');
  if (request.topLogprobs !== undefined)
    unsupported(warnings, 'top_logprobs', 'top_logprobs are not supported for Cohere');
  if (request.user !== undefined) unsupported(warnings, 'user', 'Cohere has no end-user field; user was dropped');
  if (request.parallelToolCalls === false)
    unsupported(warnings, 'parallel_tool_calls', 'Cohere cannot turn off parallel tool calls');

  const tools = prepareCohereTools(request.tools, request.toolChoice, provider);
  warnings.push(...tools.warnings);
  if (tools.tools !== undefined) body.tools = tools.tools;
  if (tools.toolChoice !== undefined) body.tool_choice = tools.toolChoice;
  const strictTools = options.strictTools ?? tools.strictTools;
  if (strictTools !== undefined && tools.tools !== undefined) body.strict_tools = strictTools;

  if (options.documents !== undefined) body.documents = options.documents;
  if (options.citationOptions !== undefined) body.citation_options = options.citationOptions;
  if (options.safetyMode !== undefined) body.safety_mode = options.safetyMode;

  const format = request.responseFormat;
  if (format !== undefined && format.type !== 'text') {
    if (body.tools !== undefined || body.documents !== undefined) {
      // Documented limitation: Cohere rejects response_format together with tools or documents.
      unsupported(warnings, 'response_format', 'Cohere cannot combine response_format with tools or documents');
    } else if (format.type === 'json_schema' && format.json_schema.schema !== undefined) {
      body.response_format = { type: 'json_object', json_schema: format.json_schema.schema };
    } else {
      body.response_format = { type: 'json_object' };
    }
  }

  if (options.thinking !== undefined) {
    body.thinking =
      options.thinking.tokenBudget === undefined
        ? { type: options.thinking.type }
        : { type: options.thinking.type, token_budget: options.thinking.tokenBudget };
  } else if (request.reasoningEffort !== undefined) {
    body.thinking = { type: 'enabled', token_budget: COHERE_THINKING_BUDGETS[request.reasoningEffort] };
  }

  if (stream) body.stream = true;
  return { body, warnings };
}
