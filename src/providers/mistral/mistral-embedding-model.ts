import type { CallOptions } from '../../spec/chat.js';
import type { EmbeddingModel, EmbeddingRequest, EmbeddingResult } from '../../spec/embedding.js';
import { OPENAI_EMBEDDINGS_FORMAT } from '../openai-compatible/openai-compatible-embedding-model.js';
import { parseMistralProviderOptions } from './mistral-api.js';

/** Models that take `output_dimension` (mistral-embed has a fixed 1024). */
const OUTPUT_DIMENSION_MODELS = /codestral-embed/i;
/** Embedding request fields Mistral accepts besides model, input and encoding_format. */
const MISTRAL_EMBEDDING_FIELDS = new Set(['output_dimension', 'output_dtype']);

/**
 * Mistral's `/v1/embeddings`: the shared OpenAI-compatible embedding call with a clean body, since Mistral
 * answers 422 to fields it does not know. `dimensions` becomes `output_dimension` where the model takes it.
 */
export class MistralEmbeddingModel implements EmbeddingModel {
  readonly provider: string;
  readonly maxEmbeddingsPerCall: number | undefined;

  constructor(
    readonly modelId: string,
    private readonly base: EmbeddingModel,
  ) {
    this.provider = base.provider;
    this.maxEmbeddingsPerCall = base.maxEmbeddingsPerCall;
  }

  async embed(request: EmbeddingRequest, options?: CallOptions): Promise<EmbeddingResult> {
    const warnings: EmbeddingResult['warnings'] = [];
    const providerOptions = parseMistralProviderOptions(request.providerOptions?.mistral);
    const extra: Record<string, unknown> = {};
    const passthrough = options?.passthrough?.format === OPENAI_EMBEDDINGS_FORMAT ? options.passthrough.body : {};
    for (const [key, value] of Object.entries(passthrough)) {
      if (MISTRAL_EMBEDDING_FIELDS.has(key)) extra[key] = value;
      else if (!['model', 'input', 'encoding_format', 'dimensions', 'user'].includes(key) && value !== undefined)
        warnings.push({
          type: 'unsupported-setting',
          setting: key,
          message: `mistral does not support ${key}; it was dropped`,
        });
    }
    const dimensions = request.dimensions ?? (passthrough.dimensions as number | undefined);
    if (dimensions !== undefined) {
      if (OUTPUT_DIMENSION_MODELS.test(this.modelId)) extra.output_dimension = dimensions;
      else
        warnings.push({
          type: 'unsupported-setting',
          setting: 'dimensions',
          message: `mistral ${this.modelId} has a fixed vector size; dimensions was dropped`,
        });
    }
    if (providerOptions.outputDtype !== undefined) extra.output_dtype = providerOptions.outputDtype;
    if (request.user !== undefined || passthrough.user !== undefined)
      warnings.push({
        type: 'unsupported-setting',
        setting: 'user',
        message: 'mistral does not support user; it was dropped',
      });
    const forwarded: EmbeddingRequest = { input: request.input };
    if (request.encodingFormat !== undefined) forwarded.encodingFormat = request.encodingFormat;
    const result = await this.base.embed(forwarded, {
      ...options,
      passthrough: { format: OPENAI_EMBEDDINGS_FORMAT, body: extra },
    });
    return { ...result, warnings: [...warnings, ...result.warnings] };
  }
}
