import type { Dispatcher } from 'undici';
import { base64EncodingDropped } from '../../provider-utils/embedding-warnings.js';
import { callJson } from '../../provider-utils/http-client.js';
import { merged } from '../../provider-utils/merged.js';
import { checkUsage } from '../../provider-utils/token-counts.js';
import type { CallOptions, Warning } from '../../spec/chat.js';
import type { EmbeddingModel, EmbeddingRequest, EmbeddingResult } from '../../spec/embedding.js';
import { ProviderAPIError } from '../../spec/errors.js';
import { ollamaEmbedResponseSchema } from './ollama-api.js';
import { describeOllamaError, refineOllamaError } from './ollama-error.js';
import { parseOllamaProviderOptions } from './ollama-provider-options.js';

export interface OllamaEmbeddingConfig {
  provider: string;
  baseURL: string;
  headers: () => Record<string, string>;
  dispatcher?: Dispatcher;
}

/** Embeddings through `POST /api/embed` (the batch endpoint; `/api/embeddings` is superseded). */
export class OllamaEmbeddingModel implements EmbeddingModel {
  readonly provider: string;

  constructor(
    readonly modelId: string,
    private readonly config: OllamaEmbeddingConfig,
  ) {
    this.provider = config.provider;
  }

  async embed(request: EmbeddingRequest, options: CallOptions = {}): Promise<EmbeddingResult> {
    const warnings: Warning[] = [];
    const providerOptions = parseOllamaProviderOptions(request.providerOptions, warnings);
    if (providerOptions.think !== undefined) {
      warnings.push({
        type: 'unsupported-setting',
        setting: 'providerOptions.ollama.think',
        message: 'think does not apply to embeddings; it was dropped',
      });
    }
    const encoding = base64EncodingDropped(request, this.provider);
    if (encoding !== undefined) warnings.push(encoding);
    const body: Record<string, unknown> = { model: this.modelId, input: request.input };
    if (request.dimensions !== undefined) body.dimensions = request.dimensions;
    if (providerOptions.truncate !== undefined) body.truncate = providerOptions.truncate;
    if (providerOptions.options !== undefined) body.options = providerOptions.options;
    if (providerOptions.keep_alive !== undefined) body.keep_alive = providerOptions.keep_alive;
    if (request.user !== undefined) {
      warnings.push({
        type: 'unsupported-setting',
        setting: 'user',
        message: 'Ollama has no end-user identifier; user was dropped',
      });
    }
    const url = `${this.config.baseURL}/api/embed`;
    const response = await callJson({
      provider: this.provider,
      model: this.modelId,
      url,
      headers: merged(this.config.headers(), options.headers),
      body,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      dispatcher: this.config.dispatcher,
      describeError: describeOllamaError,
    }).catch((error: unknown) => {
      throw refineOllamaError(error);
    });
    const parsed = ollamaEmbedResponseSchema.safeParse(response.value);
    if (!parsed.success || parsed.data.embeddings.length !== request.input.length) {
      throw new ProviderAPIError({
        message: parsed.success
          ? `${this.provider} returned ${parsed.data.embeddings.length} embeddings for ${request.input.length} inputs`
          : `${this.provider} returned an unexpected embeddings response`,
        provider: this.provider,
        model: this.modelId,
        upstream: { url, status: response.status, headers: response.headers, body: response.value },
      });
    }
    const result: EmbeddingResult = {
      provider: this.provider,
      model: parsed.data.model ?? this.modelId,
      embeddings: parsed.data.embeddings,
      usage: {},
      warnings,
      raw: response.value,
      response: { status: response.status, headers: response.headers },
    };
    const promptTokens = parsed.data.prompt_eval_count ?? undefined;
    if (promptTokens !== undefined) {
      result.usage.promptTokens = promptTokens;
      result.usage.totalTokens = promptTokens;
    }
    result.usage = checkUsage(result.usage);
    return result;
  }
}
