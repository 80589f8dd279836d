import { type ProviderCreateOptions, type ProviderDefinition, stringOption } from '../provider-definition.js';
import { googleSettingsSchema } from '../provider-settings.js';
import { createGemini, GEMINI_API_KEY_VARIABLES } from './gemini-provider.js';
import type { GoogleCredentials } from './google-auth.js';
import { createVertex, VERTEX_CREDENTIAL_VARIABLES } from './vertex-provider.js';

export {
  createGemini,
  DEFAULT_GEMINI_BASE_URL,
  type GeminiProviderSettings,
  geminiModelPath,
} from './gemini-provider.js';
export { clearGoogleTokenCache, type GoogleCredentials } from './google-auth.js';
export { ThoughtSignatureCache } from './thought-signature-cache.js';
export { createVertex, type VertexProviderSettings } from './vertex-provider.js';

function credentialsOption(
  options: Readonly<Record<string, unknown>> | undefined,
): GoogleCredentials | string | undefined {
  const value = options?.credentials ?? options?.serviceAccount;
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'object' && value !== null) return value as GoogleCredentials;
  return undefined;
}

function createVertexFromOptions(options: ProviderCreateOptions, name: string) {
  const config = options.options;
  return createVertex({
    ...options,
    name,
    projectId: stringOption(config, 'projectId', 'project', 'project_id'),
    location: stringOption(config, 'location', 'region'),
    accessToken: stringOption(config, 'accessToken'),
    credentials: credentialsOption(config),
  });
}

/**
 * Gemini API (Google AI Studio). A YAML backend of type `google` whose config names both `projectId` and
 * `location` is a Vertex AI backend instead.
 */
export const geminiDefinition: ProviderDefinition = {
  id: 'gemini',
  settingsSchema: googleSettingsSchema,
  types: ['google', 'gemini', 'google-ai-studio'],
  bareModels: [/^gemini-/],
  credentialVariables: GEMINI_API_KEY_VARIABLES,
  create: (options) => {
    const config = options.options;
    if (stringOption(config, 'projectId', 'project') !== undefined && stringOption(config, 'location', 'region'))
      return createVertexFromOptions(options, 'vertex');
    return createGemini({ ...options, name: 'gemini' });
  },
};

/** Vertex AI (Gemini on Google Cloud): project, location, and an access token or service-account credentials. */
export const vertexDefinition: ProviderDefinition = {
  id: 'vertex',
  settingsSchema: googleSettingsSchema,
  types: ['vertex', 'vertex-ai', 'vertex_ai', 'google-vertex'],
  credentialVariables: VERTEX_CREDENTIAL_VARIABLES,
  create: (options) => createVertexFromOptions(options, 'vertex'),
};
