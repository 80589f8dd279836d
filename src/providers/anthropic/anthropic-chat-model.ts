import type { Dispatcher } from 'undici';
import { guardStream } from '../../provider-utils/guard-stream.js';
import { callJson, openUpstream } from '../../provider-utils/http-client.js';
import { generateId, unixSeconds } from '../../provider-utils/ids.js';
import { merged } from '../../provider-utils/merged.js';
import { parseSse } from '../../provider-utils/sse-parser.js';
import { SseRelay } from '../../provider-utils/sse-relay.js';
import type {
  AssistantMessage,
  CallOptions,
  ChatRequest,
  ChatResult,
  ChatStreamResult,
  LanguageModel,
  ReasoningPart,
  ToolCall,
  Warning,
} from '../../spec/chat.js';
import { ProviderAPIError } from '../../spec/errors.js';
import { type AnthropicMessage, anthropicMessageSchema, describeAnthropicError } from './anthropic-api.js';
import { translateAnthropicStream } from './anthropic-stream.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';

export interface AnthropicChatConfig {
  provider: string;
  /** Base URL including the version path, e.g. `https://api.anthropic.com/v1`. */
  baseURL: string;
  /** Auth and version headers; resolved per call so a missing key fails at call time, not at setup. */
  headers: () => Record<string, string>;
  dispatcher?: Dispatcher;
  defaultMaxTokens: number;
}

/** The assistant message of a non-streaming response; the JSON tool's input becomes the message text. */
function toAssistantMessage(message: AnthropicMessage, jsonToolName: string | undefined) {
  const texts: string[] = [];
  const reasoning: string[] = [];
  const blocks: ReasoningPart[] = [];
  const toolCalls: ToolCall[] = [];
  let jsonAnswer: string | undefined;
  for (const block of message.content ?? []) {
    if (block.type === 'text' && block.text) texts.push(block.text);
    else if (block.type === 'thinking') {
      if (block.thinking) reasoning.push(block.thinking);
      const part: ReasoningPart = { type: 'thinking', thinking: block.thinking ?? '' };
      if (block.signature) part.signature = block.signature;
      blocks.push(part);
    } else if (block.type === 'redacted_thinking' && block.data)
      blocks.push({ type: 'redacted_thinking', data: block.data });
    else if (block.type === 'tool_use') {
      const input = JSON.stringify(block.input ?? {});
      if (jsonToolName !== undefined && block.name === jsonToolName) jsonAnswer = input;
      else {
        toolCalls.push({
          id: block.id ?? generateId('toolu', 24, '_'),
          type: 'function',
          function: { name: block.name ?? '', arguments: input },
        });
      }
    }
  }
  // Text around the JSON tool call is the model narrating ("I'll call the tool"); the answer is the JSON.
  const text = jsonAnswer ?? texts.join('');
  const assistant: AssistantMessage = { role: 'assistant', content: text.length > 0 ? text : null };
  if (reasoning.length > 0) assistant.reasoningContent = reasoning.join('\n\n');
  if (blocks.length > 0) assistant.reasoning = blocks;
  if (toolCalls.length > 0) assistant.toolCalls = toolCalls;
  const explanation = message.stop_details?.explanation;
  if (message.stop_reason === 'refusal' && explanation) assistant.refusal = explanation;
  return { assistant, isJsonAnswer: jsonAnswer !== undefined && toolCalls.length === 0 };
}

/** The wire format this adapter forwards as it is (an Anthropic Messages API client's own body). */
export const ANTHROPIC_MESSAGES_FORMAT = 'anthropic-messages';

interface PreparedCall {
  body: Record<string, unknown> | Uint8Array;
  warnings: Warning[];
  jsonToolName: string | undefined;
  headers: Record<string, string> | undefined;
  /** The body is the client's own: the upstream answers in the client's format. */
  forwarded: boolean;
}

/**
 * The client's own Messages API body when the call carries one: its bytes when nothing changes, else the body
 * with the resolved model id (an alias) and the stream flag set; every other field stays as the client sent it.
 */
function prepareCall(
  request: ChatRequest,
  modelId: string,
  stream: boolean,
  options: CallOptions,
  config: AnthropicChatConfig,
): PreparedCall {
  const passthrough = options.passthrough;
  if (passthrough?.format !== ANTHROPIC_MESSAGES_FORMAT) {
    return { ...convertToAnthropicRequest(request, modelId, stream, config), forwarded: false };
  }
  const original = passthrough.body;
  const unchanged = original.model === modelId && (original.stream === true) === stream;
  let body: Record<string, unknown> | Uint8Array;
  if (unchanged && passthrough.bytes !== undefined) body = passthrough.bytes;
  else {
    const { stream: _stream, ...rest } = original;
    body = stream ? { ...rest, model: modelId, stream: true } : { ...rest, model: modelId };
  }
  return { body, warnings: [], jsonToolName: undefined, headers: passthrough.headers, forwarded: true };
}

export class AnthropicChatModel implements LanguageModel {
  readonly provider: string;

  constructor(
    readonly modelId: string,
    private readonly config: AnthropicChatConfig,
  ) {
    this.provider = config.provider;
  }

  private get url(): string {
    return `${this.config.baseURL}/messages`;
  }

  async generate(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    const prepared = prepareCall(request, this.modelId, false, options, this.config);
    const headers = merged(this.config.headers(), prepared.headers, options.headers);
    const response = await callJson({
      provider: this.provider,
      model: this.modelId,
      url: this.url,
      headers,
      body: prepared.body,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      dispatcher: this.config.dispatcher,
      describeError: describeAnthropicError,
    });
    const parsed = anthropicMessageSchema.safeParse(response.value);
    if (!parsed.success) {
      throw new ProviderAPIError({
        message: `${this.provider} returned an unexpected message: ${parsed.error.issues[0]?.message ?? 'invalid shape'}`,
        provider: this.provider,
        model: this.modelId,
        upstream: { url: this.url, status: response.status, body: response.value },
      });
    }
    const message = parsed.data;
    const { assistant, isJsonAnswer } = toAssistantMessage(message, prepared.jsonToolName);
    const result: ChatResult = {
      id: message.id ?? generateId('msg'),
      created: unixSeconds(),
      model: message.model ?? this.modelId,
      provider: this.provider,
      choices: [
        {
          index: 0,
          message: assistant,
          finishReason: mapAnthropicFinishReason(message.stop_reason, isJsonAnswer),
        },
      ],
      usage: convertAnthropicUsage(message.usage),
      warnings: prepared.warnings,
      raw: response.value,
      // The upstream's bytes are this result exactly unless the answer came through the forced JSON tool.
      response:
        prepared.jsonToolName === undefined
          ? {
              status: response.status,
              headers: response.headers,
              body: response.bytes,
              format: ANTHROPIC_MESSAGES_FORMAT,
            }
          : { status: response.status, headers: response.headers },
    };
    const choice = result.choices[0];
    if (message.stop_reason && choice) choice.rawFinishReason = message.stop_reason;
    if (message.stop_sequence && choice) choice.stopSequence = message.stop_sequence;
    return result;
  }

  async stream(request: ChatRequest, options: CallOptions = {}): Promise<ChatStreamResult> {
    const prepared = prepareCall(request, this.modelId, true, options, this.config);
    const headers = { accept: 'text/event-stream', ...this.config.headers(), ...prepared.headers, ...options.headers };
    const url = this.url;
    const upstream = await openUpstream({
      provider: this.provider,
      model: this.modelId,
      url,
      headers,
      body: prepared.body,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      dispatcher: this.config.dispatcher,
      describeError: describeAnthropicError,
    });
    const provider = this.provider;
    const model = this.modelId;
    // A forwarded body gets the client's own format back: its bytes are relayed beside the typed parts.
    const relay = prepared.forwarded ? new SseRelay() : undefined;
    const body = relay === undefined ? upstream.body : relay.read(upstream.body);
    return {
      provider,
      model,
      warnings: prepared.warnings,
      response: { status: upstream.status, headers: upstream.headers },
      parts: guardStream(
        translateAnthropicStream(parseSse(body, { provider: this.provider }), {
          provider,
          model,
          url,
          jsonToolName: prepared.jsonToolName,
          ...(relay === undefined ? {} : { relay }),
        }),
        upstream,
        { provider, model },
      ),
    };
  }
}
