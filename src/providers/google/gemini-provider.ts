import { loadApiKey, loadSetting, withoutTrailingSlash } from '../../provider-utils/api-key.js';
import { callJson } from '../../provider-utils/http-client.js';
import { merged } from '../../provider-utils/merged.js';
import { modelPathSegment, modelResourcePath } from '../../provider-utils/model-path.js';
import type { CallOptions, LanguageModel } from '../../spec/chat.js';
import type { EmbeddingModel } from '../../spec/embedding.js';
import type { ModelInfo, Provider, ProviderSettings } from '../../spec/provider.js';
import { geminiModelListSchema } from './gemini-api.js';
import { type GeminiAction, GeminiChatModel } from './gemini-chat-model.js';
import { GeminiEmbeddingModel } from './gemini-embedding-model.js';
import { describeGeminiError, refineGeminiError } from './gemini-error.js';
import { ThoughtSignatureCache } from './thought-signature-cache.js';

export const GEMINI_API_KEY_VARIABLES = ['GEMINI_API_KEY', 'GOOGLE_API_KEY'] as const;
export const DEFAULT_GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';

/** One process-wide store: tool-call ids are random, so providers can share it safely. */
export const sharedThoughtSignatures = new ThoughtSignatureCache();

export interface GeminiProviderSettings extends ProviderSettings {
  /** Provider id in errors and model strings; `gemini` by default. */
  name?: string;
  /** Where thought signatures of returned tool calls are kept; a process-wide store by default. */
  thoughtSignatures?: ThoughtSignatureCache;
}

/** `gemini-2.5-flash` → `models/gemini-2.5-flash`; full resource names (`tunedModels/…`) are kept. */
export function geminiModelPath(modelId: string, provider = 'gemini'): string {
  return modelId.includes('/') ? modelResourcePath(modelId, provider) : `models/${modelPathSegment(modelId, provider)}`;
}

function methodSuffix(action: GeminiAction): string {
  return action === 'streamGenerateContent' ? ':streamGenerateContent?alt=sse' : ':generateContent';
}

/**
 * The Gemini API (Google AI Studio): key from `GEMINI_API_KEY` or `GOOGLE_API_KEY` (sent as
 * `x-goog-api-key`), base URL from `GEMINI_BASE_URL`.
 *
 * @example
 * const gemini = createGemini({ apiKey: process.env.GEMINI_API_KEY });
 * const result = await gemini.chatModel('gemini-2.5-flash').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createGemini(settings: GeminiProviderSettings = {}): Provider {
  const name = settings.name ?? 'gemini';
  const env = settings.env ?? process.env;
  const signatureCache = settings.thoughtSignatures ?? sharedThoughtSignatures;
  const baseURL = () =>
    withoutTrailingSlash(loadSetting(settings.baseURL, ['GEMINI_BASE_URL'], env) ?? DEFAULT_GEMINI_BASE_URL);
  const headers = (): Record<string, string> => {
    const apiKey = loadApiKey({
      apiKey: settings.apiKey,
      environmentVariableNames: GEMINI_API_KEY_VARIABLES,
      provider: name,
      env,
    });
    return { 'x-goog-api-key': apiKey, ...settings.headers };
  };
  return {
    id: name,
    chatModel(modelId: string): LanguageModel {
      return new GeminiChatModel(modelId, {
        provider: name,
        endpoint: async (model, action) => ({
          headers: headers(),
          url: `${baseURL()}/${geminiModelPath(model, name)}${methodSuffix(action)}`,
        }),
        dispatcher: settings.dispatcher,
        imageFetch: settings.imageFetch,
        signatureCache,
        vertex: false,
      });
    },
    embeddingModel(modelId: string): EmbeddingModel {
      return new GeminiEmbeddingModel(modelId, {
        provider: name,
        endpoint: async (model) => ({
          headers: headers(),
          url: `${baseURL()}/${geminiModelPath(model, name)}:batchEmbedContents`,
        }),
        modelResource: (model) => geminiModelPath(model, name),
        dispatcher: settings.dispatcher,
        vertex: false,
      });
    },
    async listModels(options: CallOptions = {}): Promise<ModelInfo[]> {
      const models: ModelInfo[] = [];
      let pageToken: string | undefined;
      // Gemini pages its model list; a bounded number of pages guards against a token that never ends.
      for (let page = 0; page < 20; page++) {
        const query = new URLSearchParams({ pageSize: '1000' });
        if (pageToken !== undefined) query.set('pageToken', pageToken);
        let value: unknown;
        try {
          const response = await callJson({
            provider: name,
            url: `${baseURL()}/models?${query.toString()}`,
            method: 'GET',
            headers: merged(headers(), options.headers),
            signal: options.signal,
            timeoutMs: options.timeoutMs ?? 10_000,
            dispatcher: settings.dispatcher,
            describeError: describeGeminiError,
          });
          value = response.value;
        } catch (error) {
          throw refineGeminiError(error);
        }
        const parsed = geminiModelListSchema.safeParse(value);
        if (!parsed.success) break;
        for (const model of parsed.data.models ?? []) {
          const methods = model.supportedGenerationMethods ?? [];
          const info: ModelInfo = { id: model.name.replace(/^models\//, ''), provider: name, ownedBy: 'google' };
          if (methods.includes('generateContent')) info.kind = 'chat';
          else if (methods.includes('embedContent') || methods.includes('batchEmbedContents')) info.kind = 'embedding';
          const details: Record<string, unknown> = {};
          if (model.displayName) details.displayName = model.displayName;
          if (model.inputTokenLimit) details.inputTokenLimit = model.inputTokenLimit;
          if (model.outputTokenLimit) details.outputTokenLimit = model.outputTokenLimit;
          if (methods.length > 0) details.supportedGenerationMethods = methods;
          if (Object.keys(details).length > 0) info.details = details;
          models.push(info);
        }
        pageToken = parsed.data.nextPageToken ?? undefined;
        if (!pageToken) break;
      }
      return models;
    },
    async checkHealth(options: CallOptions = {}): Promise<void> {
      await this.listModels?.({ ...options, timeoutMs: options.timeoutMs ?? 5_000 });
    },
  };
}
