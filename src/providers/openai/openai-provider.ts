import { loadSetting } from '../../provider-utils/api-key.js';
import type { Provider, ProviderSettings } from '../../spec/provider.js';
import { createOpenAICompatible } from '../openai-compatible/openai-compatible-provider.js';
import { needsOpenAIBodyChanges, prepareOpenAIBody } from './prepare-openai-body.js';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAIProviderSettings extends ProviderSettings {
  /** Sent as `OpenAI-Organization`; else `OPENAI_ORG_ID`. */
  organization?: string;
  /** Sent as `OpenAI-Project`; else `OPENAI_PROJECT_ID`. */
  project?: string;
}

/**
 * OpenAI's chat-completions and embeddings API. The key comes from `apiKey` or `OPENAI_API_KEY` at call time,
 * the base URL from `baseURL`, `OPENAI_BASE_URL` or `https://api.openai.com/v1`.
 *
 * @example
 * const openai = createOpenAI();
 * const result = await openai.chatModel('gpt-4.1-nano').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createOpenAI(settings: OpenAIProviderSettings = {}): Provider {
  const { organization, project, ...common } = settings;
  const baseURL =
    settings.baseURL ?? loadSetting(undefined, ['OPENAI_BASE_URL'], settings.env) ?? OPENAI_DEFAULT_BASE_URL;
  const shared = {
    ...common,
    name: 'openai',
    baseURL,
    apiKeyEnvironmentVariables: ['OPENAI_API_KEY'],
    authHeaders: (apiKey: string) => {
      const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
      const org = loadSetting(organization, ['OPENAI_ORG_ID', 'OPENAI_ORGANIZATION'], settings.env);
      const projectId = loadSetting(project, ['OPENAI_PROJECT_ID'], settings.env);
      if (org !== undefined) headers['openai-organization'] = org;
      if (projectId !== undefined) headers['openai-project'] = projectId;
      return headers;
    },
    maxEmbeddingsPerCall: 2048,
    // text-embedding-ada-002 rejects `dimensions`; the text-embedding-3 family takes it.
    supportsDimensions: (modelId: string) => !modelId.startsWith('text-embedding-ada'),
  };
  // Two instances so that models needing no adjustment keep the base's byte-for-byte forwarding of client bodies.
  const plain = createOpenAICompatible(shared);
  const adjusted = createOpenAICompatible({
    ...shared,
    prepareBody: (body) =>
      prepareOpenAIBody(body, { provider: 'openai', modelId: String(body.model), developerRole: true }),
  });
  return {
    ...plain,
    chatModel: (modelId) => (needsOpenAIBodyChanges(modelId) ? adjusted : plain).chatModel(modelId),
  };
}
