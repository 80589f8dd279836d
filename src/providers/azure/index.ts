import type { ProviderDefinition } from '../provider-definition.js';
import { azureSettings } from '../provider-settings.js';
import { createAzure } from './azure-provider.js';

export { AZURE_DEFAULT_API_VERSION, type AzureProviderSettings, createAzure } from './azure-provider.js';

/** Azure OpenAI: `azure/<deployment>`; YAML `type: azure` or `azure-openai`. */
export const azureDefinition: ProviderDefinition = {
  id: 'azure',
  settingsSchema: azureSettings.schema,
  types: ['azure-openai'],
  credentialVariables: ['AZURE_OPENAI_API_KEY'],
  create: ({ options, ...settings }) => {
    const { endpoint, resourceName, apiVersion, deploymentName, baseModel } = azureSettings.read(options);
    return createAzure({ ...settings, endpoint, resourceName, apiVersion, deploymentName, baseModel });
  },
};
