import { guardStream } from '../../provider-utils/guard-stream.js';
import { callJson, openUpstream, type UpstreamStream } from '../../provider-utils/http-client.js';
import { generateId, generateToolCallId, unixSeconds } from '../../provider-utils/ids.js';
import { merged } from '../../provider-utils/merged.js';
import type {
  AssistantMessage,
  CallOptions,
  ChatChoice,
  ChatRequest,
  ChatResult,
  ChatStreamPart,
  ChatStreamResult,
  LanguageModel,
  ToolCall,
} from '../../spec/chat.js';
import { ProviderAPIError } from '../../spec/errors.js';
import { type BedrockConverseResponse, bedrockConverseResponseSchema } from './bedrock-api.js';
import { describeBedrockError, retypeBedrockHttpError } from './bedrock-error.js';
import { decodeEventStream } from './bedrock-event-stream.js';
import { type BedrockModelConfig, modelPath } from './bedrock-model-config.js';
import { BedrockStreamTranslator } from './bedrock-stream-translator.js';
import { convertBedrockUsage } from './convert-bedrock-usage.js';
import { mapBedrockFinishReason } from './map-bedrock-finish-reason.js';
import { prepareBedrockRequest } from './prepare-bedrock-request.js';

function toolInputText(input: unknown): string {
  return JSON.stringify(input ?? {});
}

/** A Converse response → the assistant message; with structured output the JSON tool's input is the content. */
export function convertBedrockMessage(
  response: BedrockConverseResponse,
  jsonToolName: string | undefined,
): { message: AssistantMessage; jsonAnswered: boolean } {
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ToolCall[] = [];
  let json: string | undefined;
  for (const block of response.output.message?.content ?? []) {
    if (typeof block.text === 'string') texts.push(block.text);
    const thought = block.reasoningContent?.reasoningText?.text;
    if (typeof thought === 'string') reasoning.push(thought);
    const toolUse = block.toolUse;
    if (toolUse === null || toolUse === undefined) continue;
    if (jsonToolName !== undefined && toolUse.name === jsonToolName) {
      json = toolInputText(toolUse.input);
      continue;
    }
    toolCalls.push({
      id: toolUse.toolUseId ?? generateToolCallId(),
      type: 'function',
      function: { name: toolUse.name ?? '', arguments: toolInputText(toolUse.input) },
    });
  }
  const content = json ?? (texts.length > 0 ? texts.join('') : null);
  const message: AssistantMessage = { role: 'assistant', content };
  if (reasoning.length > 0) message.reasoningContent = reasoning.join('');
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  return { message, jsonAnswered: json !== undefined };
}

export class BedrockChatModel implements LanguageModel {
  readonly provider: string;

  constructor(
    readonly modelId: string,
    private readonly config: BedrockModelConfig,
  ) {
    this.provider = config.provider;
  }

  private async prepare(request: ChatRequest, action: 'converse' | 'converse-stream', accept: string) {
    const prepared = await prepareBedrockRequest(request, this.modelId, { imageFetch: this.config.imageFetch });
    const body = JSON.stringify(prepared.body);
    const call = await this.config.prepareCall(modelPath(this.modelId, action, this.config.provider), body, accept);
    return { ...prepared, body, call };
  }

  async generate(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    const { body, call, warnings, jsonToolName } = await this.prepare(request, 'converse', 'application/json');
    let response: Awaited<ReturnType<typeof callJson>>;
    try {
      response = await callJson({
        provider: this.provider,
        model: this.modelId,
        url: call.url,
        headers: merged(call.headers, options.headers),
        body,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        dispatcher: this.config.dispatcher,
        describeError: describeBedrockError,
      });
    } catch (error) {
      throw retypeBedrockHttpError(error);
    }
    const parsed = bedrockConverseResponseSchema.safeParse(response.value);
    if (!parsed.success) {
      throw new ProviderAPIError({
        message: `${this.provider} returned an unexpected Converse response: ${parsed.error.issues[0]?.message ?? 'invalid shape'}`,
        provider: this.provider,
        model: this.modelId,
        upstream: { url: call.url, status: response.status, body: response.value },
      });
    }
    const { message, jsonAnswered } = convertBedrockMessage(parsed.data, jsonToolName);
    const rawFinishReason = parsed.data.stopReason ?? undefined;
    let finishReason = mapBedrockFinishReason(rawFinishReason);
    // The JSON tool call is the answer, not a call the client must run.
    if (jsonAnswered && message.toolCalls === undefined && finishReason === 'tool_calls') finishReason = 'stop';
    const choice: ChatChoice = { index: 0, message, finishReason };
    if (rawFinishReason !== undefined) choice.rawFinishReason = rawFinishReason;
    return {
      id: response.headers['x-amzn-requestid'] ?? generateId('chatcmpl'),
      created: unixSeconds(),
      model: this.modelId,
      provider: this.provider,
      choices: [choice],
      usage: convertBedrockUsage(parsed.data.usage),
      warnings,
      raw: response.value,
      response: { status: response.status, headers: response.headers },
    };
  }

  async stream(request: ChatRequest, options: CallOptions = {}): Promise<ChatStreamResult> {
    const { body, call, warnings, jsonToolName } = await this.prepare(
      request,
      'converse-stream',
      'application/vnd.amazon.eventstream',
    );
    let upstream: Awaited<ReturnType<typeof openUpstream>>;
    try {
      upstream = await openUpstream({
        provider: this.provider,
        model: this.modelId,
        url: call.url,
        headers: merged(call.headers, options.headers),
        body,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        dispatcher: this.config.dispatcher,
        describeError: describeBedrockError,
      });
    } catch (error) {
      throw retypeBedrockHttpError(error);
    }
    const provider = this.provider;
    const model = this.modelId;
    const translatorOptions: ConstructorParameters<typeof BedrockStreamTranslator>[0] = {
      provider,
      model,
      url: call.url,
      headers: upstream.headers,
    };
    if (jsonToolName !== undefined) translatorOptions.jsonToolName = jsonToolName;
    return {
      provider,
      model,
      warnings,
      response: { status: upstream.status, headers: upstream.headers },
      parts: guardStream(translateBedrockStream(upstream, translatorOptions), upstream, { provider, model }),
    };
  }
}

/**
 * The parts of one ConverseStream answer. Declared once, not per stream: a generator function made per call
 * gives each stream's generator a prototype and hidden class of its own (decision 0019).
 */
async function* translateBedrockStream(
  upstream: UpstreamStream,
  options: ConstructorParameters<typeof BedrockStreamTranslator>[0],
): AsyncGenerator<ChatStreamPart> {
  const translator = new BedrockStreamTranslator(options);
  const metadata: ChatStreamPart = { type: 'response-metadata', model: options.model, created: unixSeconds() };
  const requestId = upstream.headers['x-amzn-requestid'];
  if (requestId !== undefined) metadata.id = requestId;
  yield metadata;
  for await (const message of decodeEventStream(upstream.body, options.provider)) {
    yield* translator.handle(message);
    if (translator.stopped) return;
  }
  yield* translator.end();
}
