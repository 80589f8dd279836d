/**
 * `llamagate`: one call for every provider. `completion`, `parse`, `embed`, `batch` use a default client
 * configured from the environment; `new LlamaGate({...})` holds your own defaults and middleware.
 */

export type {
  BatchError,
  BatchOptions,
  BatchProgress,
  BatchResult,
  CompletionChunk,
  CompletionOptions,
  CompletionResponse,
  CompletionStep,
  DeepPartial,
  EmbedOptions,
  EmbedResponse,
  FallbackCondition,
  FallbackErrorClass,
  FallbackOn,
  RequestSettings,
  ResponseFormatInput,
  StreamFallbackEvent,
  ToolCallDelta,
} from './client/client-types.js';
export { CompletionStream } from './client/completion-stream.js';
export {
  assistant,
  type ImageDetail,
  imageBytes,
  imageUrl,
  system,
  text,
  toolResult,
  user,
} from './client/content.js';
export { batch, completion, embed, parse, stream } from './client/default-client.js';
export { loadDotenv } from './client/dotenv-loader.js';
export { DEFAULT_FALLBACK_ON } from './client/fallback-chain.js';
export { LlamaGate, type LlamaGateOptions, type ProviderConfig } from './client/llamagate-client.js';
export {
  type CachedEntry,
  type CacheOptions,
  type CacheStore,
  cache,
  MemoryCacheStore,
} from './client/middleware/cache.js';
export { cacheKey } from './client/middleware/cache-key.js';
export { type FallbackMiddlewareOptions, fallback } from './client/middleware/fallback.js';
export { type LoggingOptions, type LogLevel, type LogSink, logging } from './client/middleware/logging.js';
export { type RateLimitClock, type RateLimitOptions, rateLimit } from './client/middleware/rate-limit.js';
export { type RetryOptions, retry } from './client/middleware/retry.js';
export {
  type CallTarget,
  type CallTrace,
  type ClientStreamPart,
  type ClientStreamResult,
  type CompletionCall,
  composeMiddleware,
  type EmbedCall,
  type Middleware,
  type ModelCall,
  type ModelHandler,
  type ModelOutcome,
  type StreamCall,
  type StreamFallbackMode,
  type StreamFallbackPart,
} from './client/model-call.js';
export { type PartialJson, parsePartialJson } from './client/partial-json.js';
export {
  type ChatTemplate,
  chatTemplate,
  type PromptTemplate,
  prompt,
  type TemplateRole,
  type TemplateValue,
  type TemplateValues,
  type TemplateVariables,
} from './client/prompt-template.js';
export {
  type AnthropicProviderSettings,
  type AzureProviderSettings,
  type BedrockProviderSettings,
  type CohereProviderSettings,
  createAnthropic,
  createAzure,
  createBedrock,
  createCohere,
  createDeepSeek,
  createFireworks,
  createGatewayz,
  createGemini,
  createGroq,
  createLlamaGate,
  createMeta,
  createMistral,
  createOllama,
  createOpenAI,
  createOpenAICompatible,
  createTogether,
  createVertex,
  type GeminiProviderSettings,
  type MetaProviderSettings,
  type OllamaProviderSettings,
  type OpenAICompatibleProviderSettings,
  type OpenAIProviderSettings,
  type VertexProviderSettings,
} from './client/provider-factories.js';
export { StructuredOutputError } from './client/structured-output.js';
export {
  type CostEstimate,
  type CountTokensOptions,
  countTokens,
  type EstimateCostOptions,
  estimateCost,
  type TokenizerName,
  tokenizerFor,
} from './client/token-count.js';
export { type Tool, type ToolExecutionContext, type ToolResult, type ToolSet, tool } from './client/tool-loop.js';
export { type LazyProvider, lazyProvider, type ProviderLoader } from './provider-utils/lazy-provider.js';
export type {
  AssistantContentPart,
  AssistantInputMessage,
  AssistantMessage,
  CallOptions,
  ChatChoice,
  ChatMessage,
  ChatRequest,
  ChatResult,
  ChatStreamPart,
  ChatStreamResult,
  FinishReason,
  FunctionTool,
  ImageContentPart,
  JsonSchema,
  LanguageModel,
  ProviderContentPart,
  ProviderOptions,
  ReasoningEffort,
  ResponseFormat,
  ResponseInfo,
  SystemMessage,
  TextContentPart,
  ToolCall,
  ToolChoice,
  ToolMessage,
  Usage,
  UserContentPart,
  UserMessage,
  Warning,
} from './spec/chat.js';
export type { EmbeddingModel, EmbeddingRequest, EmbeddingResult, EmbeddingUsage } from './spec/embedding.js';
export {
  AbortedError,
  AllProvidersFailedError,
  type AttemptFailure,
  AuthenticationError,
  /** llmgate's name for {@link AuthenticationError}. */
  AuthenticationError as AuthError,
  BadRequestError,
  ContentPolicyViolationError,
  ContextWindowExceededError,
  EmbeddingsNotSupportedError as EmbeddingsNotSupported,
  EmbeddingsNotSupportedError,
  type ErrorCode,
  InsufficientQuotaError,
  LlamaGateError,
  type LlamaGateErrorOptions,
  ModelNotFoundError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  ProviderAPIError,
  RateLimitError,
  ServiceUnavailableError,
  TimeoutError,
  toLlamaGateError,
  type UpstreamDetails,
  ValidationError,
  VisionNotSupportedError as VisionNotSupported,
  VisionNotSupportedError,
} from './spec/errors.js';
export type { ImageFetchSettings, ModelInfo, Provider, ProviderSettings } from './spec/provider.js';
