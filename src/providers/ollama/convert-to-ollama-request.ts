import type { ChatRequest, FunctionTool, ReasoningEffort, Warning } from '../../spec/chat.js';
import { BadRequestError } from '../../spec/errors.js';
import type { ImageFetchSettings } from '../../spec/provider.js';
import { convertToOllamaMessages } from './convert-to-ollama-messages.js';
import { type OllamaProviderOptions, parseOllamaProviderOptions } from './ollama-provider-options.js';

interface OllamaToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** Models whose `think` takes a level instead of a boolean (docs/capabilities/thinking: GPT-OSS). */
const THINK_LEVEL_MODELS = /(^|\/)gpt-oss/i;

function thinkFor(modelId: string, effort: ReasoningEffort): boolean | 'low' | 'medium' | 'high' {
  if (!THINK_LEVEL_MODELS.test(modelId)) return true;
  return effort === 'minimal' ? 'low' : effort;
}

function unsupported(warnings: Warning[], setting: string, message: string): void {
  warnings.push({ type: 'unsupported-setting', setting, message });
}

function convertTools(request: ChatRequest, warnings: Warning[]): OllamaToolDefinition[] | undefined {
  const tools = request.tools;
  if (tools === undefined || tools.length === 0) return undefined;
  const choice = request.toolChoice;
  // Ollama has no tool_choice: "none" is exact when the model sees no tools at all.
  if (choice === 'none') return undefined;
  let selected: FunctionTool[] = tools;
  if (choice === 'required') {
    unsupported(
      warnings,
      'toolChoice',
      'Ollama cannot force a tool call; tool_choice "required" was sent as "auto" (the tools are kept)',
    );
  } else if (typeof choice === 'object') {
    const name = choice.function.name;
    selected = tools.filter((tool) => tool.function.name === name);
    if (selected.length === 0) {
      throw new BadRequestError({
        message: `tool_choice names ${name}, which is not in tools`,
        param: 'tool_choice',
        provider: 'ollama',
        isRetryable: false,
      });
    }
    unsupported(
      warnings,
      'toolChoice',
      `Ollama cannot force a tool call; only the chosen tool ${name} was sent, the model may still answer in text`,
    );
  }
  if (selected.some((tool) => tool.function.strict === true)) {
    unsupported(warnings, 'tools[].function.strict', 'Ollama has no strict tool schemas; strict was dropped');
  }
  return selected.map((tool) => {
    const definition: OllamaToolDefinition = {
      type: 'function',
      // `parameters` is required by Ollama's ToolDefinition; OpenAI allows omitting it for no-argument tools.
      function: {
        name: tool.function.name,
        parameters: tool.function.parameters ?? { type: 'object', properties: {} },
      },
    };
    if (tool.function.description !== undefined) definition.function.description = tool.function.description;
    return definition;
  });
}

function convertOptions(request: ChatRequest, providerOptions: OllamaProviderOptions): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (request.maxTokens !== undefined) options.num_predict = request.maxTokens;
  if (request.temperature !== undefined) options.temperature = request.temperature;
  if (request.topP !== undefined) options.top_p = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) options.stop = request.stop;
  if (request.seed !== undefined) options.seed = request.seed;
  if (request.frequencyPenalty !== undefined) options.frequency_penalty = request.frequencyPenalty;
  if (request.presencePenalty !== undefined) options.presence_penalty = request.presencePenalty;
  return { ...options, ...providerOptions.options };
}

export interface ConvertRequestOptions {
  stream: boolean;
  imageFetch?: ImageFetchSettings;
}

/** The `/api/chat` body for a chat request, with a warning for every setting Ollama cannot honour. */
export async function convertToOllamaRequest(
  request: ChatRequest,
  modelId: string,
  options: ConvertRequestOptions,
): Promise<{ body: Record<string, unknown>; warnings: Warning[] }> {
  const warnings: Warning[] = [];
  const providerOptions = parseOllamaProviderOptions(request.providerOptions, warnings);
  const converted = await convertToOllamaMessages(request.messages, { imageFetch: options.imageFetch });
  warnings.push(...converted.warnings);
  const body: Record<string, unknown> = { model: modelId, messages: converted.messages };
  const tools = convertTools(request, warnings);
  if (tools !== undefined) body.tools = tools;
  if (request.parallelToolCalls === false) {
    unsupported(warnings, 'parallelToolCalls', 'Ollama cannot turn off parallel tool calls; the setting was dropped');
  }
  const format = request.responseFormat;
  if (format?.type === 'json_object') body.format = 'json';
  else if (format?.type === 'json_schema') body.format = format.json_schema.schema ?? 'json';
  const modelOptions = convertOptions(request, providerOptions);
  if (Object.keys(modelOptions).length > 0) body.options = modelOptions;
  body.stream = options.stream;
  const think =
    providerOptions.think ??
    (request.reasoningEffort === undefined ? undefined : thinkFor(modelId, request.reasoningEffort));
  if (think !== undefined) body.think = think;
  if (providerOptions.keep_alive !== undefined) body.keep_alive = providerOptions.keep_alive;
  if (request.n !== undefined && request.n > 1) {
    unsupported(warnings, 'n', `Ollama returns one choice; n=${request.n} was dropped`);
  }
  if (request.logprobs === true || request.topLogprobs !== undefined) {
    if (options.stream) {
      unsupported(warnings, 'logprobs', 'Log probabilities are not forwarded in streams; logprobs was dropped');
    } else {
      if (request.logprobs !== undefined) body.logprobs = request.logprobs;
      if (request.topLogprobs !== undefined) body.top_logprobs = request.topLogprobs;
    }
  }
  if (request.user !== undefined) {
    unsupported(warnings, 'user', 'Ollama has no end-user identifier; user was dropped');
  }
  return { body, warnings };
}
