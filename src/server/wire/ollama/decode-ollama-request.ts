/**
 * Ollama's own `/api/chat` and `/api/generate` bodies → the neutral call. Options with a neutral counterpart
 * (`num_predict`, `temperature`, `top_p`, `seed`, `stop`) map to it; the Ollama-only rest (`top_k`, `num_ctx`,
 * `keep_alive`, `think` levels…) rides in `providerOptions.ollama`, which only an Ollama backend reads.
 */
import { generateToolCallId } from '../../../provider-utils/ids.js';
import type {
  AssistantInputMessage,
  ChatMessage,
  ChatRequest,
  FunctionTool,
  ReasoningEffort,
  ResponseFormat,
  ToolCall,
  UserContentPart,
} from '../../../spec/chat.js';
import type { DecodedChatCall } from '../chat-codec.js';
import {
  invalidField,
  isRecord,
  readBoolean,
  readStop,
  readString,
  requireModel,
  requireObject,
  type WireBody,
} from '../wire-fields.js';

export interface OllamaCall extends DecodedChatCall {
  /** `performance.now()` when the body was decoded: the start of Ollama's `total_duration`. */
  startedAt: number;
  /** `/api/generate` with an empty prompt: Ollama only loads the model and answers `done_reason: "load"`. */
  loadOnly: boolean;
}

/** Ollama images are bare base64; the neutral call wants data URLs, so sniff the type from the magic bytes. */
export function imageDataUrl(image: string): string {
  if (image.startsWith('data:') || /^https?:\/\//.test(image)) return image;
  const type = image.startsWith('/9j/')
    ? 'jpeg'
    : image.startsWith('R0lGOD')
      ? 'gif'
      : image.startsWith('UklGR')
        ? 'webp'
        : 'png';
  return `data:image/${type};base64,${image}`;
}

function readImages(value: unknown, param: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((image) => typeof image === 'string'))
    throw invalidField(`'${param}' must be an array of base64 strings`, param);
  return value as string[];
}

function userContent(text: string, images: string[]): string | UserContentPart[] {
  if (images.length === 0) return text;
  const parts: UserContentPart[] = images.map((image) => ({
    type: 'image_url',
    image_url: { url: imageDataUrl(image) },
  }));
  if (text !== '') parts.unshift({ type: 'text', text });
  return parts;
}

function decodeToolCalls(value: unknown, param: string): ToolCall[] {
  if (!Array.isArray(value)) throw invalidField(`'${param}' must be an array`, param);
  return value.map((call, index) => {
    const callParam = `${param}[${index}]`;
    if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== 'string')
      throw invalidField(`'${callParam}' must be {function: {name, arguments}}`, callParam);
    const args = call.function.arguments;
    return {
      id: typeof call.id === 'string' ? call.id : generateToolCallId(),
      type: 'function',
      function: { name: call.function.name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
    };
  });
}

/** Ollama's tool results name the tool, not the call: pair each with the latest open call of that name. */
function toolCallIdFor(name: string | undefined, open: ToolCall[]): string {
  const index =
    name === undefined
      ? 0
      : Math.max(
          0,
          open.findIndex((call) => call.function.name === name),
        );
  const [call] = open.splice(index, 1);
  return call?.id ?? generateToolCallId();
}

function decodeMessages(value: unknown): ChatMessage[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidField("'messages' must be an array", 'messages');
  const messages: ChatMessage[] = [];
  let open: ToolCall[] = [];
  value.forEach((message, index) => {
    const param = `messages[${index}]`;
    if (!isRecord(message)) throw invalidField(`'${param}' must be an object`, param);
    const content = message.content ?? '';
    if (typeof content !== 'string') throw invalidField(`'${param}.content' must be a string`, `${param}.content`);
    switch (message.role) {
      case 'system':
        messages.push({ role: 'system', content });
        break;
      case 'user':
        messages.push({ role: 'user', content: userContent(content, readImages(message.images, `${param}.images`)) });
        break;
      case 'assistant': {
        const assistant: AssistantInputMessage = { role: 'assistant', content };
        if (typeof message.thinking === 'string' && message.thinking !== '')
          assistant.reasoning_content = message.thinking;
        if (message.tool_calls !== undefined && message.tool_calls !== null) {
          assistant.tool_calls = decodeToolCalls(message.tool_calls, `${param}.tool_calls`);
          open = [...assistant.tool_calls];
        }
        messages.push(assistant);
        break;
      }
      case 'tool': {
        const name = typeof message.tool_name === 'string' ? message.tool_name : undefined;
        messages.push({ role: 'tool', content, tool_call_id: toolCallIdFor(name, open) });
        break;
      }
      default:
        throw invalidField(
          `'${param}.role' must be system, user, assistant or tool (got ${JSON.stringify(message.role)})`,
          `${param}.role`,
        );
    }
  });
  return messages;
}

function decodeTools(value: unknown): FunctionTool[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidField("'tools' must be an array", 'tools');
  return value.map((tool, index) => {
    const param = `tools[${index}]`;
    if (!isRecord(tool) || !isRecord(tool.function) || typeof tool.function.name !== 'string')
      throw invalidField(`'${param}' must be {type: 'function', function: {name, parameters}}`, param);
    const fn: FunctionTool['function'] = { name: tool.function.name };
    if (typeof tool.function.description === 'string') fn.description = tool.function.description;
    if (isRecord(tool.function.parameters)) fn.parameters = tool.function.parameters;
    return { type: 'function', function: fn };
  });
}

function decodeFormat(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === 'json') return { type: 'json_object' };
  if (isRecord(value)) return { type: 'json_schema', json_schema: { name: 'response', schema: value } };
  throw invalidField('\'format\' must be "json" or a JSON schema object', 'format');
}

const THINK_EFFORT: Record<string, ReasoningEffort> = { low: 'low', medium: 'medium', high: 'high' };

/** Options, `format`, `think` and `keep_alive` → neutral settings plus `providerOptions.ollama`. */
function decodeSettings(body: WireBody, request: ChatRequest): void {
  const ollama: Record<string, unknown> = {};
  const options = body.options;
  if (options !== undefined && options !== null) {
    if (!isRecord(options)) throw invalidField("'options' must be an object", 'options');
    const rest: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(options)) {
      const param = `options.${name}`;
      const number = () => {
        if (typeof value !== 'number' || !Number.isFinite(value))
          throw invalidField(`'${param}' must be a number`, param);
        return value;
      };
      switch (name) {
        case 'num_predict':
          // Ollama's -1 (until the model stops) and -2 (fill the context) mean no limit here.
          if (number() > 0) request.maxTokens = Math.floor(number());
          break;
        case 'temperature':
          request.temperature = number();
          break;
        case 'top_p':
          request.topP = number();
          break;
        case 'seed':
          request.seed = Math.floor(number());
          break;
        case 'presence_penalty':
          request.presencePenalty = number();
          break;
        case 'frequency_penalty':
          request.frequencyPenalty = number();
          break;
        case 'stop': {
          const stop = readStop(value, param);
          if (stop !== undefined) request.stop = stop;
          break;
        }
        default:
          rest[name] = value;
      }
    }
    if (Object.keys(rest).length > 0) ollama.options = rest;
  }
  const format = decodeFormat(body.format);
  if (format !== undefined) request.responseFormat = format;
  const think = body.think;
  if (think !== undefined && think !== null) {
    if (think === true) request.reasoningEffort = 'medium';
    else if (typeof think === 'string' && think in THINK_EFFORT) request.reasoningEffort = THINK_EFFORT[think];
    else if (think !== false) throw invalidField("'think' must be a boolean or low, medium or high", 'think');
    ollama.think = think;
  }
  const keepAlive = body.keep_alive;
  if (keepAlive !== undefined && keepAlive !== null) {
    if (typeof keepAlive !== 'string' && typeof keepAlive !== 'number')
      throw invalidField("'keep_alive' must be a duration string or a number of seconds", 'keep_alive');
    ollama.keep_alive = keepAlive;
  }
  if (Object.keys(ollama).length > 0) request.providerOptions = { ollama };
}

/** `POST /api/chat`: streams unless `stream: false`, as Ollama does. */
export function decodeOllamaChat(value: unknown, bytes: Uint8Array): OllamaCall {
  const body = requireObject(value);
  const model = requireModel(body);
  const request: ChatRequest = { messages: decodeMessages(body.messages) };
  const tools = decodeTools(body.tools);
  if (tools !== undefined && tools.length > 0) request.tools = tools;
  decodeSettings(body, request);
  const stream = readBoolean(body, 'stream') ?? true;
  // Ollama answers an empty message list by loading the model; so does the gateway.
  const loadOnly = request.messages.length === 0;
  // Decoding never changes the body: an Ollama backend gets the client's own bytes.
  const passthrough = { format: 'ollama-chat' as const, body, bytes };
  return { model, stream, request, cacheMaterial: request, startedAt: performance.now(), loadOnly, passthrough };
}

/** `POST /api/generate`: `system` + `prompt` (+ `images`) as one chat turn; `raw` prompts go as they are. */
export function decodeOllamaGenerate(value: unknown, bytes: Uint8Array): OllamaCall {
  const body = requireObject(value);
  const model = requireModel(body);
  const prompt = readString(body, 'prompt') ?? '';
  const system = readString(body, 'system');
  const images = readImages(body.images, 'images');
  const suffix = readString(body, 'suffix');
  if (body.context !== undefined && body.context !== null && !Array.isArray(body.context))
    throw invalidField("'context' must be an array of numbers", 'context');
  readBoolean(body, 'raw');
  const messages: ChatMessage[] = [];
  if (system !== undefined && system !== '') messages.push({ role: 'system', content: system });
  messages.push({ role: 'user', content: userContent(prompt, images) });
  const request: ChatRequest = { messages };
  decodeSettings(body, request);
  const stream = readBoolean(body, 'stream') ?? true;
  const loadOnly = prompt === '' && images.length === 0;
  // Decoding never changes the body: an Ollama backend gets the client's own bytes (suffix, raw, context too).
  const passthrough = { format: 'ollama-generate' as const, body, bytes };
  const call: OllamaCall = { model, stream, request, cacheMaterial: request, startedAt: performance.now(), loadOnly };
  call.passthrough = passthrough;
  const extras = { suffix, raw: body.raw, context: body.context };
  if (Object.values(extras).some((extra) => extra !== undefined && extra !== null))
    call.cacheMaterial = { request, ...extras };
  if (suffix !== undefined && suffix !== '')
    call.providerOnly = {
      provider: 'ollama',
      param: 'suffix',
      message: `'suffix' (fill-in-the-middle) needs an Ollama backend; "${model}" routes to a backend that cannot take it`,
    };
  return call;
}
