/** The library's public option and result shapes (`completion`, `embed`, `batch`). */
import type { z } from 'zod';
import type {
  ChatChoice,
  ChatMessage,
  FinishReason,
  FunctionTool,
  ProviderOptions,
  ReasoningEffort,
  ResponseFormat,
  ToolCall,
  ToolChoice,
  Usage,
  Warning,
} from '../spec/chat.js';
import type { EmbeddingUsage } from '../spec/embedding.js';
import type { AttemptFailure, LlamaGateError } from '../spec/errors.js';
import type { Middleware, StreamFallbackMode } from './model-call.js';
import type { ToolResult, ToolSet } from './tool-loop.js';

/** Failure kinds that move a fallback chain on to its next model. */
export type FallbackCondition =
  | 'rate_limit'
  | 'quota'
  | 'server_error'
  | 'timeout'
  | 'auth'
  | 'not_found'
  | 'context_window'
  | 'content_policy'
  | 'bad_request';

/** An error class such as `RateLimitError`: a failure of that class (or a subclass) moves the chain on. */
export interface FallbackErrorClass {
  readonly kind: string;
  isInstance(value: unknown): boolean;
}

/**
 * When a failure moves a fallback chain on: condition names and/or error classes (`[RateLimitError, 'timeout']`,
 * like llmgate's `fallback_on=(RateLimitError,)`), or a predicate.
 */
export type FallbackOn = readonly (FallbackCondition | FallbackErrorClass)[] | ((error: LlamaGateError) => boolean);

/** Settings every library call takes. */
export interface RequestSettings {
  /** Provider id to send the model to, overriding resolution (`provider: 'groq', model: 'llama-3.1-8b-instant'`). */
  provider?: string;
  /** API key for this call only (the provider is created from its registry definition with it). */
  apiKey?: string;
  /** Base URL for this call only. */
  baseURL?: string;
  signal?: AbortSignal;
  /** Deadline in milliseconds for the whole upstream call, streams included. */
  timeout?: number;
  /** Extra headers sent upstream. */
  headers?: Record<string, string>;
  /** Middleware for this call, run inside the instance's middleware. */
  middleware?: readonly Middleware[];
  /** When a failure moves a fallback chain on (default: rate limit, quota, 5xx/overloaded, timeouts, auth). */
  fallbackOn?: FallbackOn;
}

export type ResponseFormatInput = ResponseFormat | z.ZodType;

export interface CompletionOptions extends RequestSettings {
  /** A model string, or a fallback chain tried in order: `['gpt-4o-mini', 'groq/llama-3.1-8b-instant']`. */
  model?: string | readonly string[];
  /** OpenAI-shaped messages; user content may mix text and `image_url` parts. */
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string | string[];
  seed?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  reasoningEffort?: ReasoningEffort;
  parallelToolCalls?: boolean;
  n?: number;
  user?: string;
  /** OpenAI-shaped tool definitions, or `tool()`s by name (those with `execute` run locally in a loop). */
  tools?: FunctionTool[] | ToolSet;
  toolChoice?: ToolChoice;
  /** Model calls the tool loop may make (default 5); only used with executable tools. */
  maxSteps?: number;
  /** A response format, or a zod schema: the reply is validated and typed into `response.parsed`. */
  responseFormat?: ResponseFormatInput;
  /** Name (and description) sent with a zod schema; default `response`. */
  schemaName?: string;
  schemaDescription?: string;
  /** On a reply that fails the schema, ask the model once more with the validation errors (default false). */
  repair?: boolean;
  /** Provider-specific options, namespaced by provider id: `{ anthropic: { thinking: {...} } }`. */
  providerOptions?: ProviderOptions;
  stream?: boolean;
  /** A stream failing after its first chunk: `'error'` (default), `'restart'` on the next model, or `'continue'`. */
  streamFallbackMode?: StreamFallbackMode;
}

export interface CompletionStep {
  index: number;
  model: string;
  provider: string;
  text: string;
  toolCalls: ToolCall[];
  /** Results of the tools the loop executed after this step (empty when it ran none). */
  toolResults: ToolResult[];
  usage: Usage;
  finishReason: FinishReason;
  warnings: Warning[];
  raw: unknown;
}

export interface CompletionResponse<T = undefined> {
  id: string;
  /** The model that answered (after fallback), as the provider reported it. */
  model: string;
  provider: string;
  /** The first choice's text ('' when it answered only with tool calls). */
  text: string;
  /** The first choice's reasoning text, where the provider returns it. */
  reasoning: string | undefined;
  choices: ChatChoice[];
  /** The first choice's tool calls (the last step's, after a tool loop). */
  toolCalls: ToolCall[];
  /** Token counts, summed over every step of a tool loop; unknown counts are undefined. */
  usage: Usage;
  finishReason: FinishReason;
  rawFinishReason: string | undefined;
  /** The provider's response body (of the last step); undefined for streams. */
  raw: unknown;
  warnings: Warning[];
  /** Model strings that failed before the one that answered, in order (llmgate's `fallback_attempts`). */
  fallbackAttempts: string[];
  /** Each failed model with its error, beside `fallbackAttempts`. */
  fallbackErrors: AttemptFailure[];
  /** True when the `cache()` middleware answered. */
  cacheHit: boolean;
  /** The validated object, when `responseFormat` was a zod schema. */
  parsed: T;
  /** Every model call of the tool loop (one for a plain call). */
  steps: CompletionStep[];
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  name?: string;
  argumentsDelta: string;
}

export type DeepPartial<T> = T extends (infer U)[]
  ? DeepPartial<U>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export interface StreamFallbackEvent {
  mode: 'restart' | 'continue';
  from: string;
  to: string;
  error: LlamaGateError;
}

export interface CompletionChunk<T = undefined> {
  /** New text of the choice (empty for chunks that carry something else). */
  delta: string;
  reasoningDelta: string;
  toolCallDeltas: ToolCallDelta[];
  choiceIndex: number;
  /** Set on the last chunk of a choice (the last chunk of the stream for choice 0, with `usage`). */
  finishReason?: FinishReason;
  usage?: Usage;
  model: string;
  provider: string;
  /** Tool-loop step this chunk belongs to. */
  step: number;
  /** With a zod schema: the object parsed so far from the partial JSON (only when it changed). */
  partial?: DeepPartial<T>;
  /** Results of tools the loop ran after a step (on the chunk that closes the step). */
  toolResults?: ToolResult[];
  /** The stream moved to another model; with `restart` everything before this chunk is void. */
  fallback?: StreamFallbackEvent;
}

export interface EmbedOptions extends RequestSettings {
  /** An embedding model, or a fallback chain. */
  model?: string | readonly string[];
  input: string | string[];
  dimensions?: number;
  user?: string;
  providerOptions?: ProviderOptions;
  /** Upstream calls in flight at once when the input exceeds the provider's per-call limit (default 4). */
  maxConcurrency?: number;
}

export interface EmbedResponse {
  /** One vector per input, in input order. */
  embeddings: number[][];
  model: string;
  provider: string;
  usage: EmbeddingUsage;
  warnings: Warning[];
  /** The provider's response body, or one per upstream call when the input was split. */
  raw: unknown;
  /** Model strings that failed before the one that answered. */
  fallbackAttempts: string[];
  fallbackErrors: AttemptFailure[];
  cacheHit: boolean;
}

export interface BatchProgress {
  index: number;
  completed: number;
  total: number;
  successful: number;
  failed: number;
  error?: LlamaGateError;
}

export interface BatchOptions {
  /** Middleware around every request of the batch, inside the client's own (outermost first). */
  middleware?: readonly Middleware[];
  /** Requests in flight at once (default 5). */
  maxConcurrency?: number;
  /** Stop at the first failure: abort what is in flight, start nothing more, and reject with that error. */
  failFast?: boolean;
  /** Per-request deadline in milliseconds, for requests that set no `timeout` of their own. */
  timeout?: number;
  signal?: AbortSignal;
  onProgress?: (progress: BatchProgress) => void;
}

export interface BatchError {
  index: number;
  /** The error class (`RateLimitError`, `TimeoutError`…). */
  type: string;
  code: string;
  error: LlamaGateError;
}

export interface BatchResult {
  /** In input order; `undefined` where the request failed. */
  results: (CompletionResponse | undefined)[];
  errors: BatchError[];
  successful: number;
  failed: number;
  totalTokens: number;
  /** successful / total, 0 for an empty batch. */
  successRate: number;
}
