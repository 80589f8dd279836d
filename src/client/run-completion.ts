/**
 * A completion from options to response: the request is built once, then the tool loop calls the model
 * until it stops asking for tools (or `maxSteps`), then a zod schema validates the final reply.
 */
import type { z } from 'zod';
import type { ChatMessage, ChatRequest, ResponseFormat, ToolCall, ToolChoice } from '../spec/chat.js';
import type { CompletionOptions, CompletionResponse, CompletionStep } from './client-types.js';
import {
  assembleResponse,
  firstChoiceText,
  firstChoiceToolCalls,
  type StepResult,
  toStep,
} from './completion-response.js';
import type { CallTrace } from './model-call.js';
import {
  isZodSchema,
  parseStructuredText,
  repairMessages,
  StructuredOutputError,
  schemaResponseFormat,
} from './structured-output.js';
import {
  canExecute,
  executeToolCalls,
  isToolSet,
  type ToolResult,
  type ToolSet,
  toFunctionTools,
  toolTurnMessages,
} from './tool-loop.js';

export const DEFAULT_MAX_STEPS = 5;

export interface PreparedCompletion {
  request: ChatRequest;
  schema: z.ZodType | undefined;
  /** Tools the loop can run itself; undefined when none has `execute`. */
  tools: ToolSet | undefined;
  maxSteps: number;
  repair: boolean;
}

const TOOL_CHOICE_MODES: ReadonlySet<string> = new Set(['auto', 'none', 'required']);

/** A bare tool name (llmgate accepts one; OpenAI rejects it) becomes the forced-tool form every adapter maps. */
function toolChoiceOf(choice: CompletionOptions['toolChoice']): ToolChoice | undefined {
  if (typeof choice !== 'string' || TOOL_CHOICE_MODES.has(choice)) return choice as ToolChoice | undefined;
  return { type: 'function', function: { name: choice } };
}

export function prepareCompletion(options: CompletionOptions): PreparedCompletion {
  const schema = isZodSchema(options.responseFormat) ? options.responseFormat : undefined;
  let responseFormat: ResponseFormat | undefined;
  if (schema !== undefined) {
    responseFormat = schemaResponseFormat(schema, options.schemaName, options.schemaDescription);
  } else if (options.responseFormat !== undefined && !isZodSchema(options.responseFormat)) {
    responseFormat = options.responseFormat;
  }
  const request: ChatRequest = { messages: options.messages };
  const fields = {
    maxTokens: options.maxTokens,
    temperature: options.temperature,
    topP: options.topP,
    stop: typeof options.stop === 'string' ? [options.stop] : options.stop,
    seed: options.seed,
    frequencyPenalty: options.frequencyPenalty,
    presencePenalty: options.presencePenalty,
    n: options.n,
    tools: toFunctionTools(options.tools),
    toolChoice: toolChoiceOf(options.toolChoice),
    parallelToolCalls: options.parallelToolCalls,
    responseFormat,
    reasoningEffort: options.reasoningEffort,
    user: options.user,
    providerOptions: options.providerOptions,
  } satisfies Partial<ChatRequest>;
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) Object.assign(request, { [key]: value });
  const executable =
    isToolSet(options.tools) && Object.values(options.tools).some((tool) => tool.execute !== undefined)
      ? options.tools
      : undefined;
  return {
    request,
    schema,
    tools: executable,
    maxSteps: Math.max(1, options.maxSteps ?? DEFAULT_MAX_STEPS),
    repair: options.repair ?? false,
  };
}

/** The tool round after a step: results when every call can run locally, else undefined (the loop stops). */
export async function runToolRound(
  prepared: PreparedCompletion,
  messages: readonly ChatMessage[],
  step: StepResult,
  signal: AbortSignal | undefined,
): Promise<{ results: ToolResult[]; messages: ChatMessage[] } | undefined> {
  const toolCalls: ToolCall[] = firstChoiceToolCalls(step);
  if (prepared.tools === undefined || !canExecute(toolCalls, prepared.tools)) return undefined;
  const text = firstChoiceText(step);
  const assistantTurn = toolTurnMessages(text, toolCalls, []);
  const results = await executeToolCalls(toolCalls, prepared.tools, [...messages, ...assistantTurn], signal);
  return { results, messages: [...messages, ...toolTurnMessages(text, toolCalls, results)] };
}

export function validateStep(prepared: PreparedCompletion, step: StepResult): unknown {
  if (prepared.schema === undefined) return undefined;
  return parseStructuredText(firstChoiceText(step), prepared.schema, { provider: step.provider, model: step.model });
}

/** Non-streaming completion: tool loop, then validation with one optional repair call. */
export async function generateCompletion(
  prepared: PreparedCompletion,
  generate: (request: ChatRequest) => Promise<StepResult>,
  trace: CallTrace,
  signal: AbortSignal | undefined,
): Promise<CompletionResponse<unknown>> {
  let messages = prepared.request.messages;
  const steps: CompletionStep[] = [];
  let last: StepResult;
  for (let index = 0; ; index++) {
    last = await generate({ ...prepared.request, messages });
    const round = await runToolRound(prepared, messages, last, signal);
    steps.push(toStep(index, last, round?.results ?? []));
    if (round === undefined || index + 1 >= prepared.maxSteps) break;
    messages = round.messages;
  }
  let parsed: unknown;
  try {
    parsed = validateStep(prepared, last);
  } catch (error) {
    if (!prepared.repair || !StructuredOutputError.isInstance(error)) throw error;
    last = await generate({ ...prepared.request, messages: repairMessages(messages, error) });
    steps.push(toStep(steps.length, last, []));
    parsed = validateStep(prepared, last);
  }
  return assembleResponse(last, steps, trace, parsed);
}
