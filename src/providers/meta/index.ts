import type { ProviderDefinition } from '../provider-definition.js';
import { metaSettings } from '../provider-settings.js';
import { createMeta } from './meta-provider.js';

export { createMeta, META_DEFAULT_BASE_URL, type MetaProviderSettings } from './meta-provider.js';

/** A Meta Llama host: YAML `type: meta` (or `llama-api`) with an `endpoint` and `apiKey`. */
export const metaDefinition: ProviderDefinition = {
  id: 'meta',
  settingsSchema: metaSettings.schema,
  types: ['llama-api', 'meta-llama'],
  credentialVariables: ['META_API_KEY', 'LLAMA_API_KEY'],
  create: ({ options, ...settings }) => createMeta({ ...settings, endpoint: metaSettings.read(options).endpoint }),
};
