import type { Dispatcher } from 'undici';
import { callJson } from '../../provider-utils/http-client.js';
import { merged } from '../../provider-utils/merged.js';
import { checkUsage } from '../../provider-utils/token-counts.js';
import type { CallOptions } from '../../spec/chat.js';
import type { EmbeddingModel, EmbeddingRequest, EmbeddingResult } from '../../spec/embedding.js';
import { ProviderAPIError } from '../../spec/errors.js';
import { decodeBase64Embedding, openaiEmbeddingResponseSchema } from './openai-api.js';

/** The wire format whose body an OpenAI-compatible embedding model forwards (unknown fields kept). */
export const OPENAI_EMBEDDINGS_FORMAT = 'openai-embeddings';

export interface OpenAICompatibleEmbeddingConfig {
  provider: string;
  url: (modelId: string) => string;
  headers: () => Record<string, string>;
  dispatcher?: Dispatcher;
  maxEmbeddingsPerCall?: number;
  /** Whether the vendor takes `dimensions`. */
  supportsDimensions?: boolean;
  describeError?: (body: unknown) => { message?: string; code?: string };
}

export class OpenAICompatibleEmbeddingModel implements EmbeddingModel {
  readonly provider: string;
  readonly maxEmbeddingsPerCall: number | undefined;

  constructor(
    readonly modelId: string,
    private readonly config: OpenAICompatibleEmbeddingConfig,
  ) {
    this.provider = config.provider;
    this.maxEmbeddingsPerCall = config.maxEmbeddingsPerCall;
  }

  async embed(request: EmbeddingRequest, options: CallOptions = {}): Promise<EmbeddingResult> {
    const warnings: EmbeddingResult['warnings'] = [];
    // Vectors always travel as floats internally; the server re-encodes base64 for clients that asked.
    const passthrough = options.passthrough?.format === OPENAI_EMBEDDINGS_FORMAT ? options.passthrough : undefined;
    const body: Record<string, unknown> =
      passthrough !== undefined
        ? {
            ...passthrough.body,
            model: this.modelId,
            input: request.input,
            encoding_format: request.encodingFormat ?? 'float',
          }
        : { model: this.modelId, input: request.input, encoding_format: request.encodingFormat ?? 'float' };
    if (request.dimensions !== undefined) {
      if (this.config.supportsDimensions === false) {
        delete body.dimensions;
        warnings.push({
          type: 'unsupported-setting',
          setting: 'dimensions',
          message: `${this.provider} does not support dimensions; it was dropped`,
        });
      } else body.dimensions = request.dimensions;
    }
    if (request.user !== undefined && body.user === undefined) body.user = request.user;
    const response = await callJson({
      provider: this.provider,
      model: this.modelId,
      url: this.config.url(this.modelId),
      headers: merged(this.config.headers(), options.headers),
      body,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      dispatcher: this.config.dispatcher,
      describeError: this.config.describeError,
    });
    const parsed = openaiEmbeddingResponseSchema.safeParse(response.value);
    if (!parsed.success) {
      throw new ProviderAPIError({
        message: `${this.provider} returned an unexpected embeddings response`,
        provider: this.provider,
        model: this.modelId,
        upstream: { body: response.value },
      });
    }
    const ordered = [...parsed.data.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    const result: EmbeddingResult = {
      provider: this.provider,
      model: parsed.data.model ?? this.modelId,
      embeddings: ordered.map((item) =>
        typeof item.embedding === 'string' ? decodeBase64Embedding(item.embedding) : item.embedding,
      ),
      usage: {},
      warnings,
      raw: response.value,
      response: { status: response.status, headers: response.headers },
    };
    const usage = parsed.data.usage;
    if (usage?.prompt_tokens !== undefined && usage.prompt_tokens !== null)
      result.usage.promptTokens = usage.prompt_tokens;
    if (usage?.total_tokens !== undefined && usage.total_tokens !== null) result.usage.totalTokens = usage.total_tokens;
    result.usage = checkUsage(result.usage);
    return result;
  }
}
