import { loadSetting, withoutTrailingSlash } from '../../provider-utils/api-key.js';
import type { Provider, ProviderSettings } from '../../spec/provider.js';
import { createOpenAICompatible } from '../openai-compatible/openai-compatible-provider.js';

/** Gatewayz's API root; its OpenAI-compatible routes live under `/v1`. */
export const GATEWAYZ_DEFAULT_BASE_URL = 'https://api.gatewayz.com';

/**
 * The OpenAI-compatible base for a Gatewayz root. The documented base (`GATEWAYZ_API_BASE`) is the host
 * without `/v1`; a base that already ends in `/v1` is taken as is, so both spellings work.
 */
export function gatewayzApiBase(root: string): string {
  const base = withoutTrailingSlash(root);
  return base.endsWith('/v1') ? base : `${base}/v1`;
}

/**
 * Gatewayz, a multi-provider gateway with an OpenAI-compatible chat API (model ids like `openai/gpt-4o`).
 * Key from `apiKey` or `GATEWAYZ_API_KEY`; root from `baseURL`, `GATEWAYZ_API_BASE` or the public API.
 * No embeddings.
 *
 * @example
 * const gatewayz = createGatewayz();
 * const result = await gatewayz.chatModel('openai/gpt-4o-mini').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createGatewayz(settings: ProviderSettings = {}): Provider {
  const root = loadSetting(settings.baseURL, ['GATEWAYZ_API_BASE'], settings.env) ?? GATEWAYZ_DEFAULT_BASE_URL;
  return createOpenAICompatible({
    ...settings,
    name: 'gatewayz',
    baseURL: gatewayzApiBase(root),
    apiKeyEnvironmentVariables: ['GATEWAYZ_API_KEY'],
    supportsEmbeddings: false,
  });
}
