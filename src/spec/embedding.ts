import type { CallOptions, ProviderOptions, ResponseInfo, Warning } from './chat.js';

export interface EmbeddingRequest {
  input: string[];
  dimensions?: number;
  user?: string;
  providerOptions?: ProviderOptions;
  /**
   * How vectors travel from providers that offer a choice (OpenAI, Azure, Mistral…): `base64` is about a third
   * smaller on the wire; results are always decoded to number arrays. Default `float`.
   */
  encodingFormat?: 'float' | 'base64';
}

export interface EmbeddingUsage {
  promptTokens?: number;
  totalTokens?: number;
}

export interface EmbeddingResult {
  provider: string;
  model: string;
  /** One vector per input, in input order. */
  embeddings: number[][];
  usage: EmbeddingUsage;
  warnings: Warning[];
  raw?: unknown;
  response?: ResponseInfo;
}

export interface EmbeddingModel {
  readonly provider: string;
  readonly modelId: string;
  /** How many inputs one upstream call takes; callers batch larger inputs. */
  readonly maxEmbeddingsPerCall?: number;
  embed(request: EmbeddingRequest, options?: CallOptions): Promise<EmbeddingResult>;
}
