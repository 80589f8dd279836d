import type { Dispatcher } from 'undici';
import { base64EncodingDropped } from '../../provider-utils/embedding-warnings.js';
import { callJson } from '../../provider-utils/http-client.js';
import { merged } from '../../provider-utils/merged.js';
import { checkUsage } from '../../provider-utils/token-counts.js';
import type { CallOptions, ResponseInfo, Warning } from '../../spec/chat.js';
import type { EmbeddingModel, EmbeddingRequest, EmbeddingResult } from '../../spec/embedding.js';
import { ProviderAPIError } from '../../spec/errors.js';
import { cohereEmbedResponseSchema } from './cohere-api.js';
import { withCohereErrors } from './cohere-error.js';
import { cohereEmbeddingOptionsSchema, parseCohereOptions } from './cohere-options.js';

export interface CohereEmbeddingConfig {
  provider: string;
  /** Full URL of `/v2/embed`, resolved per call. */
  url: () => string;
  headers: () => Record<string, string>;
  dispatcher?: Dispatcher;
}

/** Cohere's documented limit of texts per `/v2/embed` call. */
export const COHERE_MAX_EMBEDDINGS_PER_CALL = 96;

/**
 * A Cohere embedding model (`/v2/embed`, float vectors). Inputs are embedded as documents unless
 * `providerOptions.cohere.inputType` says otherwise (e.g. `search_query` for queries); larger inputs
 * are split into calls of 96.
 */
export class CohereEmbeddingModel implements EmbeddingModel {
  readonly provider: string;
  readonly maxEmbeddingsPerCall = COHERE_MAX_EMBEDDINGS_PER_CALL;

  constructor(
    readonly modelId: string,
    private readonly config: CohereEmbeddingConfig,
  ) {
    this.provider = config.provider;
  }

  async embed(request: EmbeddingRequest, options: CallOptions = {}): Promise<EmbeddingResult> {
    const cohere = parseCohereOptions(request.providerOptions, cohereEmbeddingOptionsSchema, this.provider) ?? {};
    const warnings: Warning[] = [];
    if (request.user !== undefined)
      warnings.push({ type: 'unsupported-setting', setting: 'user', message: 'Cohere has no end-user field' });
    const encoding = base64EncodingDropped(request, this.provider);
    if (encoding !== undefined) warnings.push(encoding);
    const embeddings: number[][] = [];
    let tokens: number | undefined;
    const raws: unknown[] = [];
    let response: ResponseInfo | undefined;
    // An empty input needs no call (Cohere rejects an empty `texts`).
    for (let start = 0; start < request.input.length; start += this.maxEmbeddingsPerCall) {
      const texts = request.input.slice(start, start + this.maxEmbeddingsPerCall);
      const body: Record<string, unknown> = {
        model: this.modelId,
        texts,
        input_type: cohere.inputType ?? 'search_document',
        embedding_types: ['float'],
      };
      if (request.dimensions !== undefined) body.output_dimension = request.dimensions;
      if (cohere.truncate !== undefined) body.truncate = cohere.truncate;
      const url = this.config.url();
      const answer = await withCohereErrors(
        callJson({
          provider: this.provider,
          model: this.modelId,
          url,
          headers: merged(this.config.headers(), options.headers),
          body,
          signal: options.signal,
          timeoutMs: options.timeoutMs,
          dispatcher: this.config.dispatcher,
        }),
      );
      const parsed = cohereEmbedResponseSchema.safeParse(answer.value);
      if (!parsed.success || parsed.data.embeddings.float.length !== texts.length) {
        throw new ProviderAPIError({
          message: `${this.provider} returned an unexpected embeddings response`,
          provider: this.provider,
          model: this.modelId,
          upstream: { url, status: answer.status, body: answer.value },
        });
      }
      embeddings.push(...parsed.data.embeddings.float);
      const used = parsed.data.meta?.tokens?.input_tokens ?? parsed.data.meta?.billed_units?.input_tokens;
      if (used !== undefined && used !== null) tokens = (tokens ?? 0) + used;
      raws.push(answer.value);
      response = { status: answer.status, headers: answer.headers };
    }
    const result: EmbeddingResult = {
      provider: this.provider,
      model: this.modelId,
      embeddings,
      usage: tokens === undefined ? {} : checkUsage({ promptTokens: tokens, totalTokens: tokens }),
      warnings,
      // One response body as received, or all of them when the input took several calls.
      raw: raws.length === 1 ? raws[0] : raws,
    };
    if (response !== undefined) result.response = response;
    return result;
  }
}
