import { loadSetting } from '../../provider-utils/api-key.js';
import { callJson } from '../../provider-utils/http-client.js';
import { merged } from '../../provider-utils/merged.js';
import type { CallOptions, LanguageModel } from '../../spec/chat.js';
import type { EmbeddingModel } from '../../spec/embedding.js';
import { ProviderAPIError } from '../../spec/errors.js';
import type { ModelInfo, Provider, ProviderSettings } from '../../spec/provider.js';
import { ollamaTagsResponseSchema, ollamaVersionResponseSchema, parseOllamaTimestamp } from './ollama-api.js';
import { OllamaChatModel } from './ollama-chat-model.js';
import { OllamaEmbeddingModel } from './ollama-embedding-model.js';
import { describeOllamaError } from './ollama-error.js';
import { resolveOllamaBaseURL } from './ollama-host.js';

export type OllamaProviderSettings = ProviderSettings;

const PROVIDER = 'ollama';
const HEALTH_TIMEOUT_MS = 3_000;

/**
 * The native Ollama provider (`/api/chat`, `/api/embed`, `/api/tags`). The server is found at
 * `baseURL`, else OLLAMA_HOST (`host:port` accepted, `0.0.0.0` means this machine), else localhost:11434.
 * No key is needed; `apiKey` or OLLAMA_API_KEY is sent as a bearer token (hosted Ollama).
 *
 * @example
 * const ollama = createOllama({ baseURL: 'http://localhost:11434' });
 * const result = await ollama.chatModel('llama3.2').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createOllama(settings: OllamaProviderSettings = {}): Provider {
  const env = settings.env ?? process.env;
  const baseURL = resolveOllamaBaseURL(settings.baseURL, env);
  const headers = (): Record<string, string> => {
    const apiKey = loadSetting(settings.apiKey, ['OLLAMA_API_KEY'], env);
    return { ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }), ...settings.headers };
  };
  const getJson = (path: string, options: CallOptions, timeoutMs: number) =>
    callJson({
      provider: PROVIDER,
      url: `${baseURL}${path}`,
      method: 'GET',
      headers: merged(headers(), options.headers),
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? timeoutMs,
      dispatcher: settings.dispatcher,
      describeError: describeOllamaError,
    });
  return {
    id: PROVIDER,
    chatModel(modelId: string): LanguageModel {
      return new OllamaChatModel(modelId, {
        provider: PROVIDER,
        baseURL,
        headers,
        dispatcher: settings.dispatcher,
        imageFetch: settings.imageFetch,
      });
    },
    embeddingModel(modelId: string): EmbeddingModel {
      return new OllamaEmbeddingModel(modelId, {
        provider: PROVIDER,
        baseURL,
        headers,
        dispatcher: settings.dispatcher,
      });
    },
    async listModels(options: CallOptions = {}): Promise<ModelInfo[]> {
      const response = await getJson('/api/tags', options, 10_000);
      const parsed = ollamaTagsResponseSchema.safeParse(response.value);
      if (!parsed.success) {
        throw new ProviderAPIError({
          message: `${PROVIDER} returned an unexpected model list`,
          provider: PROVIDER,
          upstream: { url: `${baseURL}/api/tags`, status: response.status, body: response.value },
        });
      }
      const models: ModelInfo[] = [];
      for (const model of parsed.data.models ?? []) {
        const id = model.name ?? model.model;
        if (!id) continue;
        const details: Record<string, unknown> = {};
        if (model.size !== null && model.size !== undefined) details.size = model.size;
        if (model.details?.family) details.family = model.details.family;
        if (model.details?.parameter_size) details.parameter_size = model.details.parameter_size;
        if (model.details?.quantization_level) details.quantization_level = model.details.quantization_level;
        if (model.details?.format) details.format = model.details.format;
        if (model.modified_at) details.modified_at = model.modified_at;
        if (model.digest) details.digest = model.digest;
        const info: ModelInfo = { id, provider: PROVIDER, details };
        const created = parseOllamaTimestamp(model.modified_at);
        if (created !== undefined) info.created = created;
        models.push(info);
      }
      return models;
    },
    async checkHealth(options: CallOptions = {}): Promise<void> {
      const response = await getJson('/api/version', options, HEALTH_TIMEOUT_MS);
      if (!ollamaVersionResponseSchema.safeParse(response.value).success) {
        throw new ProviderAPIError({
          message: `${baseURL} answered /api/version, but not like an Ollama server`,
          provider: PROVIDER,
          upstream: { url: `${baseURL}/api/version`, status: response.status, body: response.value },
        });
      }
    },
  };
}
