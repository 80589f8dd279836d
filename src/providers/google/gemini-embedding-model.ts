import type { Dispatcher } from 'undici';
import { base64EncodingDropped } from '../../provider-utils/embedding-warnings.js';
import { callJson, type JsonResponse } from '../../provider-utils/http-client.js';
import { merged } from '../../provider-utils/merged.js';
import { checkUsage } from '../../provider-utils/token-counts.js';
import type { CallOptions, Warning } from '../../spec/chat.js';
import type { EmbeddingModel, EmbeddingRequest, EmbeddingResult } from '../../spec/embedding.js';
import { BadRequestError, ProviderAPIError } from '../../spec/errors.js';
import { geminiBatchEmbedResponseSchema, vertexPredictEmbeddingResponseSchema } from './gemini-api.js';
import { describeGeminiError, refineGeminiError } from './gemini-error.js';

export interface GeminiEmbeddingConfig {
  provider: string;
  /** URL of the model's embedding method (`batchEmbedContents` on the Gemini API, `predict` on Vertex) and auth. */
  endpoint: (modelId: string) => Promise<{ url: string; headers: Record<string, string> }>;
  dispatcher?: Dispatcher;
  /** The `models/…` resource name Gemini repeats inside every batch entry. */
  modelResource?: (modelId: string) => string;
  /** Vertex `:predict` (instances/predictions) instead of Gemini's `:batchEmbedContents`. */
  vertex: boolean;
}

function taskTypeOption(request: EmbeddingRequest, provider: string, warnings: Warning[]): string | undefined {
  const options = request.providerOptions?.[provider] ?? request.providerOptions?.google;
  const taskType = options?.taskType;
  if (taskType === undefined) return undefined;
  if (typeof taskType === 'string') return taskType;
  warnings.push({ type: 'other', message: `providerOptions.${provider}.taskType must be a string; it was ignored` });
  return undefined;
}

/** `providerOptions.<provider>.title`: Gemini reads a document title only with `taskType: RETRIEVAL_DOCUMENT`. */
function titleOption(
  request: EmbeddingRequest,
  provider: string,
  taskType: string | undefined,
  warnings: Warning[],
): string | undefined {
  const options = request.providerOptions?.[provider] ?? request.providerOptions?.google;
  const title = options?.title;
  if (title === undefined) return undefined;
  if (typeof title === 'string' && taskType === 'RETRIEVAL_DOCUMENT') return title;
  warnings.push({
    type: 'unsupported-setting',
    setting: 'title',
    message: `providerOptions.${provider}.title is sent only as a string with taskType RETRIEVAL_DOCUMENT; it was dropped`,
  });
  return undefined;
}

/**
 * Gemini embeddings: `:batchEmbedContents` on the Gemini API (up to 100 texts), `:predict` on Vertex
 * (gemini-embedding models take one text per call there). `dimensions` → `outputDimensionality`;
 * `providerOptions.<provider>.taskType` (RETRIEVAL_QUERY, SEMANTIC_SIMILARITY…) passes through.
 */
export class GeminiEmbeddingModel implements EmbeddingModel {
  readonly provider: string;
  readonly maxEmbeddingsPerCall: number;

  constructor(
    readonly modelId: string,
    private readonly config: GeminiEmbeddingConfig,
  ) {
    this.provider = config.provider;
    this.maxEmbeddingsPerCall = config.vertex && /gemini-embedding/.test(modelId) ? 1 : 100;
  }

  async embed(request: EmbeddingRequest, options: CallOptions = {}): Promise<EmbeddingResult> {
    if (request.input.length > this.maxEmbeddingsPerCall) {
      throw new BadRequestError({
        message: `${this.provider} embeds at most ${this.maxEmbeddingsPerCall} inputs per call (got ${request.input.length})`,
        provider: this.provider,
        model: this.modelId,
        param: 'input',
      });
    }
    const endpoint = await this.config.endpoint(this.modelId);
    const headers = merged(endpoint.headers, options.headers);
    const warnings: Warning[] = [];
    if (request.user !== undefined) {
      warnings.push({ type: 'unsupported-setting', setting: 'user', message: 'Gemini has no end-user field; dropped' });
    }
    const encoding = base64EncodingDropped(request, this.provider);
    if (encoding !== undefined) warnings.push(encoding);
    const taskType = taskTypeOption(request, this.provider, warnings);
    const title = titleOption(request, this.provider, taskType, warnings);
    const body = this.config.vertex
      ? this.vertexBody(request, taskType, title)
      : this.geminiBody(request, taskType, title);
    const url = endpoint.url;
    let response: JsonResponse;
    try {
      response = await callJson({
        provider: this.provider,
        model: this.modelId,
        url,
        headers,
        body,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        dispatcher: this.config.dispatcher,
        describeError: describeGeminiError,
      });
    } catch (error) {
      throw refineGeminiError(error);
    }
    const result: EmbeddingResult = {
      provider: this.provider,
      model: this.modelId,
      embeddings: [],
      usage: {},
      warnings,
      raw: response.value,
      response: { status: response.status, headers: response.headers },
    };
    if (this.config.vertex) {
      const parsed = vertexPredictEmbeddingResponseSchema.safeParse(response.value);
      if (!parsed.success) throw this.unexpected(response.value);
      result.embeddings = parsed.data.predictions.map((prediction) => prediction.embeddings.values);
      const counts = parsed.data.predictions.map((prediction) => prediction.embeddings.statistics?.token_count);
      if (counts.every((count): count is number => typeof count === 'number')) {
        const total = counts.reduce((sum, count) => sum + count, 0);
        result.usage = checkUsage({ promptTokens: total, totalTokens: total });
      }
    } else {
      const parsed = geminiBatchEmbedResponseSchema.safeParse(response.value);
      if (!parsed.success) throw this.unexpected(response.value);
      result.embeddings = parsed.data.embeddings.map((embedding) => embedding.values);
    }
    if (result.embeddings.length !== request.input.length) throw this.unexpected(response.value);
    return result;
  }

  private geminiBody(
    request: EmbeddingRequest,
    taskType: string | undefined,
    title: string | undefined,
  ): Record<string, unknown> {
    const model = this.config.modelResource?.(this.modelId) ?? `models/${this.modelId}`;
    return {
      requests: request.input.map((text) => {
        const entry: Record<string, unknown> = { model, content: { parts: [{ text }] } };
        if (taskType !== undefined) entry.taskType = taskType;
        if (title !== undefined) entry.title = title;
        if (request.dimensions !== undefined) entry.outputDimensionality = request.dimensions;
        return entry;
      }),
    };
  }

  private vertexBody(
    request: EmbeddingRequest,
    taskType: string | undefined,
    title: string | undefined,
  ): Record<string, unknown> {
    const body: Record<string, unknown> = {
      instances: request.input.map((content) => {
        const instance: Record<string, unknown> = { content };
        if (taskType !== undefined) instance.task_type = taskType;
        if (title !== undefined) instance.title = title;
        return instance;
      }),
    };
    if (request.dimensions !== undefined) body.parameters = { outputDimensionality: request.dimensions };
    return body;
  }

  private unexpected(value: unknown): ProviderAPIError {
    return new ProviderAPIError({
      message: `${this.provider} returned an unexpected embeddings response`,
      provider: this.provider,
      model: this.modelId,
      upstream: { body: value },
    });
  }
}
