import { loadApiKey, loadSetting, withoutTrailingSlash } from '../../provider-utils/api-key.js';
import { callJson } from '../../provider-utils/http-client.js';
import { merged } from '../../provider-utils/merged.js';
import type { CallOptions, LanguageModel } from '../../spec/chat.js';
import type { EmbeddingModel } from '../../spec/embedding.js';
import { ProviderAPIError } from '../../spec/errors.js';
import type { ModelInfo, Provider, ProviderSettings } from '../../spec/provider.js';
import { cohereModelListSchema } from './cohere-api.js';
import { CohereChatModel } from './cohere-chat-model.js';
import { CohereEmbeddingModel } from './cohere-embedding-model.js';
import { withCohereErrors } from './cohere-error.js';

export const COHERE_DEFAULT_BASE_URL = 'https://api.cohere.com/v2';
export const COHERE_API_KEY_VARIABLES = ['COHERE_API_KEY', 'CO_API_KEY'] as const;

export interface CohereProviderSettings extends ProviderSettings {
  /** Provider id used in errors and model strings; `cohere` by default. */
  name?: string;
}

/** Cohere lists models only under v1; a base URL without the `/v2` suffix (a proxy) is used as is. */
function modelsUrl(baseURL: string): string {
  return baseURL.endsWith('/v2') ? `${baseURL.slice(0, -3)}/v1/models` : `${baseURL}/models`;
}

/**
 * The Cohere provider (API v2): chat over `/v2/chat`, embeddings over `/v2/embed`. The key comes from
 * `apiKey` or `COHERE_API_KEY` (also the SDK's `CO_API_KEY`), the base URL from `baseURL` or
 * `COHERE_BASE_URL`; both are read at call time.
 *
 * @example
 * const cohere = createCohere({ apiKey: process.env.COHERE_API_KEY });
 * const result = await cohere.chatModel('command-a-03-2025').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createCohere(settings: CohereProviderSettings = {}): Provider {
  const name = settings.name ?? 'cohere';
  const baseURL = () =>
    withoutTrailingSlash(loadSetting(settings.baseURL, ['COHERE_BASE_URL'], settings.env) ?? COHERE_DEFAULT_BASE_URL);
  const headers = (): Record<string, string> => {
    const apiKey = loadApiKey({
      apiKey: settings.apiKey,
      environmentVariableNames: COHERE_API_KEY_VARIABLES,
      provider: name,
      env: settings.env,
    });
    return { authorization: `Bearer ${apiKey}`, ...settings.headers };
  };
  const config = { provider: name, headers, dispatcher: settings.dispatcher };
  return {
    id: name,
    chatModel(modelId: string): LanguageModel {
      return new CohereChatModel(modelId, { ...config, url: () => `${baseURL()}/chat` });
    },
    embeddingModel(modelId: string): EmbeddingModel {
      return new CohereEmbeddingModel(modelId, { ...config, url: () => `${baseURL()}/embed` });
    },
    async listModels(options: CallOptions = {}): Promise<ModelInfo[]> {
      const models: ModelInfo[] = [];
      let pageToken: string | undefined;
      // A bounded number of pages: the list is small, and a looping token must not hang the caller.
      for (let page = 0; page < 10; page++) {
        const query = new URLSearchParams({ page_size: '1000' });
        if (pageToken !== undefined) query.set('page_token', pageToken);
        const url = `${modelsUrl(baseURL())}?${query.toString()}`;
        const response = await withCohereErrors(
          callJson({
            provider: name,
            url,
            method: 'GET',
            headers: merged(headers(), options.headers),
            signal: options.signal,
            timeoutMs: options.timeoutMs ?? 10_000,
            dispatcher: settings.dispatcher,
          }),
        );
        const parsed = cohereModelListSchema.safeParse(response.value);
        if (!parsed.success) {
          throw new ProviderAPIError({
            message: `${name} returned an unexpected model list`,
            provider: name,
            upstream: { url, status: response.status, body: response.value },
          });
        }
        for (const model of parsed.data.models) {
          const endpoints = model.endpoints ?? [];
          // Rerank/classify-only models cannot be used through the gateway's chat or embeddings routes.
          const kind = endpoints.includes('chat') ? 'chat' : endpoints.includes('embed') ? 'embedding' : undefined;
          if (kind === undefined) continue;
          const info: ModelInfo = { id: model.name, provider: name, ownedBy: 'cohere', kind };
          const details: Record<string, unknown> = { endpoints };
          if (model.context_length !== undefined && model.context_length !== null)
            details.contextLength = model.context_length;
          info.details = details;
          models.push(info);
        }
        pageToken = parsed.data.next_page_token ?? undefined;
        if (!pageToken) break;
      }
      return models;
    },
    async checkHealth(options: CallOptions = {}): Promise<void> {
      await this.listModels?.({ ...options, timeoutMs: options.timeoutMs ?? 5_000 });
    },
  };
}
