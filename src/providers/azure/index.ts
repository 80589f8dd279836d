import { type ProviderDefinition, stringOption } from '../provider-definition.js';
import { azureSettingsSchema } from '../provider-settings.js';
import { createAzure } from './azure-provider.js';

export { AZURE_DEFAULT_API_VERSION, type AzureProviderSettings, createAzure } from './azure-provider.js';

/** Azure OpenAI: `azure/<deployment>`; YAML `type: azure` or `azure-openai`. */
export const azureDefinition: ProviderDefinition = {
  id: 'azure',
  settingsSchema: azureSettingsSchema,
  types: ['azure-openai'],
  credentialVariables: ['AZURE_OPENAI_API_KEY'],
  create: ({ options, ...settings }) =>
    createAzure({
      ...settings,
      endpoint: stringOption(options, 'endpoint', 'apiBase', 'api_base'),
      resourceName: stringOption(options, 'resourceName', 'resource_name', 'resource'),
      apiVersion: stringOption(options, 'apiVersion', 'api_version'),
      deploymentName: stringOption(options, 'deploymentName', 'deployment_name', 'deployment'),
      baseModel: stringOption(options, 'baseModel', 'base_model'),
    }),
};
