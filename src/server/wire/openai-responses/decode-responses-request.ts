/**
 * `POST /v1/responses` body → a {@link ResponsesCall}: the neutral chat request (built from this turn's items;
 * the route prepends a stored conversation for `previous_response_id`) and the settings the response echoes.
 */
import { generateId } from '../../../provider-utils/ids.js';
import type { ChatRequest, FunctionTool, ReasoningEffort, ResponseFormat, ToolChoice } from '../../../spec/chat.js';
import {
  invalidField,
  isRecord,
  readBoolean,
  readNumber,
  readString,
  rejectField,
  requireModel,
  requireObject,
  type WireBody,
} from '../wire-fields.js';
import { decodeResponsesInput } from './decode-responses-input.js';
import { itemsToMessages } from './responses-messages.js';
import type {
  InputItem,
  ResponsesCall,
  ResponsesFunctionTool,
  ResponsesSettings,
  ResponsesToolChoice,
  TextFormat,
} from './responses-types.js';

/** Response ids are `resp_` + 40 base62 characters; item ids derive from them (see `itemId`). */
export function newResponseId(): string {
  return generateId('resp', 40, '_');
}

function decodeTools(value: unknown): ResponsesFunctionTool[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidField("'tools' must be an array", 'tools');
  const builtIn = value
    .map((tool, index) => ({ tool, index }))
    .filter(({ tool }) => !isRecord(tool) || tool.type !== 'function');
  if (builtIn.length > 0) {
    const names = builtIn.map(
      ({ tool, index }) => `${isRecord(tool) ? String(tool.type) : 'invalid'} (tools[${index}])`,
    );
    throw invalidField(
      `Built-in tools are not supported by LlamaGate, which cannot run them: ${names.join(', ')}. Declare function tools and run them in your application`,
      `tools[${builtIn[0]?.index ?? 0}].type`,
      'invalid_request',
    );
  }
  return (value as WireBody[]).map((tool, index) => {
    const param = `tools[${index}]`;
    if (typeof tool.name !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(tool.name))
      throw invalidField(`'${param}.name' must be 1-128 letters, digits, '_', '.' or '-'`, `${param}.name`);
    if (tool.parameters !== undefined && tool.parameters !== null && !isRecord(tool.parameters))
      throw invalidField(`'${param}.parameters' must be a JSON schema object`, `${param}.parameters`);
    return {
      type: 'function',
      name: tool.name,
      description: typeof tool.description === 'string' ? tool.description : null,
      parameters: isRecord(tool.parameters) ? tool.parameters : null,
      strict: typeof tool.strict === 'boolean' ? tool.strict : true,
    };
  });
}

function decodeToolChoice(value: unknown): ResponsesToolChoice {
  if (value === undefined || value === null) return 'auto';
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  if (isRecord(value) && value.type === 'function' && typeof value.name === 'string')
    return { type: 'function', name: value.name };
  throw invalidField(
    `'tool_choice' must be 'auto', 'none', 'required' or {type: 'function', name} (got ${JSON.stringify(value)}); built-in tools are not supported`,
    'tool_choice',
  );
}

function decodeTextFormat(text: unknown): TextFormat {
  if (text === undefined || text === null) return { type: 'text' };
  if (!isRecord(text)) throw invalidField("'text' must be an object", 'text');
  const format = text.format;
  if (format === undefined || format === null) return { type: 'text' };
  if (!isRecord(format)) throw invalidField("'text.format' must be an object", 'text.format');
  if (format.type === 'text' || format.type === 'json_object') return { type: format.type };
  if (format.type === 'json_schema') {
    if (typeof format.name !== 'string' || !isRecord(format.schema))
      throw invalidField("'text.format' of type json_schema needs a name and a schema", 'text.format');
    const decoded: TextFormat = { type: 'json_schema', name: format.name, schema: format.schema };
    if (typeof format.description === 'string') decoded.description = format.description;
    if (typeof format.strict === 'boolean') decoded.strict = format.strict;
    return decoded;
  }
  throw invalidField("'text.format.type' must be text, json_object or json_schema", 'text.format.type');
}

function decodeMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw invalidField("'metadata' must be an object of strings", 'metadata');
  const entries = Object.entries(value);
  if (entries.length > 16) throw invalidField("'metadata' may hold at most 16 keys", 'metadata');
  for (const [key, entry] of entries) {
    if (typeof entry !== 'string' || key.length > 64 || entry.length > 512)
      throw invalidField(`'metadata.${key}' must be a string of at most 512 characters`, `metadata.${key}`);
  }
  return value as Record<string, string>;
}

const EFFORTS: Record<string, ReasoningEffort | undefined> = {
  none: undefined,
  minimal: 'minimal',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'high',
};

function decodeEffort(reasoning: unknown): string | null {
  if (reasoning === undefined || reasoning === null) return null;
  if (!isRecord(reasoning)) throw invalidField("'reasoning' must be an object", 'reasoning');
  const effort = reasoning.effort;
  if (effort === undefined || effort === null) return null;
  if (typeof effort !== 'string' || !(effort in EFFORTS))
    throw invalidField("'reasoning.effort' must be none, minimal, low, medium, high or xhigh", 'reasoning.effort');
  return effort;
}

function toResponseFormat(format: TextFormat): ResponseFormat | undefined {
  if (format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  const schema: ResponseFormat = { type: 'json_schema', json_schema: { name: format.name, schema: format.schema } };
  if (format.description !== undefined) schema.json_schema.description = format.description;
  if (format.strict !== undefined) schema.json_schema.strict = format.strict;
  return schema;
}

function toToolChoice(choice: ResponsesToolChoice): ToolChoice {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

function toFunctionTool(tool: ResponsesFunctionTool): FunctionTool {
  const fn: FunctionTool['function'] = { name: tool.name };
  if (tool.description !== null) fn.description = tool.description;
  if (tool.parameters !== null) fn.parameters = tool.parameters;
  if (tool.strict !== null) fn.strict = tool.strict;
  return { type: 'function', function: fn };
}

/** The neutral request for the given settings and conversation (also used after history is prepended). */
export function buildChatRequest(settings: ResponsesSettings, messages: ChatRequest['messages']): ChatRequest {
  const request: ChatRequest = { messages };
  if (settings.maxOutputTokens !== null) request.maxTokens = settings.maxOutputTokens;
  if (settings.temperature !== null) request.temperature = settings.temperature;
  if (settings.topP !== null) request.topP = settings.topP;
  if (settings.tools.length > 0) {
    request.tools = settings.tools.map(toFunctionTool);
    request.toolChoice = toToolChoice(settings.toolChoice);
    request.parallelToolCalls = settings.parallelToolCalls;
  } else if (settings.toolChoice !== 'auto' && settings.toolChoice !== 'none') {
    throw invalidField("'tool_choice' names a tool but 'tools' is empty", 'tool_choice');
  }
  const responseFormat = toResponseFormat(settings.textFormat);
  if (responseFormat !== undefined) request.responseFormat = responseFormat;
  const effort = settings.reasoningEffort === null ? undefined : EFFORTS[settings.reasoningEffort];
  if (effort !== undefined) request.reasoningEffort = effort;
  if (settings.user !== null) request.user = settings.user;
  return request;
}

/** Validates a `/v1/responses` body; item references and `previous_response_id` are resolved by the route. */
export function decodeResponsesRequest(value: unknown): ResponsesCall {
  const body = requireObject(value);
  const model = requireModel(body);
  rejectField(body, 'background', 'responses run in the foreground; stream instead');
  rejectField(body, 'conversation', 'continue a conversation with previous_response_id');
  rejectField(body, 'prompt', 'reusable prompts live in the OpenAI dashboard');
  const input: InputItem[] = decodeResponsesInput(body.input);
  if (input.length === 0 && body.previous_response_id == null)
    throw invalidField("you must provide an 'input' parameter", 'input', 'missing_field');
  const previousResponseId = readString(body, 'previous_response_id') ?? null;
  const truncation = readString(body, 'truncation') ?? 'disabled';
  if (truncation !== 'auto' && truncation !== 'disabled')
    throw invalidField("'truncation' must be auto or disabled", 'truncation');
  const settings: ResponsesSettings = {
    instructions: readString(body, 'instructions') ?? null,
    maxOutputTokens: readNumber(body, 'max_output_tokens', 1, Number.MAX_SAFE_INTEGER, true) ?? null,
    metadata: decodeMetadata(body.metadata),
    parallelToolCalls: readBoolean(body, 'parallel_tool_calls') ?? true,
    previousResponseId,
    reasoningEffort: decodeEffort(body.reasoning),
    store: readBoolean(body, 'store') ?? true,
    temperature: readNumber(body, 'temperature', 0, 2) ?? null,
    textFormat: decodeTextFormat(body.text),
    toolChoice: decodeToolChoice(body.tool_choice),
    tools: decodeTools(body.tools),
    topP: readNumber(body, 'top_p', 0, 1) ?? null,
    truncation,
    user: readString(body, 'user') ?? readString(body, 'safety_identifier') ?? null,
  };
  // Without stored history the items must be self-contained; the route rebuilds this when it has history.
  const resolved = input.every((item) => item.type !== 'item_reference');
  const request = buildChatRequest(
    settings,
    resolved ? itemsToMessages(settings.instructions, input as Exclude<InputItem, { type: 'item_reference' }>[]) : [],
  );
  const stream = readBoolean(body, 'stream') ?? false;
  return { model, stream, request, cacheMaterial: request, settings, input, responseId: newResponseId() };
}
