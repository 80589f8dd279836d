/**
 * A provider whose adapter code is imported on first use: `chatModel`/`embeddingModel` hand out models at once
 * and the first call loads the module, so importing the library does not load every adapter (nor the AWS SDK).
 */
import type { CallOptions, ChatRequest, ChatResult, ChatStreamResult, LanguageModel } from '../spec/chat.js';
import type { EmbeddingModel, EmbeddingRequest, EmbeddingResult } from '../spec/embedding.js';
import type { ModelInfo, Provider } from '../spec/provider.js';

/** Loads the real provider (typically `import('./x-provider.js')` then its factory); called at most once. */
export type ProviderLoader = () => Promise<Provider>;

export interface LazyProvider extends Provider {
  /** Loads the adapter now (settings errors surface here); resolves to the real provider. */
  load(): Promise<Provider>;
}

/**
 * Wraps `load` in a {@link Provider} with the given id. A failed load is not cached, so a later call retries.
 *
 * @example
 * const provider = lazyProvider('groq', async () => (await import('./groq-provider.js')).createGroq(settings));
 */
export function lazyProvider(id: string, load: ProviderLoader): LazyProvider {
  let loading: Promise<Provider> | undefined;
  let loaded: Provider | undefined;
  const real = (): Promise<Provider> => {
    loading ??= load().then(
      (provider) => {
        loaded = provider;
        return provider;
      },
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    );
    return loading;
  };
  return {
    get id() {
      return loaded?.id ?? id;
    },
    load: real,
    chatModel(modelId: string): LanguageModel {
      if (loaded !== undefined) return loaded.chatModel(modelId);
      return {
        provider: id,
        modelId,
        generate: async (request: ChatRequest, options?: CallOptions): Promise<ChatResult> =>
          (await real()).chatModel(modelId).generate(request, options),
        stream: async (request: ChatRequest, options?: CallOptions): Promise<ChatStreamResult> =>
          (await real()).chatModel(modelId).stream(request, options),
      };
    },
    embeddingModel(modelId: string): EmbeddingModel {
      if (loaded !== undefined) return loaded.embeddingModel(modelId);
      return {
        provider: id,
        modelId,
        get maxEmbeddingsPerCall() {
          return loaded?.embeddingModel(modelId).maxEmbeddingsPerCall;
        },
        embed: async (request: EmbeddingRequest, options?: CallOptions): Promise<EmbeddingResult> =>
          embedSplit((await real()).embeddingModel(modelId), request, options),
      };
    },
    async listModels(options?: CallOptions): Promise<ModelInfo[]> {
      const provider = await real();
      return provider.listModels === undefined ? [] : provider.listModels(options);
    },
    async checkHealth(options?: CallOptions): Promise<void> {
      const provider = await real();
      await provider.checkHealth?.(options);
    },
  };
}

/**
 * The caller could not know the model's per-call limit before it loaded, so a first call larger than the
 * limit is split here, one upstream call after another.
 */
async function embedSplit(
  model: EmbeddingModel,
  request: EmbeddingRequest,
  options: CallOptions | undefined,
): Promise<EmbeddingResult> {
  const size = model.maxEmbeddingsPerCall;
  if (size === undefined || request.input.length <= size) return model.embed(request, options);
  const results: EmbeddingResult[] = [];
  for (let start = 0; start < request.input.length; start += size) {
    results.push(await model.embed({ ...request, input: request.input.slice(start, start + size) }, options));
  }
  const first = results[0] as EmbeddingResult;
  const sum = (pick: (result: EmbeddingResult) => number | undefined): number | undefined =>
    results.every((result) => pick(result) !== undefined)
      ? results.reduce((total, result) => total + (pick(result) ?? 0), 0)
      : undefined;
  const usage: EmbeddingResult['usage'] = {};
  const promptTokens = sum((result) => result.usage.promptTokens);
  const totalTokens = sum((result) => result.usage.totalTokens);
  if (promptTokens !== undefined) usage.promptTokens = promptTokens;
  if (totalTokens !== undefined) usage.totalTokens = totalTokens;
  return {
    provider: first.provider,
    model: first.model,
    embeddings: results.flatMap((result) => result.embeddings),
    usage,
    warnings: results.flatMap((result) => result.warnings),
    raw: results.map((result) => result.raw),
  };
}
