/**
 * The chat contract every provider adapter implements and every consumer (server, library, MCP loop) calls.
 *
 * Messages keep the OpenAI wire shape (it is the lingua franca of the gateway and of the library's input);
 * request settings are camelCase and typed. Adapters translate both to their provider's wire format.
 */
import type { LlamaGateError } from './errors.js';

export type JsonSchema = Record<string, unknown>;

/** A prompt-cache breakpoint (Anthropic's `cache_control`); adapters without prompt caching drop it with a warning. */
export interface CacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

export interface TextContentPart {
  type: 'text';
  text: string;
  cache_control?: CacheControl;
}

export interface ImageContentPart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
  cache_control?: CacheControl;
}

/**
 * Where a document's content comes from: a base64 PDF, plain text, a PDF URL, a provider-side file id (only
 * that provider can resolve it), or content given inline as text and images (Anthropic's custom content).
 */
export type DocumentSource =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'text'; media_type: 'text/plain'; data: string }
  | { type: 'url'; url: string }
  | { type: 'file'; file_id: string }
  | { type: 'content'; content: string | (TextContentPart | ImageContentPart)[] };

/** A document (PDF or text) for the model to read; providers without document input drop it with a warning. */
export interface DocumentContentPart {
  type: 'document';
  source: DocumentSource;
  title?: string;
  context?: string;
  citations?: { enabled: boolean };
  cache_control?: CacheControl;
}

/**
 * A block that only one provider understands (Anthropic's server tool calls and their results in an assistant
 * turn: web search, web fetch, code execution…; a file put in its code execution container in a user turn),
 * kept exactly as issued so that provider gets it back; every other provider reads `text`, a rendering of it
 * (empty when there is nothing to say).
 */
export interface ProviderContentPart {
  type: 'provider';
  provider: string;
  block: Readonly<Record<string, unknown>>;
  text: string;
}

export type UserContentPart = TextContentPart | ImageContentPart | DocumentContentPart | ProviderContentPart;

/** What an earlier assistant turn may hold besides a string. */
export type AssistantContentPart = TextContentPart | ProviderContentPart;

/** What a tool result may hold besides a string. */
export type ToolResultContentPart = TextContentPart | ImageContentPart;

/**
 * A reasoning block of an earlier assistant turn, kept exactly as issued so that a provider which verifies
 * them (Anthropic's signed thinking) accepts the replay; other providers read only the text.
 */
export type ReasoningPart =
  | { type: 'thinking'; thinking: string; signature?: string }
  | { type: 'redacted_thinking'; data: string };

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
  content?: string | AssistantContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  /** Reasoning text of an earlier turn (DeepSeek, Anthropic thinking); adapters that can replay it do. */
  reasoning_content?: string;
  /** The reasoning blocks of an earlier turn with their signatures, in order (they precede the content). */
  reasoning?: ReasoningPart[];
  refusal?: string | null;
}

export interface ToolMessage {
  role: 'tool';
  content: string | ToolResultContentPart[];
  tool_call_id: string;
  /** The tool failed; the content describes the failure. */
  is_error?: boolean;
  cache_control?: CacheControl;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantInputMessage | ToolMessage;

export interface FunctionTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: JsonSchema; strict?: boolean };
  cache_control?: CacheControl;
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
}

/**
 * A request body in some wire format (`openai-chat`, `openai-embeddings`, `anthropic-messages`…), handed to the
 * call so that an adapter whose native format it is can forward it (field order and unknown fields kept, the
 * bytes untouched when the adapter changes nothing). Every other adapter ignores it and builds its body from the
 * typed request, which always says the same thing.
 */
export interface CallPassthrough {
  format: string;
  /** The body as an object; never mutated by anyone. */
  body: Readonly<Record<string, unknown>>;
  /** The exact bytes of `body`, when they exist (sent as they are when the adapter changes nothing). */
  bytes?: Uint8Array;
  /** Client headers of that format the matching adapter forwards unchanged (`anthropic-version`, `anthropic-beta`). */
  headers?: Record<string, string>;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Extra headers sent upstream (request id, per-backend headers). */
  headers?: Record<string, string>;
  requestId?: string;
  /** Deadline for the whole upstream call, streams included. */
  timeoutMs?: number;
  /**
   * The client's own body, for the adapter whose native format matches `passthrough.format`. Whoever changes
   * the request must not pass it on.
   */
  passthrough?: CallPassthrough;
}

/** Token counts; a count the provider did not report is `undefined`, never 0. */
export interface Usage {
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
  cachedTokens?: number;
  /** Prompt tokens written to the provider's prompt cache (part of `promptTokens`). */
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  /** True when the gateway counted the tokens itself because the provider reported none. */
  estimated?: boolean;
  /** Counts the provider reported that were invalid (negative, fractional, too large…) and how each was treated. */
  warnings?: string[];
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
  /** The reasoning blocks with their signatures, when the provider issues them (Anthropic thinking). */
  reasoning?: ReasoningPart[];
  toolCalls?: ToolCall[];
  refusal?: string | null;
}

export interface ChatChoice {
  index: number;
  message: AssistantMessage;
  finishReason: FinishReason;
  /** The provider's own finish reason, unmapped. */
  rawFinishReason?: string;
  /** The request's stop sequence the output ended on, when the provider says which one it was. */
  stopSequence?: string;
  logprobs?: unknown;
}

export interface ResponseInfo {
  status?: number;
  headers?: Record<string, string>;
  /**
   * The upstream's body byte for byte, with the wire format it is in (`openai-chat`…), set by the adapter only
   * when the body is exactly that format's answer and says everything the result says. Only the codec of that
   * format reads it, to send it on unchanged; whoever changes a result must drop it.
   */
  body?: Uint8Array;
  format?: string;
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
  response?: ResponseInfo;
  /** False when the answer depends on more than the request (tools the gateway ran): no response cache keeps it. */
  cacheable?: boolean;
}

/** One step of a tool the gateway runs between model rounds (shown to streaming clients as an extension). */
export interface ToolProgress {
  /** `mcp.<server>.<tool>` */
  name: string;
  /** The model's tool-call id. */
  callId: string;
  /** `progress` carries the server's `notifications/progress` values. */
  status: 'started' | 'progress' | 'ok' | 'error';
  progress?: number;
  total?: number;
  message?: string;
  /** With `ok` and `error`. */
  durationMs?: number;
}

export type ChatStreamPart =
  | { type: 'response-metadata'; id?: string; model?: string; created?: number; systemFingerprint?: string }
  /** `logprobs`: the provider's log probabilities of this delta's tokens, when the request asked for them. */
  | { type: 'text-delta'; choiceIndex: number; delta: string; logprobs?: unknown }
  | { type: 'reasoning-delta'; choiceIndex: number; delta: string }
  /** Closes the current reasoning block with its signature; a later `reasoning-delta` starts a new block. */
  | { type: 'reasoning-signature'; choiceIndex: number; signature: string }
  /** A whole redacted reasoning block (opaque, encrypted by the provider). */
  | { type: 'redacted-reasoning'; choiceIndex: number; data: string }
  | { type: 'refusal-delta'; choiceIndex: number; delta: string }
  | {
      type: 'tool-call-delta';
      choiceIndex: number;
      toolCallIndex: number;
      id?: string;
      name?: string;
      argumentsDelta: string;
    }
  | {
      type: 'finish';
      choiceIndex: number;
      finishReason: FinishReason;
      rawFinishReason?: string;
      /** The request's stop sequence the output ended on, when the provider says which one it was. */
      stopSequence?: string;
    }
  | { type: 'usage'; usage: Usage }
  /** A tool the gateway runs for the model (the MCP tool loop) started, reported progress or ended. */
  | { type: 'tool-progress'; progress: ToolProgress }
  /**
   * One frame of the upstream's own stream (an NDJSON line with its newline, or one whole SSE event), sent
   * before the parts read from it, only for a same-format passthrough: the codec of `format` writes these bytes
   * instead of encoding the parts; everyone else ignores them, and whoever changes a stream must drop them.
   */
  | { type: 'upstream-frame'; format: string; bytes: Uint8Array }
  /**
   * A failure after the stream started (HTTP 200 already sent): the stream ends after it. `relayed`: the
   * upstream's own error event is already among the `upstream-frame` parts, so a relaying codec adds nothing.
   */
  | { type: 'error'; error: LlamaGateError; relayed?: boolean };

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
