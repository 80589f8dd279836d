/**
 * The chat contract every provider adapter implements and every consumer (server, library, MCP loop) calls.
 *
 * Messages keep the OpenAI wire shape (it is the lingua franca of the gateway and of the library's input);
 * request settings are camelCase and typed. Adapters translate both to their provider's wire format.
 */
import type { LlamaGateError } from './errors.js';

export type JsonSchema = Record<string, unknown>;

export interface TextContentPart {
  type: 'text';
  text: string;
}

export interface ImageContentPart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

export type UserContentPart = TextContentPart | ImageContentPart;

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface SystemMessage {
  role: 'system' | 'developer';
  content: string | TextContentPart[];
  name?: string;
}

export interface UserMessage {
  role: 'user';
  content: string | UserContentPart[];
  name?: string;
}

export interface AssistantInputMessage {
  role: 'assistant';
  content?: string | TextContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  /** Reasoning text of an earlier turn (DeepSeek, Anthropic thinking); adapters that can replay it do. */
  reasoning_content?: string;
  refusal?: string | null;
}

export interface ToolMessage {
  role: 'tool';
  content: string | TextContentPart[];
  tool_call_id: string;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantInputMessage | ToolMessage;

export interface FunctionTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: JsonSchema; strict?: boolean };
}

/** OpenAI's hosted-MCP tool shape (`{type: 'mcp', server_label, allowed_tools}`): a whole MCP server for the gateway's tool loop. */
export interface McpToolSelection {
  serverLabel: string;
  /** Tool names of that server; absent for all of its allowed tools. */
  allowedTools?: string[];
}

export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; description?: string; schema?: JsonSchema; strict?: boolean | null };
    };

export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high';

/** Provider-specific options, namespaced by provider id; each adapter reads only its own key. */
export type ProviderOptions = Record<string, Record<string, unknown>>;

/** A chat request for one model (the model is bound to the {@link LanguageModel}). */
export interface ChatRequest {
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  seed?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  n?: number;
  tools?: FunctionTool[];
  /** MCP servers the request chose (the gateway's tool loop runs their tools); codecs fill it from `type: 'mcp'` tools. */
  mcpTools?: McpToolSelection[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  reasoningEffort?: ReasoningEffort;
  logprobs?: boolean;
  topLogprobs?: number;
  user?: string;
  providerOptions?: ProviderOptions;
  /**
   * The client's original OpenAI request body, when the request came in OpenAI format. OpenAI-compatible
   * adapters forward it as sent (same field order, unknown fields kept) instead of rebuilding it.
   */
  openaiBody?: Readonly<Record<string, unknown>>;
  /** The exact bytes of `openaiBody`, forwarded untouched when the adapter changes nothing. */
  openaiRawBody?: Uint8Array;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Extra headers sent upstream (request id, per-backend headers). */
  headers?: Record<string, string>;
  requestId?: string;
  /** Deadline for the whole upstream call, streams included. */
  timeoutMs?: number;
}

/** Token counts; a count the provider did not report is `undefined`, never 0. */
export interface Usage {
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
  cachedTokens?: number;
  reasoningTokens?: number;
  /** True when the gateway counted the tokens itself because the provider reported none. */
  estimated?: boolean;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error' | 'other';

export interface Warning {
  type: 'unsupported-setting' | 'other';
  setting?: string;
  message: string;
}

export interface AssistantMessage {
  role: 'assistant';
  content: string | null;
  reasoningContent?: string;
  toolCalls?: ToolCall[];
  refusal?: string | null;
}

export interface ChatChoice {
  index: number;
  message: AssistantMessage;
  finishReason: FinishReason;
  /** The provider's own finish reason, unmapped. */
  rawFinishReason?: string;
  logprobs?: unknown;
}

export interface ResponseInfo {
  status?: number;
  headers?: Record<string, string>;
}

export interface ChatResult {
  id: string;
  created: number;
  model: string;
  provider: string;
  choices: ChatChoice[];
  usage: Usage;
  warnings: Warning[];
  systemFingerprint?: string;
  /** The provider's response body as received. */
  raw?: unknown;
  /**
   * The provider's body byte for byte, set only when it already is an OpenAI `chat.completion` in every field
   * this result describes (an OpenAI-compatible upstream answering in OpenAI's exact format): a gateway can
   * send it instead of re-encoding. Whoever changes a result must drop it.
   */
  wire?: Uint8Array;
  response?: ResponseInfo;
}

export type ChatStreamPart =
  | { type: 'response-metadata'; id?: string; model?: string; created?: number; systemFingerprint?: string }
  | { type: 'text-delta'; choiceIndex: number; delta: string }
  | { type: 'reasoning-delta'; choiceIndex: number; delta: string }
  | { type: 'refusal-delta'; choiceIndex: number; delta: string }
  | {
      type: 'tool-call-delta';
      choiceIndex: number;
      toolCallIndex: number;
      id?: string;
      name?: string;
      argumentsDelta: string;
    }
  | { type: 'finish'; choiceIndex: number; finishReason: FinishReason; rawFinishReason?: string }
  | { type: 'usage'; usage: Usage }
  /** A failure after the stream started (HTTP 200 already sent): the stream ends after it. */
  | { type: 'error'; error: LlamaGateError };

export interface ChatStreamResult {
  provider: string;
  model: string;
  warnings: Warning[];
  response?: ResponseInfo;
  /** Typed parts; breaking out of the iteration aborts the upstream request. */
  parts: AsyncIterable<ChatStreamPart>;
}

/** A chat model of one provider, bound to one model id. */
export interface LanguageModel {
  readonly provider: string;
  readonly modelId: string;
  generate(request: ChatRequest, options?: CallOptions): Promise<ChatResult>;
  /**
   * Starts a stream. Resolves once the upstream accepted the request (so failures before the first part
   * reject and can fall back); failures after that arrive as an `error` part.
   */
  stream(request: ChatRequest, options?: CallOptions): Promise<ChatStreamResult>;
}
