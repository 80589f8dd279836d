import { loadApiKey, withoutTrailingSlash } from '../../provider-utils/api-key.js';
import { callJson } from '../../provider-utils/http-client.js';
import { merged } from '../../provider-utils/merged.js';
import { RecentResults } from '../../provider-utils/recent-results.js';
import type { CallOptions, ChatRequest, LanguageModel, Warning } from '../../spec/chat.js';
import type { EmbeddingModel } from '../../spec/embedding.js';
import { EmbeddingsNotSupportedError } from '../../spec/errors.js';
import type { ModelInfo, Provider, ProviderSettings } from '../../spec/provider.js';
import { openaiModelListSchema } from './openai-api.js';
import { OpenAICompatibleChatModel } from './openai-compatible-chat-model.js';
import { OpenAICompatibleEmbeddingModel } from './openai-compatible-embedding-model.js';

export interface OpenAICompatibleProviderSettings extends ProviderSettings {
  /** Provider id used in errors, warnings and model strings (`openai`, `groq`, `vllm`…). */
  name: string;
  /** Base URL including the version path, e.g. `https://api.openai.com/v1`. */
  baseURL: string;
  /** Environment variables tried for the key when `apiKey` is not given. */
  apiKeyEnvironmentVariables?: readonly string[];
  /** Local servers (vLLM, LM Studio, llama.cpp) need no key. */
  apiKeyRequired?: boolean;
  /** How the key is sent; `Authorization: Bearer` by default (Azure uses `api-key`). */
  authHeaders?: (apiKey: string) => Record<string, string>;
  /** Query string added to every URL (Azure's `api-version`). */
  queryParams?: Record<string, string>;
  chatPath?: (modelId: string) => string;
  embeddingsPath?: (modelId: string) => string;
  supportsEmbeddings?: boolean;
  /** Whether the vendor takes `dimensions`; a function decides per model (OpenAI: only text-embedding-3). */
  supportsDimensions?: boolean | ((modelId: string) => boolean);
  maxEmbeddingsPerCall?: number;
  streamUsage?: boolean;
  prepareBody?: (
    body: Record<string, unknown>,
    request: ChatRequest,
    stream: boolean,
  ) => Warning[] | Promise<Warning[]>;
  describeError?: (body: unknown) => { message?: string; code?: string };
  /** Reshapes a vendor's chat response body / stream chunk into the OpenAI shape before validation. */
  transformResponse?: (value: unknown, context: { request: ChatRequest; stream: boolean }) => unknown;
}

/**
 * An OpenAI-compatible provider (OpenAI, vLLM, LM Studio, llama.cpp, Together, Groq…): the base every
 * compatible vendor extends with its own settings and body adjustments.
 *
 * @example
 * const vllm = createOpenAICompatible({ name: 'vllm', baseURL: 'http://localhost:8000/v1', apiKeyRequired: false });
 * const result = await vllm.chatModel('meta-llama/Llama-3.1-8B-Instruct').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createOpenAICompatible(settings: OpenAICompatibleProviderSettings): Provider {
  const baseURL = withoutTrailingSlash(settings.baseURL);
  const query = settings.queryParams === undefined ? '' : `?${new URLSearchParams(settings.queryParams).toString()}`;
  // With a frozen environment (the gateway's snapshot) the credential cannot change: headers are built once.
  const environmentFixed = settings.env !== undefined && Object.isFrozen(settings.env);
  let fixedHeaders: Record<string, string> | undefined;
  const headers = (): Record<string, string> => {
    if (fixedHeaders !== undefined) return fixedHeaders;
    const built = buildHeaders();
    if (environmentFixed) fixedHeaders = Object.freeze(built);
    return built;
  };
  const buildHeaders = (): Record<string, string> => {
    const required = settings.apiKeyRequired ?? true;
    const names = settings.apiKeyEnvironmentVariables ?? [];
    let auth: Record<string, string> = {};
    if (required || settings.apiKey !== undefined || names.some((name) => (settings.env ?? process.env)[name])) {
      const apiKey = loadApiKey({
        apiKey: settings.apiKey,
        environmentVariableNames: names,
        provider: settings.name,
        env: settings.env,
      });
      auth = settings.authHeaders?.(apiKey) ?? { authorization: `Bearer ${apiKey}` };
    }
    return merged(auth, settings.headers);
  };
  const chatUrl = (modelId: string) => `${baseURL}${settings.chatPath?.(modelId) ?? '/chat/completions'}${query}`;
  const embeddingsUrl = (modelId: string) => `${baseURL}${settings.embeddingsPath?.(modelId) ?? '/embeddings'}${query}`;
  const chatConfig = {
    provider: settings.name,
    url: chatUrl,
    headers,
    dispatcher: settings.dispatcher,
    streamUsage: settings.streamUsage ?? true,
    prepareBody: settings.prepareBody,
    describeError: settings.describeError,
    transformResponse: settings.transformResponse,
  };
  // Models hold no state of their own: one per model id serves every request for it.
  const chatModels = new RecentResults<OpenAICompatibleChatModel>(256);
  const newChatModel = (modelId: string) => new OpenAICompatibleChatModel(modelId, chatConfig);
  return {
    id: settings.name,
    chatModel(modelId: string): LanguageModel {
      return chatModels.get(modelId, newChatModel);
    },
    embeddingModel(modelId: string): EmbeddingModel {
      if (settings.supportsEmbeddings === false) {
        throw new EmbeddingsNotSupportedError({
          message: `Embeddings are not supported by ${settings.name}`,
          provider: settings.name,
          model: modelId,
          param: 'model',
        });
      }
      return new OpenAICompatibleEmbeddingModel(modelId, {
        provider: settings.name,
        url: embeddingsUrl,
        headers,
        dispatcher: settings.dispatcher,
        maxEmbeddingsPerCall: settings.maxEmbeddingsPerCall,
        supportsDimensions:
          typeof settings.supportsDimensions === 'function'
            ? settings.supportsDimensions(modelId)
            : settings.supportsDimensions,
        describeError: settings.describeError,
      });
    },
    async listModels(options: CallOptions = {}): Promise<ModelInfo[]> {
      const response = await callJson({
        provider: settings.name,
        url: `${baseURL}/models${query}`,
        method: 'GET',
        headers: merged(headers(), options.headers),
        signal: options.signal,
        timeoutMs: options.timeoutMs ?? 10_000,
        dispatcher: settings.dispatcher,
      });
      const parsed = openaiModelListSchema.safeParse(response.value);
      if (!parsed.success) return [];
      return parsed.data.data.map((model) => {
        const info: ModelInfo = { id: model.id, provider: settings.name };
        if (model.owned_by) info.ownedBy = model.owned_by;
        if (model.created) info.created = model.created;
        return info;
      });
    },
    async checkHealth(options: CallOptions = {}): Promise<void> {
      await this.listModels?.({ ...options, timeoutMs: options.timeoutMs ?? 5_000 });
    },
  };
}
