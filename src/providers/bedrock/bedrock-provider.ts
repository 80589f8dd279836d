import { withoutTrailingSlash } from '../../provider-utils/api-key.js';
import type { LanguageModel } from '../../spec/chat.js';
import type { EmbeddingModel } from '../../spec/embedding.js';
import type { Provider, ProviderSettings } from '../../spec/provider.js';
import {
  authorizeBedrockCall,
  type BedrockCredentialSettings,
  requireRegion,
  resolveBedrockCredentials,
  resolveBedrockRegion,
} from './bedrock-auth.js';
import { BedrockChatModel } from './bedrock-chat-model.js';
import { BedrockEmbeddingModel } from './bedrock-embedding-model.js';
import type { BedrockCall, BedrockModelConfig } from './bedrock-model-config.js';

export interface BedrockProviderSettings extends ProviderSettings {
  /** Provider id used in errors and model strings; `bedrock` by default. */
  name?: string;
  /** AWS region (else `AWS_REGION`, `AWS_DEFAULT_REGION`, or the region in `baseURL`). */
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /**
   * A Bedrock API key, sent as `Authorization: Bearer` instead of a SigV4 signature
   * (else `AWS_BEARER_TOKEN_BEDROCK`).
   */
  apiKey?: string;
  /** Endpoint override (VPC endpoint, FIPS, a proxy); `https://bedrock-runtime.{region}.amazonaws.com` by default. */
  baseURL?: string;
}

/**
 * Amazon Bedrock through the Converse / ConverseStream API (every chat model Bedrock serves), plus Titan and
 * Cohere embeddings through InvokeModel. Calls are SigV4-signed with access keys, or carry a Bedrock API key.
 * Credentials and region are read at call time, so a missing variable fails the call, not the startup.
 *
 * Mapping notes: `reasoningEffort` on Claude 3.7+ becomes `additionalModelRequestFields.thinking` with the
 * budget in `CLAUDE_THINKING_BUDGETS` (minimal 1024 … high 16384 tokens, added on top of `maxTokens`);
 * other models get a warning.
 * `response_format` json_schema / json_object rides on a tool named `json` the model must call; its input is
 * returned as the message content (finish `stop`), and text the model wrote around it is dropped.
 *
 * @example
 * const bedrock = createBedrock({ region: 'us-east-1' });
 * const result = await bedrock
 *   .chatModel('anthropic.claude-3-5-haiku-20241022-v1:0')
 *   .generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createBedrock(settings: BedrockProviderSettings = {}): Provider {
  const provider = settings.name ?? 'bedrock';
  const credentialSettings: BedrockCredentialSettings = {
    apiKey: settings.apiKey,
    accessKeyId: settings.accessKeyId,
    secretAccessKey: settings.secretAccessKey,
    sessionToken: settings.sessionToken,
    region: settings.region,
    env: settings.env,
  };
  const prepareCall = async (path: string, body: string, accept: string): Promise<BedrockCall> => {
    const credentials = resolveBedrockCredentials(credentialSettings, provider);
    const region = resolveBedrockRegion(credentialSettings, settings.baseURL);
    const baseURL =
      settings.baseURL === undefined
        ? `https://bedrock-runtime.${requireRegion(region, provider)}.amazonaws.com`
        : withoutTrailingSlash(settings.baseURL);
    const url = `${baseURL}${path}`;
    const signedHeaders = await authorizeBedrockCall(
      { url, body, headers: { 'content-type': 'application/json', accept } },
      credentials,
      region,
      provider,
    );
    return { url, headers: { ...settings.headers, ...signedHeaders } };
  };
  const config: BedrockModelConfig = { provider, prepareCall };
  if (settings.dispatcher !== undefined) config.dispatcher = settings.dispatcher;
  if (settings.imageFetch !== undefined) config.imageFetch = settings.imageFetch;
  return {
    id: provider,
    chatModel(modelId: string): LanguageModel {
      return new BedrockChatModel(modelId, config);
    },
    embeddingModel(modelId: string): EmbeddingModel {
      return new BedrockEmbeddingModel(modelId, config);
    },
  };
}
