import { type ProviderDefinition, stringOption } from '../provider-definition.js';
import { bedrockSettingsSchema } from '../provider-settings.js';
import { type BedrockProviderSettings, createBedrock } from './bedrock-provider.js';

export { type BedrockProviderSettings, createBedrock } from './bedrock-provider.js';

/**
 * Amazon Bedrock (Converse API). Backend `config:` keys: `region`, `endpoint`, `accessKeyId`,
 * `secretAccessKey`, `sessionToken`; `apiKey` is a Bedrock API key.
 */
export const bedrockDefinition: ProviderDefinition = {
  id: 'bedrock',
  settingsSchema: bedrockSettingsSchema,
  types: ['aws-bedrock', 'amazon-bedrock'],
  credentialVariables: ['AWS_ACCESS_KEY_ID', 'AWS_BEARER_TOKEN_BEDROCK'],
  create: (options) => {
    const settings: BedrockProviderSettings = { ...options };
    const extra = options.options;
    const baseURL = options.baseURL ?? stringOption(extra, 'endpoint', 'baseURL');
    if (baseURL !== undefined) settings.baseURL = baseURL;
    const region = stringOption(extra, 'region');
    if (region !== undefined) settings.region = region;
    const accessKeyId = stringOption(extra, 'accessKeyId', 'access_key_id');
    if (accessKeyId !== undefined) settings.accessKeyId = accessKeyId;
    const secretAccessKey = stringOption(extra, 'secretAccessKey', 'secret_access_key');
    if (secretAccessKey !== undefined) settings.secretAccessKey = secretAccessKey;
    const sessionToken = stringOption(extra, 'sessionToken', 'session_token');
    if (sessionToken !== undefined) settings.sessionToken = sessionToken;
    return createBedrock(settings);
  },
};
