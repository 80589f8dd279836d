import type { Dispatcher } from 'undici';
import type { CallOptions, ChatRequest, LanguageModel } from './chat.js';
import type { EmbeddingModel } from './embedding.js';

export interface ModelInfo {
  id: string;
  provider: string;
  ownedBy?: string;
  created?: number;
  kind?: 'chat' | 'embedding';
  /** Extra facts the provider reports (size, family, context length…). */
  details?: Record<string, unknown>;
}

/**
 * A provider instance: credentials, base URL and HTTP dispatcher resolved once, models handed out by id.
 * `embeddingModel` throws `EmbeddingsNotSupportedError` for providers without embeddings.
 */
export interface Provider {
  readonly id: string;
  chatModel(modelId: string): LanguageModel;
  embeddingModel(modelId: string): EmbeddingModel;
  listModels?(options?: CallOptions): Promise<ModelInfo[]>;
  /** A cheap reachability check; rejects with a typed error when the provider does not answer. */
  checkHealth?(options?: CallOptions): Promise<void>;
  /** The prompt tokens of a request as the provider itself counts them (providers with a counting endpoint). */
  countTokens?(modelId: string, request: ChatRequest, options?: CallOptions): Promise<number>;
}

/** Settings every provider factory takes; adapters add their own. */
export interface ProviderSettings {
  apiKey?: string;
  baseURL?: string;
  /** Headers added to every upstream request. */
  headers?: Record<string, string>;
  /** undici dispatcher (Agent, Pool, MockAgent) used for upstream calls; a shared keep-alive Agent by default. */
  dispatcher?: Dispatcher;
  /** Environment to read credentials from (defaults to process.env); tests pass their own. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Image fetching for providers that need bytes: size limit, timeout, whether private addresses are allowed. */
  imageFetch?: ImageFetchSettings;
}

export interface ImageFetchSettings {
  maxBytes?: number;
  timeoutMs?: number;
  allowPrivateAddresses?: boolean;
}
