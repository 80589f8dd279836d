import type { Dispatcher } from 'undici';
import { guardStream } from '../../provider-utils/guard-stream.js';
import { callJson, openUpstream } from '../../provider-utils/http-client.js';
import { generateId, unixSeconds } from '../../provider-utils/ids.js';
import { parseSse } from '../../provider-utils/sse-parser.js';
import type {
  AssistantMessage,
  CallOptions,
  ChatRequest,
  ChatResult,
  ChatStreamResult,
  LanguageModel,
  ReasoningPart,
  ToolCall,
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
    const headers = { ...this.config.headers(), ...options.headers };
    const prepared = convertToAnthropicRequest(request, this.modelId, false, this.config);
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
      response: { status: response.status, headers: response.headers },
    };
    if (message.stop_reason && result.choices[0]) result.choices[0].rawFinishReason = message.stop_reason;
    return result;
  }

  async stream(request: ChatRequest, options: CallOptions = {}): Promise<ChatStreamResult> {
    const headers = { accept: 'text/event-stream', ...this.config.headers(), ...options.headers };
    const prepared = convertToAnthropicRequest(request, this.modelId, true, this.config);
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
    return {
      provider,
      model,
      warnings: prepared.warnings,
      response: { status: upstream.status, headers: upstream.headers },
      parts: guardStream(
        translateAnthropicStream(parseSse(upstream.body), {
          provider,
          model,
          url,
          jsonToolName: prepared.jsonToolName,
        }),
        upstream,
        { provider, model },
      ),
    };
  }
}
