/**
 * Anthropic Messages API request body → neutral chat request. Validation is strict (Anthropic rejects unknown
 * fields too) and every error names the field, in Anthropic's dotted path style (`messages.0.content.1.type`).
 * The input is never mutated: the neutral request is built beside it, so the client's bytes stay forwardable.
 */
import type {
  AssistantContentPart,
  CacheControl,
  ChatMessage,
  ChatRequest,
  DocumentContentPart,
  DocumentSource,
  FunctionTool,
  ImageContentPart,
  ReasoningEffort,
  ReasoningPart,
  TextContentPart,
  ToolCall,
  ToolChoice,
  ToolResultContentPart,
  UserContentPart,
} from '../../../spec/chat.js';
import { BadRequestError } from '../../../spec/errors.js';
import { containerUploadPart, isServerToolBlock, serverToolPart } from './decode-server-tool-blocks.js';

type Json = Record<string, unknown>;

/** Top-level fields of the Messages API that the neutral request has no place for; only Anthropic reads them. */
const ANTHROPIC_ONLY_FIELDS: ReadonlySet<string> = new Set([
  'service_tier',
  'container',
  'mcp_servers',
  'context_management',
  'output_config',
  'inference_geo',
]);

const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  'metadata',
  'stream',
  ...ANTHROPIC_ONLY_FIELDS,
]);

/** What `POST /v1/messages/count_tokens` takes: the prompt-side fields only. */
const COUNT_TOKENS_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'mcp_servers',
  'context_management',
  'output_config',
]);

export interface DecodedAnthropicRequest {
  model: string;
  stream: boolean;
  request: ChatRequest;
}

function invalid(message: string, param: string): BadRequestError {
  return new BadRequestError({ code: 'invalid_request', message: `${param}: ${message}`, param, isRetryable: false });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, param: string): Json {
  if (!isObject(value)) throw invalid('Input should be an object', param);
  return value;
}

function string(value: unknown, param: string): string {
  if (typeof value !== 'string') throw invalid('Input should be a valid string', param);
  return value;
}

function optionalString(value: unknown, param: string): string | undefined {
  return value === undefined || value === null ? undefined : string(value, param);
}

function number(value: unknown, param: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid('Input should be a valid number', param);
  if (value < min || value > max) throw invalid(`Input should be between ${min} and ${max}`, param);
  return value;
}

function integer(value: unknown, param: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid('Input should be a valid integer', param);
  if (value < min) throw invalid(`Input should be greater than or equal to ${min}`, param);
  return value;
}

function array(value: unknown, param: string): unknown[] {
  if (!Array.isArray(value)) throw invalid('Input should be a valid list', param);
  return value;
}

function allowOnly(block: Json, allowed: readonly string[], param: string): void {
  for (const key of Object.keys(block)) {
    if (!allowed.includes(key)) throw invalid('Extra inputs are not permitted', `${param}.${key}`);
  }
}

function cacheControl(block: Json, param: string): CacheControl | undefined {
  const value = block.cache_control;
  if (value === undefined || value === null) return undefined;
  const control = object(value, `${param}.cache_control`);
  allowOnly(control, ['type', 'ttl'], `${param}.cache_control`);
  if (control.type !== 'ephemeral') throw invalid("Input should be 'ephemeral'", `${param}.cache_control.type`);
  if (control.ttl === undefined) return { type: 'ephemeral' };
  if (control.ttl !== '5m' && control.ttl !== '1h')
    throw invalid("Input should be '5m' or '1h'", `${param}.cache_control.ttl`);
  return { type: 'ephemeral', ttl: control.ttl };
}

function withCache<Part extends object>(part: Part, control: CacheControl | undefined): Part {
  return control === undefined ? part : { ...part, cache_control: control };
}

function textPart(block: Json, param: string): TextContentPart {
  // Citations of earlier answers are accepted and not replayed: they annotate the text, they are not input.
  allowOnly(block, ['type', 'text', 'cache_control', 'citations'], param);
  return withCache({ type: 'text', text: string(block.text, `${param}.text`) }, cacheControl(block, param));
}

function imagePart(block: Json, param: string): ImageContentPart {
  allowOnly(block, ['type', 'source', 'cache_control'], param);
  const source = object(block.source, `${param}.source`);
  let url: string;
  if (source.type === 'base64') {
    allowOnly(source, ['type', 'media_type', 'data'], `${param}.source`);
    const mediaType = string(source.media_type, `${param}.source.media_type`);
    if (!/^image\/(jpeg|png|gif|webp)$/.test(mediaType)) {
      throw invalid(
        "Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'",
        `${param}.source.media_type`,
      );
    }
    url = `data:${mediaType};base64,${string(source.data, `${param}.source.data`)}`;
  } else if (source.type === 'url') {
    allowOnly(source, ['type', 'url'], `${param}.source`);
    url = string(source.url, `${param}.source.url`);
    if (!/^https?:\/\//i.test(url)) throw invalid('Input should be an http(s) URL', `${param}.source.url`);
  } else {
    throw invalid("Input tag should be 'base64' or 'url'", `${param}.source.type`);
  }
  return withCache({ type: 'image_url', image_url: { url } }, cacheControl(block, param));
}

function documentSource(value: unknown, param: string): DocumentSource {
  const source = object(value, param);
  switch (source.type) {
    case 'base64':
      allowOnly(source, ['type', 'media_type', 'data'], param);
      if (source.media_type !== 'application/pdf')
        throw invalid("Input should be 'application/pdf'", `${param}.media_type`);
      return { type: 'base64', media_type: 'application/pdf', data: string(source.data, `${param}.data`) };
    case 'text':
      allowOnly(source, ['type', 'media_type', 'data'], param);
      if (source.media_type !== 'text/plain') throw invalid("Input should be 'text/plain'", `${param}.media_type`);
      return { type: 'text', media_type: 'text/plain', data: string(source.data, `${param}.data`) };
    case 'url':
      allowOnly(source, ['type', 'url'], param);
      return { type: 'url', url: string(source.url, `${param}.url`) };
    case 'file':
      allowOnly(source, ['type', 'file_id'], param);
      return { type: 'file', file_id: string(source.file_id, `${param}.file_id`) };
    case 'content': {
      allowOnly(source, ['type', 'content'], param);
      if (typeof source.content === 'string') return { type: 'content', content: source.content };
      const content = array(source.content, `${param}.content`).map((item, index) => {
        const itemParam = `${param}.content.${index}`;
        const inner = object(item, itemParam);
        if (inner.type === 'text') return textPart(inner, itemParam);
        if (inner.type === 'image') return imagePart(inner, itemParam);
        throw invalid("Input tag should be 'text' or 'image'", `${itemParam}.type`);
      });
      return { type: 'content', content };
    }
    default:
      throw invalid("Input tag should be 'base64', 'text', 'content', 'url' or 'file'", `${param}.type`);
  }
}

function documentPart(block: Json, param: string): DocumentContentPart {
  allowOnly(block, ['type', 'source', 'title', 'context', 'citations', 'cache_control'], param);
  const part: DocumentContentPart = { type: 'document', source: documentSource(block.source, `${param}.source`) };
  const title = optionalString(block.title, `${param}.title`);
  if (title !== undefined) part.title = title;
  const context = optionalString(block.context, `${param}.context`);
  if (context !== undefined) part.context = context;
  if (block.citations !== undefined && block.citations !== null) {
    const citations = object(block.citations, `${param}.citations`);
    allowOnly(citations, ['enabled'], `${param}.citations`);
    if (typeof citations.enabled !== 'boolean')
      throw invalid('Input should be a valid boolean', `${param}.citations.enabled`);
    part.citations = { enabled: citations.enabled };
  }
  return withCache(part, cacheControl(block, param));
}

function toolResult(block: Json, param: string): ChatMessage {
  allowOnly(block, ['type', 'tool_use_id', 'content', 'is_error', 'cache_control'], param);
  const id = string(block.tool_use_id, `${param}.tool_use_id`);
  let content: string | ToolResultContentPart[] = '';
  if (typeof block.content === 'string') content = block.content;
  else if (block.content !== undefined) {
    content = array(block.content, `${param}.content`).map((item, index) => {
      const itemParam = `${param}.content.${index}`;
      const inner = object(item, itemParam);
      if (inner.type === 'text') return textPart(inner, itemParam);
      if (inner.type === 'image') return imagePart(inner, itemParam);
      throw invalid("Input tag should be 'text' or 'image'", `${itemParam}.type`);
    });
  }
  const message: ChatMessage = { role: 'tool', tool_call_id: id, content };
  if (block.is_error !== undefined) {
    if (typeof block.is_error !== 'boolean') throw invalid('Input should be a valid boolean', `${param}.is_error`);
    message.is_error = block.is_error;
  }
  return withCache(message, cacheControl(block, param));
}

function blocksOf(content: unknown, param: string): Json[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return array(content, param).map((block, index) => object(block, `${param}.${index}`));
}

/** A user turn: its tool results become tool messages (first, as Anthropic requires), the rest one user message. */
function userMessages(content: unknown, param: string): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const results: ChatMessage[] = [];
  const parts: UserContentPart[] = [];
  blocksOf(content, param).forEach((block, index) => {
    const blockParam = `${param}.${index}`;
    switch (block.type) {
      case 'text':
        parts.push(textPart(block, blockParam));
        break;
      case 'image':
        parts.push(imagePart(block, blockParam));
        break;
      case 'document':
        parts.push(documentPart(block, blockParam));
        break;
      case 'tool_result':
        results.push(toolResult(block, blockParam));
        break;
      case 'container_upload':
        parts.push(containerUploadPart(block, blockParam));
        break;
      default:
        throw invalid(
          "Input tag should be 'text', 'image', 'document', 'tool_result' or 'container_upload'",
          `${blockParam}.type`,
        );
    }
  });
  if (parts.length > 0) results.push({ role: 'user', content: parts });
  return results;
}

function assistantMessage(content: unknown, param: string): ChatMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  const reasoning: ReasoningPart[] = [];
  const texts: AssistantContentPart[] = [];
  const toolCalls: ToolCall[] = [];
  blocksOf(content, param).forEach((block, index) => {
    const blockParam = `${param}.${index}`;
    switch (block.type) {
      case 'text':
        texts.push(textPart(block, blockParam));
        break;
      case 'thinking':
        allowOnly(block, ['type', 'thinking', 'signature'], blockParam);
        reasoning.push({
          type: 'thinking',
          thinking: string(block.thinking, `${blockParam}.thinking`),
          signature: string(block.signature, `${blockParam}.signature`),
        });
        break;
      case 'redacted_thinking':
        allowOnly(block, ['type', 'data'], blockParam);
        reasoning.push({ type: 'redacted_thinking', data: string(block.data, `${blockParam}.data`) });
        break;
      case 'tool_use': {
        allowOnly(block, ['type', 'id', 'name', 'input', 'cache_control', 'caller'], blockParam);
        const input = object(block.input, `${blockParam}.input`);
        toolCalls.push({
          id: string(block.id, `${blockParam}.id`),
          type: 'function',
          function: { name: string(block.name, `${blockParam}.name`), arguments: JSON.stringify(input) },
        });
        break;
      }
      default:
        if (isServerToolBlock(block.type)) {
          texts.push(serverToolPart(block, blockParam));
          break;
        }
        throw invalid(
          "Input tag should be 'text', 'thinking', 'redacted_thinking', 'tool_use', 'server_tool_use' or a server tool result",
          `${blockParam}.type`,
        );
    }
  });
  const message: ChatMessage = { role: 'assistant', content: texts.length > 0 ? texts : null };
  if (reasoning.length > 0) message.reasoning = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

function systemMessage(value: unknown): ChatMessage {
  if (typeof value === 'string') return { role: 'system', content: value };
  const parts = array(value, 'system').map((block, index) => {
    const param = `system.${index}`;
    const part = object(block, param);
    if (part.type !== 'text') throw invalid("Input tag should be 'text'", `${param}.type`);
    return textPart(part, param);
  });
  return { role: 'system', content: parts };
}

function convertTools(value: unknown, request: ChatRequest, extraTools: Json[]): void {
  const tools: FunctionTool[] = [];
  array(value, 'tools').forEach((item, index) => {
    const param = `tools.${index}`;
    const tool = object(item, param);
    if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
      // Server tools (web search, code execution…) and built-in client tools run only on Anthropic.
      string(tool.type, `${param}.type`);
      extraTools.push(tool);
      return;
    }
    allowOnly(tool, ['type', 'name', 'description', 'input_schema', 'cache_control', 'strict'], param);
    const converted: FunctionTool = {
      type: 'function',
      function: {
        name: string(tool.name, `${param}.name`),
        parameters: object(tool.input_schema, `${param}.input_schema`),
      },
    };
    const description = optionalString(tool.description, `${param}.description`);
    if (description !== undefined) converted.function.description = description;
    if (tool.strict !== undefined) {
      if (typeof tool.strict !== 'boolean') throw invalid('Input should be a valid boolean', `${param}.strict`);
      converted.function.strict = tool.strict;
    }
    tools.push(withCache(converted, cacheControl(tool, param)));
  });
  if (tools.length > 0) request.tools = tools;
}

function convertToolChoice(value: unknown, request: ChatRequest): void {
  const choice = object(value, 'tool_choice');
  let converted: ToolChoice;
  switch (choice.type) {
    case 'auto':
      converted = 'auto';
      break;
    case 'any':
      converted = 'required';
      break;
    case 'none':
      converted = 'none';
      break;
    case 'tool':
      converted = { type: 'function', function: { name: string(choice.name, 'tool_choice.name') } };
      break;
    default:
      throw invalid("Input tag should be 'auto', 'any', 'tool' or 'none'", 'tool_choice.type');
  }
  allowOnly(
    choice,
    choice.type === 'tool' ? ['type', 'name', 'disable_parallel_tool_use'] : ['type', 'disable_parallel_tool_use'],
    'tool_choice',
  );
  request.toolChoice = converted;
  if (choice.disable_parallel_tool_use !== undefined) {
    if (typeof choice.disable_parallel_tool_use !== 'boolean') {
      throw invalid('Input should be a valid boolean', 'tool_choice.disable_parallel_tool_use');
    }
    if (choice.disable_parallel_tool_use) request.parallelToolCalls = false;
  }
}

/** A thinking budget → the effort other providers understand (Anthropic itself gets the object as sent). */
function effortFor(budget: number): ReasoningEffort {
  if (budget < 4096) return 'low';
  if (budget < 16384) return 'medium';
  return 'high';
}

function convertThinking(value: unknown, request: ChatRequest, anthropic: Json): void {
  const thinking = object(value, 'thinking');
  if (thinking.type === 'enabled') {
    const budget = integer(thinking.budget_tokens, 'thinking.budget_tokens', 1024);
    request.reasoningEffort = effortFor(budget);
  } else if (thinking.type === 'adaptive') {
    request.reasoningEffort = 'medium';
  } else if (thinking.type !== 'disabled') {
    throw invalid("Input tag should be 'enabled', 'disabled' or 'adaptive'", 'thinking.type');
  }
  anthropic.thinking = thinking;
}

/**
 * Decodes and validates a Messages API body (`create`), or a count_tokens body (`count`: no `max_tokens`, no
 * sampling). Throws `BadRequestError` naming the field.
 */
export function decodeAnthropicRequest(input: unknown, mode: 'create' | 'count' = 'create'): DecodedAnthropicRequest {
  const body = object(input, 'body');
  const fields = mode === 'create' ? KNOWN_FIELDS : COUNT_TOKENS_FIELDS;
  for (const key of Object.keys(body)) {
    if (!fields.has(key)) throw invalid('Extra inputs are not permitted', key);
  }
  if (body.model === undefined) throw invalid('Field required', 'model');
  const model = string(body.model, 'model');
  if (model.length === 0) throw invalid('String should have at least 1 character', 'model');
  if (mode === 'create' && body.max_tokens === undefined) throw invalid('Field required', 'max_tokens');
  const maxTokens = mode === 'create' ? integer(body.max_tokens, 'max_tokens', 1) : undefined;
  if (body.messages === undefined) throw invalid('Field required', 'messages');

  const messages: ChatMessage[] = [];
  if (body.system !== undefined && body.system !== null) messages.push(systemMessage(body.system));
  array(body.messages, 'messages').forEach((item, index) => {
    const param = `messages.${index}`;
    const message = object(item, param);
    allowOnly(message, ['role', 'content'], param);
    if (message.content === undefined) throw invalid('Field required', `${param}.content`);
    if (message.role === 'user') messages.push(...userMessages(message.content, `${param}.content`));
    else if (message.role === 'assistant') messages.push(assistantMessage(message.content, `${param}.content`));
    else throw invalid("Input should be 'user' or 'assistant'", `${param}.role`);
  });
  if (!messages.some((message) => message.role !== 'system'))
    throw invalid('At least one message is required', 'messages');

  const request: ChatRequest = maxTokens === undefined ? { messages } : { messages, maxTokens };
  const anthropic: Json = {};
  if (body.temperature !== undefined) request.temperature = number(body.temperature, 'temperature', 0, 1);
  if (body.top_p !== undefined) request.topP = number(body.top_p, 'top_p', 0, 1);
  if (body.top_k !== undefined) {
    const topK = integer(body.top_k, 'top_k', 0);
    if (topK > 0) anthropic.topK = topK;
  }
  if (body.stop_sequences !== undefined) {
    request.stop = array(body.stop_sequences, 'stop_sequences').map((stop, index) =>
      string(stop, `stop_sequences.${index}`),
    );
  }
  const extraTools: Json[] = [];
  if (body.tools !== undefined) convertTools(body.tools, request, extraTools);
  if (extraTools.length > 0) anthropic.extraTools = extraTools;
  if (body.tool_choice !== undefined) convertToolChoice(body.tool_choice, request);
  if (body.thinking !== undefined) convertThinking(body.thinking, request, anthropic);
  if (body.metadata !== undefined) {
    const metadata = object(body.metadata, 'metadata');
    allowOnly(metadata, ['user_id'], 'metadata');
    const user = optionalString(metadata.user_id, 'metadata.user_id');
    if (user !== undefined) request.user = user;
  }
  let stream = false;
  if (body.stream !== undefined) {
    if (typeof body.stream !== 'boolean') throw invalid('Input should be a valid boolean', 'stream');
    stream = body.stream;
  }
  const extraBody: Json = {};
  for (const key of ANTHROPIC_ONLY_FIELDS) if (body[key] !== undefined) extraBody[key] = body[key];
  if (Object.keys(extraBody).length > 0) anthropic.extraBody = extraBody;
  if (Object.keys(anthropic).length > 0) request.providerOptions = { anthropic };
  return { model, stream, request };
}
