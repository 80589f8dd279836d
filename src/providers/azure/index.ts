import { type ProviderDefinition, stringOption, stringSettings } from '../provider-definition.js';
import { createAzure } from './azure-provider.js';

export { AZURE_DEFAULT_API_VERSION, type AzureProviderSettings, createAzure } from './azure-provider.js';

/** Azure OpenAI: `azure/<deployment>`; YAML `type: azure` or `azure-openai`. */
export const azureDefinition: ProviderDefinition = {
  id: 'azure',
  settingsSchema: stringSettings(
    'endpoint',
    'apiBase',
    'api_base',
    'resourceName',
    'resource_name',
    'resource',
    'apiVersion',
    'api_version',
    'deploymentName',
    'deployment_name',
    'deployment',
    'baseModel',
    'base_model',
  ),
  types: ['azure-openai'],
  credentialVariables: ['AZURE_OPENAI_API_KEY'],
  // A request that names the backend (`my-azure`) is served by its configured deployment.
  implicitDefaultModel: (options) => stringOption(options, 'deploymentName', 'deployment_name', 'deployment'),
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
