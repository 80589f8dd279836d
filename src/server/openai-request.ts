/**
 * Validation of incoming OpenAI-format bodies into typed requests. Hand-written rather than a schema
 * library because it runs on every request; each failure names the offending field in `param`.
 */
import type { ChatMessage, ChatRequest, ReasoningEffort, ResponseFormat, ToolChoice } from '../spec/chat.js';
import type { EmbeddingRequest } from '../spec/embedding.js';
import { BadRequestError } from '../spec/errors.js';

export interface ParsedChatRequest {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  request: ChatRequest;
  /** Per-request timeout asked for in the body (`timeout`, seconds). */
  timeoutMs: number | undefined;
}

type Body = Record<string, unknown>;

function invalid(
  message: string,
  param: string,
  code: 'invalid_type' | 'missing_field' | 'invalid_request' = 'invalid_type',
): BadRequestError {
  return new BadRequestError({ message, param, code, isRetryable: false });
}

function isRecord(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalNumber(body: Body, field: string, min: number, max: number, integer = false): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`'${field}' must be a number`, field);
  if (integer && !Number.isInteger(value)) throw invalid(`'${field}' must be an integer`, field);
  if (value < min || value > max) throw invalid(`'${field}' must be between ${min} and ${max} (got ${value})`, field);
  return value;
}

function optionalBoolean(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(`'${field}' must be a boolean`, field);
  return value;
}

function optionalString(body: Body, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`'${field}' must be a string`, field);
  return value;
}

function validateContent(content: unknown, param: string, allowImages: boolean, allowNull: boolean): void {
  if (typeof content === 'string') return;
  if ((content === null || content === undefined) && allowNull) return;
  if (!Array.isArray(content)) throw invalid(`'${param}' must be a string or an array of content parts`, param);
  content.forEach((part, index) => {
    const partParam = `${param}[${index}]`;
    if (!isRecord(part)) throw invalid(`'${partParam}' must be an object`, partParam);
    if (part.type === 'text') {
      if (typeof part.text !== 'string') throw invalid(`'${partParam}.text' must be a string`, `${partParam}.text`);
    } else if (part.type === 'image_url' && allowImages) {
      const image = part.image_url;
      const url = typeof image === 'string' ? image : isRecord(image) ? image.url : undefined;
      if (typeof url !== 'string' || url === '')
        throw invalid(`'${partParam}.image_url.url' must be a URL string`, `${partParam}.image_url.url`);
      if (typeof image === 'string') part.image_url = { url };
    } else {
      throw invalid(
        `'${partParam}.type' must be ${allowImages ? "'text' or 'image_url'" : "'text'"} (got ${JSON.stringify(part.type)})`,
        `${partParam}.type`,
      );
    }
  });
}

function validateMessages(value: unknown): ChatMessage[] {
  if (value === undefined || value === null)
    throw invalid("you must provide a 'messages' parameter", 'messages', 'missing_field');
  if (!Array.isArray(value)) throw invalid("'messages' must be an array", 'messages');
  if (value.length === 0) throw invalid("'messages' must contain at least one message", 'messages', 'invalid_request');
  value.forEach((message, index) => {
    const param = `messages[${index}]`;
    if (!isRecord(message)) throw invalid(`'${param}' must be an object`, param);
    switch (message.role) {
      case 'system':
      case 'developer':
        validateContent(message.content, `${param}.content`, false, false);
        break;
      case 'user':
        validateContent(message.content, `${param}.content`, true, false);
        break;
      case 'assistant': {
        validateContent(message.content, `${param}.content`, false, true);
        const calls = message.tool_calls;
        if (calls !== undefined && calls !== null) {
          if (!Array.isArray(calls)) throw invalid(`'${param}.tool_calls' must be an array`, `${param}.tool_calls`);
          calls.forEach((call, callIndex) => {
            const callParam = `${param}.tool_calls[${callIndex}]`;
            if (
              !isRecord(call) ||
              typeof call.id !== 'string' ||
              !isRecord(call.function) ||
              typeof call.function.name !== 'string'
            ) {
              throw invalid(`'${callParam}' must have an id and a function name`, callParam);
            }
            if (typeof call.function.arguments !== 'string') {
              call.function.arguments = JSON.stringify(call.function.arguments ?? {});
            }
          });
        }
        break;
      }
      case 'tool':
        validateContent(message.content, `${param}.content`, false, false);
        if (typeof message.tool_call_id !== 'string')
          throw invalid(`'${param}.tool_call_id' must be a string`, `${param}.tool_call_id`);
        break;
      case undefined:
        throw invalid(`'${param}.role' is required`, `${param}.role`, 'missing_field');
      default:
        throw invalid(
          `'${param}.role' must be one of system, developer, user, assistant, tool (got ${JSON.stringify(message.role)})`,
          `${param}.role`,
        );
    }
  });
  return value as ChatMessage[];
}

function validateTools(body: Body): ChatRequest['tools'] {
  const tools = body.tools;
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw invalid("'tools' must be an array", 'tools');
  tools.forEach((tool, index) => {
    const param = `tools[${index}]`;
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

function validateToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  if (
    isRecord(value) &&
    value.type === 'function' &&
    isRecord(value.function) &&
    typeof value.function.name === 'string'
  ) {
    return value as ToolChoice;
  }
  throw invalid(
    "'tool_choice' must be 'auto', 'none', 'required' or {type: 'function', function: {name}}",
    'tool_choice',
  );
}

function validateResponseFormat(value: unknown): ResponseFormat | undefined {
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

function validateStop(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw invalid("'stop' must be a string or an array of strings", 'stop');
}

/** Body fields the gateway itself consumes; they are never forwarded upstream. */
const GATEWAY_FIELDS = ['timeout', 'provider_options'] as const;

function withoutGatewayFields(body: Body): Body {
  if (!GATEWAY_FIELDS.some((field) => field in body)) return body;
  const copy = { ...body };
  for (const field of GATEWAY_FIELDS) delete copy[field];
  return copy;
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

function requireObject(body: unknown): Body {
  if (!isRecord(body)) throw invalid('The request body must be a JSON object', 'body', 'invalid_request');
  return body;
}

function requireModel(body: Body): string {
  const model = body.model;
  if (model === undefined || model === null)
    throw invalid("you must provide a 'model' parameter", 'model', 'missing_field');
  if (typeof model !== 'string' || model.trim() === '') throw invalid("'model' must be a non-empty string", 'model');
  return model;
}

/** Validates a `/v1/chat/completions` body; the original object is kept for OpenAI-compatible passthrough. */
export function parseChatCompletionBody(value: unknown, rawBody: Uint8Array | undefined): ParsedChatRequest {
  const body = requireObject(value);
  const model = requireModel(body);
  const messages = validateMessages(body.messages);
  const stream = optionalBoolean(body, 'stream') ?? false;
  let includeUsage = false;
  if (body.stream_options !== undefined && body.stream_options !== null) {
    if (!isRecord(body.stream_options)) throw invalid("'stream_options' must be an object", 'stream_options');
    includeUsage = body.stream_options.include_usage === true;
  }
  const request: ChatRequest = { messages, openaiBody: withoutGatewayFields(body) };
  if (rawBody !== undefined && request.openaiBody === body) request.openaiRawBody = rawBody;
  const maxTokens =
    optionalNumber(body, 'max_completion_tokens', 1, Number.MAX_SAFE_INTEGER, true) ??
    optionalNumber(body, 'max_tokens', 1, Number.MAX_SAFE_INTEGER, true);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  for (const [key, field, min, max, integer] of NUMBER_SETTINGS) {
    const setting = optionalNumber(body, field, min, max, integer);
    if (setting !== undefined) (request as unknown as Record<string, number>)[key] = setting;
  }
  const stop = validateStop(body.stop);
  if (stop !== undefined) request.stop = stop;
  const tools = validateTools(body);
  if (tools !== undefined) request.tools = tools;
  const toolChoice = validateToolChoice(body.tool_choice);
  if (toolChoice !== undefined) request.toolChoice = toolChoice;
  const parallelToolCalls = optionalBoolean(body, 'parallel_tool_calls');
  if (parallelToolCalls !== undefined) request.parallelToolCalls = parallelToolCalls;
  const responseFormat = validateResponseFormat(body.response_format);
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
  return { model, stream, includeUsage, request, timeoutMs: timeout === undefined ? undefined : timeout * 1000 };
}

export interface ParsedEmbeddingRequest {
  model: string;
  encodingFormat: 'float' | 'base64';
  request: EmbeddingRequest;
}

/** Validates a `/v1/embeddings` body (string or array of strings; token arrays are not supported). */
export function parseEmbeddingBody(value: unknown): ParsedEmbeddingRequest {
  const body = requireObject(value);
  const model = requireModel(body);
  const input = body.input;
  if (input === undefined || input === null)
    throw invalid("you must provide an 'input' parameter", 'input', 'missing_field');
  let inputs: string[];
  if (typeof input === 'string') inputs = [input];
  else if (Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === 'string'))
    inputs = input as string[];
  else throw invalid("'input' must be a string or a non-empty array of strings", 'input');
  if (inputs.length > 2048) throw invalid("'input' may hold at most 2048 items", 'input');
  const format = optionalString(body, 'encoding_format') ?? 'float';
  if (format !== 'float' && format !== 'base64')
    throw invalid("'encoding_format' must be 'float' or 'base64'", 'encoding_format');
  const request: EmbeddingRequest = { input: inputs, openaiBody: body };
  const dimensions = optionalNumber(body, 'dimensions', 1, 65_536, true);
  if (dimensions !== undefined) request.dimensions = dimensions;
  const user = optionalString(body, 'user');
  if (user !== undefined) request.user = user;
  return { model, encodingFormat: format, request };
}
