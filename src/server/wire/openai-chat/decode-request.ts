/**
 * `/v1/chat/completions` bodies → the neutral chat call. The body is never written to: shorthands the gateway
 * accepts (a string `image_url`, object tool-call `arguments`) are repaired in copies, and the decoded call says
 * whether anything had to change, so the client's own bytes are forwarded only when they still say it all.
 */
import type { ChatMessage, ChatRequest, ReasoningEffort, ResponseFormat, ToolChoice } from '../../../spec/chat.js';
import {
  type Body,
  invalid,
  isRecord,
  optionalBoolean,
  optionalNumber,
  optionalString,
  requireModel,
  requireObject,
} from '../body-fields.js';
import type { DecodedChatCall, WirePassthrough } from '../chat-codec.js';

export interface OpenAIChatCall extends DecodedChatCall {
  /** `stream_options.include_usage`: the client wants the closing usage chunk. */
  includeUsage: boolean;
  /** Whether decoding changed the body (a shorthand repaired, a gateway field removed). */
  changed: boolean;
}

/** A content array with each part checked; a copy only when a part had to be repaired. */
function decodeContent(content: unknown, param: string, allowImages: boolean, allowNull: boolean): unknown {
  if (typeof content === 'string') return content;
  if ((content === null || content === undefined) && allowNull) return content;
  if (!Array.isArray(content)) throw invalid(`'${param}' must be a string or an array of content parts`, param);
  let repaired: unknown[] | undefined;
  for (let index = 0; index < content.length; index++) {
    const part: unknown = content[index];
    const partParam = `${param}[${index}]`;
    if (!isRecord(part)) throw invalid(`'${partParam}' must be an object`, partParam);
    if (part.type === 'text') {
      if (typeof part.text !== 'string') throw invalid(`'${partParam}.text' must be a string`, `${partParam}.text`);
    } else if (part.type === 'image_url' && allowImages) {
      const image = part.image_url;
      const url = typeof image === 'string' ? image : isRecord(image) ? image.url : undefined;
      if (typeof url !== 'string' || url === '')
        throw invalid(`'${partParam}.image_url.url' must be a URL string`, `${partParam}.image_url.url`);
      if (typeof image === 'string') {
        repaired ??= content.slice();
        repaired[index] = { ...part, image_url: { url } };
      }
    } else {
      throw invalid(
        `'${partParam}.type' must be ${allowImages ? "'text' or 'image_url'" : "'text'"} (got ${JSON.stringify(part.type)})`,
        `${partParam}.type`,
      );
    }
  }
  return repaired ?? content;
}

/** Tool calls with string arguments; a copy only when some arguments came as an object. */
function decodeToolCalls(calls: unknown, param: string): unknown {
  if (calls === undefined || calls === null) return calls;
  if (!Array.isArray(calls)) throw invalid(`'${param}.tool_calls' must be an array`, `${param}.tool_calls`);
  let repaired: unknown[] | undefined;
  for (let index = 0; index < calls.length; index++) {
    const call: unknown = calls[index];
    const callParam = `${param}.tool_calls[${index}]`;
    if (
      !isRecord(call) ||
      typeof call.id !== 'string' ||
      !isRecord(call.function) ||
      typeof call.function.name !== 'string'
    )
      throw invalid(`'${callParam}' must have an id and a function name`, callParam);
    if (typeof call.function.arguments !== 'string') {
      repaired ??= calls.slice();
      repaired[index] = {
        ...call,
        function: { ...call.function, arguments: JSON.stringify(call.function.arguments ?? {}) },
      };
    }
  }
  return repaired ?? calls;
}

/** One message checked; the same object unless a shorthand in it had to be repaired. */
function decodeMessage(message: unknown, param: string): unknown {
  if (!isRecord(message)) throw invalid(`'${param}' must be an object`, param);
  switch (message.role) {
    case 'system':
    case 'developer':
      decodeContent(message.content, `${param}.content`, false, false);
      return message;
    case 'user': {
      const content = decodeContent(message.content, `${param}.content`, true, false);
      return content === message.content ? message : { ...message, content };
    }
    case 'assistant': {
      decodeContent(message.content, `${param}.content`, false, true);
      const calls = decodeToolCalls(message.tool_calls, param);
      return calls === message.tool_calls ? message : { ...message, tool_calls: calls };
    }
    case 'tool':
      decodeContent(message.content, `${param}.content`, false, false);
      if (typeof message.tool_call_id !== 'string')
        throw invalid(`'${param}.tool_call_id' must be a string`, `${param}.tool_call_id`);
      return message;
    case undefined:
      throw invalid(`'${param}.role' is required`, `${param}.role`, 'missing_field');
    default:
      throw invalid(
        `'${param}.role' must be one of system, developer, user, assistant, tool (got ${JSON.stringify(message.role)})`,
        `${param}.role`,
      );
  }
}

/** The messages checked; the client's own array unless a message had to be repaired. */
function decodeMessages(value: unknown): ChatMessage[] {
  if (value === undefined || value === null)
    throw invalid("you must provide a 'messages' parameter", 'messages', 'missing_field');
  if (!Array.isArray(value)) throw invalid("'messages' must be an array", 'messages');
  if (value.length === 0) throw invalid("'messages' must contain at least one message", 'messages', 'invalid_request');
  let repaired: unknown[] | undefined;
  for (let index = 0; index < value.length; index++) {
    const message: unknown = value[index];
    const decoded = decodeMessage(message, `messages[${index}]`);
    if (decoded !== message) {
      repaired ??= value.slice();
      repaired[index] = decoded;
    }
  }
  return (repaired ?? value) as ChatMessage[];
}

/** OpenAI's hosted-MCP tools (`{type: 'mcp', server_label, allowed_tools}`), run by the gateway's MCP tool loop. */
function decodeMcpTools(body: Body): ChatRequest['mcpTools'] {
  if (!Array.isArray(body.tools)) return undefined;
  const selections: NonNullable<ChatRequest['mcpTools']> = [];
  body.tools.forEach((tool: unknown, index) => {
    if (!isRecord(tool) || tool.type !== 'mcp') return;
    const param = `tools[${index}]`;
    if (typeof tool.server_label !== 'string' || tool.server_label === '')
      throw invalid(`'${param}.server_label' must name an MCP server of the gateway`, `${param}.server_label`);
    const allowed = tool.allowed_tools;
    if (
      allowed !== undefined &&
      allowed !== null &&
      !(Array.isArray(allowed) && allowed.every((name) => typeof name === 'string'))
    )
      throw invalid(`'${param}.allowed_tools' must be an array of tool names`, `${param}.allowed_tools`);
    selections.push({
      serverLabel: tool.server_label,
      ...(Array.isArray(allowed) ? { allowedTools: allowed as string[] } : {}),
    });
  });
  return selections.length === 0 ? undefined : selections;
}

function decodeTools(body: Body): ChatRequest['tools'] {
  const all = body.tools;
  if (all === undefined || all === null) return undefined;
  if (!Array.isArray(all)) throw invalid("'tools' must be an array", 'tools');
  const tools = all.filter((tool: unknown) => !isRecord(tool) || tool.type !== 'mcp');
  all.forEach((tool: unknown, index) => {
    const param = `tools[${index}]`;
    if (isRecord(tool) && tool.type === 'mcp') return;
    if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function))
      throw invalid(`'${param}' must be {type: 'function', function: {...}}`, param);
    if (typeof tool.function.name !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(tool.function.name)) {
      throw invalid(
        `'${param}.function.name' must be 1-128 letters, digits, '_', '.' or '-'`,
        `${param}.function.name`,
      );
    }
    if (tool.function.parameters !== undefined && !isRecord(tool.function.parameters)) {
      throw invalid(`'${param}.function.parameters' must be a JSON schema object`, `${param}.function.parameters`);
    }
  });
  return tools as ChatRequest['tools'];
}

function decodeToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  if (
    isRecord(value) &&
    value.type === 'function' &&
    isRecord(value.function) &&
    typeof value.function.name === 'string'
  )
    return value as ToolChoice;
  throw invalid(
    "'tool_choice' must be 'auto', 'none', 'required' or {type: 'function', function: {name}}",
    'tool_choice',
  );
}

function decodeResponseFormat(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw invalid("'response_format' must be an object", 'response_format');
  if (value.type === 'text' || value.type === 'json_object') return value as ResponseFormat;
  if (value.type === 'json_schema') {
    if (!isRecord(value.json_schema) || typeof value.json_schema.name !== 'string') {
      throw invalid("'response_format.json_schema' must have a name (and a schema)", 'response_format.json_schema');
    }
    return value as ResponseFormat;
  }
  throw invalid("'response_format.type' must be 'text', 'json_object' or 'json_schema'", 'response_format.type');
}

function decodeStop(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw invalid("'stop' must be a string or an array of strings", 'stop');
}

/** Body fields the gateway itself consumes; they are never forwarded upstream. */
const GATEWAY_FIELDS = ['timeout', 'provider_options'] as const;

function hasGatewayFields(body: Body): boolean {
  return 'timeout' in body || 'provider_options' in body;
}

const EFFORTS = new Set(['minimal', 'low', 'medium', 'high']);

/** Numeric generation settings: typed field, body field, allowed range, whether it must be an integer. */
const NUMBER_SETTINGS: readonly (readonly [keyof ChatRequest, string, number, number, boolean])[] = [
  ['temperature', 'temperature', 0, 2, false],
  ['topP', 'top_p', 0, 1, false],
  ['seed', 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true],
  ['frequencyPenalty', 'frequency_penalty', -2, 2, false],
  ['presencePenalty', 'presence_penalty', -2, 2, false],
  ['n', 'n', 1, 128, true],
  ['topLogprobs', 'top_logprobs', 0, 20, true],
];

/**
 * The body to forward when decoding changed something: a repaired copy without the gateway's fields, serialised
 * once so that the body and the bytes handed on always say the same.
 */
function repairedPassthrough(body: Body, messages: ChatMessage[]): WirePassthrough {
  const copy: Body = { ...body, messages };
  for (const field of GATEWAY_FIELDS) delete copy[field];
  return { format: 'openai-chat', body: copy, bytes: Buffer.from(JSON.stringify(copy)) };
}

/** Decodes a `/v1/chat/completions` body; throws `BadRequestError` naming the field. Never mutates `value`. */
export function decodeOpenAIChatRequest(value: unknown, bytes: Uint8Array): OpenAIChatCall {
  const body = requireObject(value);
  const model = requireModel(body);
  const messages = decodeMessages(body.messages);
  const stream = optionalBoolean(body, 'stream') ?? false;
  let includeUsage = false;
  if (body.stream_options !== undefined && body.stream_options !== null) {
    if (!isRecord(body.stream_options)) throw invalid("'stream_options' must be an object", 'stream_options');
    includeUsage = body.stream_options.include_usage === true;
  }
  const request: ChatRequest = { messages };
  const maxTokens =
    optionalNumber(body, 'max_completion_tokens', 1, Number.MAX_SAFE_INTEGER, true) ??
    optionalNumber(body, 'max_tokens', 1, Number.MAX_SAFE_INTEGER, true);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  for (const [key, field, min, max, integer] of NUMBER_SETTINGS) {
    const setting = optionalNumber(body, field, min, max, integer);
    if (setting !== undefined) (request as unknown as Record<string, number>)[key] = setting;
  }
  const stop = decodeStop(body.stop);
  if (stop !== undefined) request.stop = stop;
  const tools = decodeTools(body);
  const mcpTools = decodeMcpTools(body);
  if (tools !== undefined && (tools.length > 0 || mcpTools === undefined)) request.tools = tools;
  if (mcpTools !== undefined) request.mcpTools = mcpTools;
  const toolChoice = decodeToolChoice(body.tool_choice);
  if (toolChoice !== undefined) request.toolChoice = toolChoice;
  const parallelToolCalls = optionalBoolean(body, 'parallel_tool_calls');
  if (parallelToolCalls !== undefined) request.parallelToolCalls = parallelToolCalls;
  const responseFormat = decodeResponseFormat(body.response_format);
  if (responseFormat !== undefined) request.responseFormat = responseFormat;
  const logprobs = optionalBoolean(body, 'logprobs');
  if (logprobs !== undefined) request.logprobs = logprobs;
  const user = optionalString(body, 'user');
  if (user !== undefined) request.user = user;
  const effort = optionalString(body, 'reasoning_effort');
  if (effort !== undefined) {
    if (!EFFORTS.has(effort))
      throw invalid("'reasoning_effort' must be minimal, low, medium or high", 'reasoning_effort');
    request.reasoningEffort = effort as ReasoningEffort;
  }
  if (body.provider_options !== undefined) {
    if (!isRecord(body.provider_options))
      throw invalid("'provider_options' must be an object keyed by provider", 'provider_options');
    request.providerOptions = body.provider_options as ChatRequest['providerOptions'];
  }
  const timeout = optionalNumber(body, 'timeout', 0.001, 86_400);
  const changed = messages !== body.messages || hasGatewayFields(body);
  const passthrough: WirePassthrough = changed
    ? repairedPassthrough(body, messages)
    : { format: 'openai-chat', body, bytes };
  const call: OpenAIChatCall = {
    model,
    stream,
    request,
    passthrough,
    cacheMaterial: passthrough.body,
    includeUsage,
    changed,
  };
  if (timeout !== undefined) call.timeoutMs = timeout * 1000;
  return call;
}
