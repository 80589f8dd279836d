import { loadApiKey, loadSetting, withoutTrailingSlash } from '../../provider-utils/api-key.js';
import { callJson } from '../../provider-utils/http-client.js';
import { merged } from '../../provider-utils/merged.js';
import type { CallOptions, ChatRequest, LanguageModel } from '../../spec/chat.js';
import type { EmbeddingModel } from '../../spec/embedding.js';
import { EmbeddingsNotSupportedError, ProviderAPIError } from '../../spec/errors.js';
import type { ModelInfo, Provider, ProviderSettings } from '../../spec/provider.js';
import {
  ANTHROPIC_VERSION,
  anthropicCountTokensSchema,
  anthropicModelListSchema,
  describeAnthropicError,
} from './anthropic-api.js';
import { ANTHROPIC_MESSAGES_FORMAT, AnthropicChatModel } from './anthropic-chat-model.js';
import { convertToAnthropicRequest, DEFAULT_MAX_TOKENS } from './convert-to-anthropic-request.js';

export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com/v1';

export interface AnthropicProviderSettings extends ProviderSettings {
  /** `max_tokens` for requests that set none (Anthropic requires one); 4096 by default. */
  defaultMaxTokens?: number;
  /** The `anthropic-version` header; `2023-06-01` by default. */
  anthropicVersion?: string;
}

/** Pages of `GET /models` read at most: Anthropic lists a few dozen models, this only bounds a runaway. */
const MAX_MODEL_PAGES = 10;

/**
 * Anthropic's Messages API. The key comes from `apiKey` or `ANTHROPIC_API_KEY` (read at call time), the base
 * URL from `baseURL`, `ANTHROPIC_BASE_URL` or the public API.
 *
 * @example
 * const anthropic = createAnthropic({ apiKey: process.env.ANTHROPIC_API_KEY });
 * const result = await anthropic.chatModel('claude-sonnet-4-5').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
/**
 * The body of `POST /messages/count_tokens`: an Anthropic client's own body (bytes when the model is the one
 * it named), else the converted request without the fields counting does not take.
 */
function countTokensBody(
  request: ChatRequest,
  modelId: string,
  options: CallOptions,
  defaultMaxTokens: number,
): { body: Record<string, unknown> | Uint8Array; headers: Record<string, string> | undefined } {
  const passthrough = options.passthrough;
  if (passthrough?.format === ANTHROPIC_MESSAGES_FORMAT) {
    const unchanged = passthrough.body.model === modelId && passthrough.bytes !== undefined;
    const body = unchanged ? (passthrough.bytes as Uint8Array) : { ...passthrough.body, model: modelId };
    return { body, headers: passthrough.headers };
  }
  const converted = convertToAnthropicRequest(request, modelId, false, { provider: 'anthropic', defaultMaxTokens });
  const { max_tokens: _maxTokens, stream: _stream, metadata: _metadata, ...rest } = converted.body;
  return { body: rest, headers: converted.headers };
}

export function createAnthropic(settings: AnthropicProviderSettings = {}): Provider {
  const provider = 'anthropic';
  const defaultMaxTokens = settings.defaultMaxTokens ?? DEFAULT_MAX_TOKENS;
  const baseURL = withoutTrailingSlash(
    loadSetting(settings.baseURL, ['ANTHROPIC_BASE_URL'], settings.env ?? process.env) ?? DEFAULT_ANTHROPIC_BASE_URL,
  );
  const headers = (): Record<string, string> => {
    const apiKey = loadApiKey({
      apiKey: settings.apiKey,
      environmentVariableNames: ['ANTHROPIC_API_KEY'],
      provider,
      env: settings.env,
    });
    return {
      'x-api-key': apiKey,
      'anthropic-version': settings.anthropicVersion ?? ANTHROPIC_VERSION,
      ...settings.headers,
    };
  };
  const getModels = (query: Record<string, string>, options: CallOptions, timeoutMs: number) =>
    callJson({
      provider,
      url: `${baseURL}/models?${new URLSearchParams(query).toString()}`,
      method: 'GET',
      headers: merged(headers(), options.headers),
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? timeoutMs,
      dispatcher: settings.dispatcher,
      describeError: describeAnthropicError,
    });

  return {
    id: provider,
    chatModel(modelId: string): LanguageModel {
      return new AnthropicChatModel(modelId, {
        provider,
        baseURL,
        headers,
        dispatcher: settings.dispatcher,
        defaultMaxTokens,
      });
    },
    embeddingModel(modelId: string): EmbeddingModel {
      throw new EmbeddingsNotSupportedError({
        message: 'Embeddings are not supported by anthropic',
        provider,
        model: modelId,
        param: 'model',
        isRetryable: false,
      });
    },
    async listModels(options: CallOptions = {}): Promise<ModelInfo[]> {
      const models: ModelInfo[] = [];
      let afterId: string | undefined;
      for (let page = 0; page < MAX_MODEL_PAGES; page++) {
        const query: Record<string, string> = { limit: '1000' };
        if (afterId !== undefined) query.after_id = afterId;
        const response = await getModels(query, options, 10_000);
        const parsed = anthropicModelListSchema.safeParse(response.value);
        if (!parsed.success) break;
        for (const model of parsed.data.data) {
          const info: ModelInfo = { id: model.id, provider, ownedBy: 'anthropic', kind: 'chat' };
          const created = model.created_at ? Date.parse(model.created_at) : Number.NaN;
          if (!Number.isNaN(created)) info.created = Math.floor(created / 1000);
          if (model.display_name) info.details = { displayName: model.display_name };
          models.push(info);
        }
        if (!parsed.data.has_more || !parsed.data.last_id) break;
        afterId = parsed.data.last_id;
      }
      return models;
    },
    async checkHealth(options: CallOptions = {}): Promise<void> {
      await getModels({ limit: '1' }, options, 5_000);
    },
    async countTokens(modelId: string, request: ChatRequest, options: CallOptions = {}): Promise<number> {
      const prepared = countTokensBody(request, modelId, options, defaultMaxTokens);
      const response = await callJson({
        provider,
        model: modelId,
        url: `${baseURL}/messages/count_tokens`,
        headers: merged(headers(), prepared.headers, options.headers),
        body: prepared.body,
        signal: options.signal,
        timeoutMs: options.timeoutMs ?? 10_000,
        dispatcher: settings.dispatcher,
        describeError: describeAnthropicError,
      });
      const parsed = anthropicCountTokensSchema.safeParse(response.value);
      if (!parsed.success) {
        throw new ProviderAPIError({
          message: `${provider} returned an unexpected token count`,
          provider,
          model: modelId,
          upstream: { status: response.status, body: response.value },
        });
      }
      return parsed.data.input_tokens;
    },
  };
}
