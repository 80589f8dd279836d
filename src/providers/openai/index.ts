import type { ProviderDefinition } from '../provider-definition.js';
import { openaiSettings } from '../provider-settings.js';
import { createOpenAI } from './openai-provider.js';

export { createOpenAI, OPENAI_DEFAULT_BASE_URL, type OpenAIProviderSettings } from './openai-provider.js';
export { isOpenAIReasoningModel, prepareOpenAIBody } from './prepare-openai-body.js';

/** OpenAI: `openai/<model>` or a bare `gpt-…`, `o3…`, `text-embedding-…` name. */
export const openaiDefinition: ProviderDefinition = {
  id: 'openai',
  settingsSchema: openaiSettings.schema,
  bareModels: [/^(gpt-|o1|o3|o4|chatgpt-|text-embedding-)/],
  credentialVariables: ['OPENAI_API_KEY'],
  create: ({ options, ...settings }) => {
    const { organization, project } = openaiSettings.read(options);
    return createOpenAI({ ...settings, organization, project });
  },
};
