import { base64EncodingDropped } from '../../provider-utils/embedding-warnings.js';
import { callJson, type JsonResponse } from '../../provider-utils/http-client.js';
import { merged } from '../../provider-utils/merged.js';
import { checkUsage } from '../../provider-utils/token-counts.js';
import type { CallOptions, Warning } from '../../spec/chat.js';
import type { EmbeddingModel, EmbeddingRequest, EmbeddingResult } from '../../spec/embedding.js';
import { EmbeddingsNotSupportedError, ProviderAPIError } from '../../spec/errors.js';
import { cohereEmbeddingResponseSchema, titanEmbeddingResponseSchema } from './bedrock-api.js';
import { describeBedrockError, retypeBedrockHttpError } from './bedrock-error.js';
import { type BedrockModelConfig, modelPath } from './bedrock-model-config.js';

/** The request formats Bedrock's InvokeModel takes for embeddings; each model family has its own. */
export type BedrockEmbeddingFamily = 'titan' | 'titan-v1' | 'cohere' | 'cohere-v4';

/** Recognises inference-profile ids too (`us.cohere.embed-v4:0`). Other models have no embeddings here. */
export function bedrockEmbeddingFamily(modelId: string): BedrockEmbeddingFamily | undefined {
  const id = modelId.toLowerCase();
  if (id.includes('amazon.titan-embed-text-v2')) return 'titan';
  if (id.includes('amazon.titan-embed-text') || id.includes('amazon.titan-embed-g1-text')) return 'titan-v1';
  if (id.includes('cohere.embed-v4')) return 'cohere-v4';
  if (id.includes('cohere.embed')) return 'cohere';
  return undefined;
}

const COHERE_INPUT_TYPES = ['search_document', 'search_query', 'classification', 'clustering'] as const;
/** Cohere on Bedrock takes at most 96 texts per call; Titan one. */
const COHERE_MAX_TEXTS = 96;

export class BedrockEmbeddingModel implements EmbeddingModel {
  readonly provider: string;
  readonly maxEmbeddingsPerCall: number;
  private readonly family: BedrockEmbeddingFamily;

  constructor(
    readonly modelId: string,
    private readonly config: BedrockModelConfig,
  ) {
    this.provider = config.provider;
    const family = bedrockEmbeddingFamily(modelId);
    if (family === undefined) {
      throw new EmbeddingsNotSupportedError({
        message: `${config.provider} embeddings support Titan text (amazon.titan-embed-text-*) and Cohere (cohere.embed-*) models, not ${modelId}`,
        provider: config.provider,
        model: modelId,
        param: 'model',
      });
    }
    this.family = family;
    this.maxEmbeddingsPerCall = family === 'titan' || family === 'titan-v1' ? 1 : COHERE_MAX_TEXTS;
  }

  private async invoke(body: Record<string, unknown>, options: CallOptions): Promise<JsonResponse> {
    const text = JSON.stringify(body);
    const call = await this.config.prepareCall(
      modelPath(this.modelId, 'invoke', this.config.provider),
      text,
      'application/json',
    );
    try {
      return await callJson({
        provider: this.provider,
        model: this.modelId,
        url: call.url,
        headers: merged(call.headers, options.headers),
        body: text,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        dispatcher: this.config.dispatcher,
        describeError: describeBedrockError,
      });
    } catch (error) {
      throw retypeBedrockHttpError(error);
    }
  }

  private unexpected(value: unknown): ProviderAPIError {
    return new ProviderAPIError({
      message: `${this.provider} returned an unexpected embeddings response`,
      provider: this.provider,
      model: this.modelId,
      upstream: { body: value },
    });
  }

  async embed(request: EmbeddingRequest, options: CallOptions = {}): Promise<EmbeddingResult> {
    const warnings: Warning[] = [];
    const bedrockOptions = request.providerOptions?.bedrock ?? {};
    if (request.user !== undefined) {
      warnings.push({ type: 'unsupported-setting', setting: 'user', message: 'Bedrock embeddings take no user' });
    }
    const encoding = base64EncodingDropped(request, this.provider);
    if (encoding !== undefined) warnings.push(encoding);
    const result =
      this.family === 'titan' || this.family === 'titan-v1'
        ? await this.embedTitan(request, bedrockOptions, warnings, options)
        : await this.embedCohere(request, bedrockOptions, warnings, options);
    return { provider: this.provider, model: this.modelId, warnings, ...result };
  }

  /** Titan embeds one text per call; several inputs are sent as parallel calls, answered in input order. */
  private async embedTitan(
    request: EmbeddingRequest,
    bedrockOptions: Record<string, unknown>,
    warnings: Warning[],
    options: CallOptions,
  ): Promise<Pick<EmbeddingResult, 'embeddings' | 'usage' | 'raw' | 'response'>> {
    const extra: Record<string, unknown> = {};
    if (request.dimensions !== undefined) {
      if (this.family === 'titan') extra.dimensions = request.dimensions;
      else
        warnings.push({
          type: 'unsupported-setting',
          setting: 'dimensions',
          message: `${this.modelId} has a fixed size; dimensions was dropped`,
        });
    }
    if (this.family === 'titan' && typeof bedrockOptions.normalize === 'boolean')
      extra.normalize = bedrockOptions.normalize;
    const responses = await Promise.all(
      request.input.map((inputText) => this.invoke({ inputText, ...extra }, options)),
    );
    const parsed = responses.map((response) => {
      const result = titanEmbeddingResponseSchema.safeParse(response.value);
      if (!result.success) throw this.unexpected(response.value);
      return result.data;
    });
    const counts = parsed.map((item) => item.inputTextTokenCount);
    const tokens = counts.every((count): count is number => typeof count === 'number')
      ? counts.reduce((sum, count) => sum + count, 0)
      : undefined;
    const usage = tokens === undefined ? {} : checkUsage({ promptTokens: tokens, totalTokens: tokens });
    const embeddings = parsed.map((item) => item.embedding);
    const last = responses.at(-1);
    return {
      embeddings,
      usage,
      raw: responses.length === 1 ? last?.value : responses.map((response) => response.value),
      response: { status: last?.status ?? 200, headers: last?.headers ?? {} },
    };
  }

  private async embedCohere(
    request: EmbeddingRequest,
    bedrockOptions: Record<string, unknown>,
    warnings: Warning[],
    options: CallOptions,
  ): Promise<Pick<EmbeddingResult, 'embeddings' | 'usage' | 'raw' | 'response'>> {
    const inputType = COHERE_INPUT_TYPES.find((type) => type === bedrockOptions.inputType) ?? 'search_document';
    const body: Record<string, unknown> = { texts: request.input, input_type: inputType };
    if (typeof bedrockOptions.truncate === 'string') body.truncate = bedrockOptions.truncate;
    if (request.dimensions !== undefined) {
      if (this.family === 'cohere-v4') body.output_dimension = request.dimensions;
      else
        warnings.push({
          type: 'unsupported-setting',
          setting: 'dimensions',
          message: `${this.modelId} has a fixed size; dimensions was dropped`,
        });
    }
    const response = await this.invoke(body, options);
    const parsed = cohereEmbeddingResponseSchema.safeParse(response.value);
    if (!parsed.success) throw this.unexpected(response.value);
    const vectors = Array.isArray(parsed.data.embeddings) ? parsed.data.embeddings : parsed.data.embeddings.float;
    if (vectors.length !== request.input.length) throw this.unexpected(response.value);
    // Cohere's body carries no token count; InvokeModel reports it in a header.
    const counted = Number(response.headers['x-amzn-bedrock-input-token-count']);
    const usage =
      Number.isFinite(counted) && response.headers['x-amzn-bedrock-input-token-count'] !== undefined
        ? checkUsage({ promptTokens: counted, totalTokens: counted })
        : {};
    return {
      embeddings: vectors,
      usage,
      raw: response.value,
      response: { status: response.status, headers: response.headers },
    };
  }
}
