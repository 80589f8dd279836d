import type { ProviderDefinition } from '../provider-definition.js';
import { bedrockSettings } from '../provider-settings.js';
import { type BedrockProviderSettings, createBedrock } from './bedrock-provider.js';

export { type BedrockProviderSettings, createBedrock } from './bedrock-provider.js';

/**
 * Amazon Bedrock (Converse API). Backend `config:` keys: `region`, `endpoint`, `accessKeyId`,
 * `secretAccessKey`, `sessionToken`; `apiKey` is a Bedrock API key.
 */
export const bedrockDefinition: ProviderDefinition = {
  id: 'bedrock',
  settingsSchema: bedrockSettings.schema,
  types: ['aws-bedrock', 'amazon-bedrock'],
  credentialVariables: ['AWS_ACCESS_KEY_ID', 'AWS_BEARER_TOKEN_BEDROCK'],
  create: (options) => {
    const settings: BedrockProviderSettings = { ...options };
    const { endpoint, region, accessKeyId, secretAccessKey, sessionToken } = bedrockSettings.read(options.options);
    const baseURL = options.baseURL ?? endpoint;
    if (baseURL !== undefined) settings.baseURL = baseURL;
    if (region !== undefined) settings.region = region;
    if (accessKeyId !== undefined) settings.accessKeyId = accessKeyId;
    if (secretAccessKey !== undefined) settings.secretAccessKey = secretAccessKey;
    if (sessionToken !== undefined) settings.sessionToken = sessionToken;
    return createBedrock(settings);
  },
};
