import type { ProviderCreateOptions, ProviderDefinition } from '../provider-definition.js';
import { googleSettings } from '../provider-settings.js';
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

function createVertexFromOptions(options: ProviderCreateOptions, name: string) {
  const { projectId, location, accessToken, credentials } = googleSettings.read(options.options);
  return createVertex({
    ...options,
    name,
    projectId,
    location,
    accessToken,
    // The schema checked it is a path or an object; the key's own fields are checked when a token is minted.
    credentials: credentials as GoogleCredentials | string | undefined,
  });
}

/**
 * Gemini API (Google AI Studio). A YAML backend of type `google` whose config names both `projectId` and
 * `location` is a Vertex AI backend instead.
 */
export const geminiDefinition: ProviderDefinition = {
  id: 'gemini',
  settingsSchema: googleSettings.schema,
  types: ['google', 'gemini', 'google-ai-studio'],
  bareModels: [/^gemini-/],
  credentialVariables: GEMINI_API_KEY_VARIABLES,
  create: (options) => {
    const { projectId, location } = googleSettings.read(options.options);
    if (projectId !== undefined && location !== undefined) return createVertexFromOptions(options, 'vertex');
    return createGemini({ ...options, name: 'gemini' });
  },
};

/** Vertex AI (Gemini on Google Cloud): project, location, and an access token or service-account credentials. */
export const vertexDefinition: ProviderDefinition = {
  id: 'vertex',
  settingsSchema: googleSettings.schema,
  types: ['vertex', 'vertex-ai', 'vertex_ai', 'google-vertex'],
  credentialVariables: VERTEX_CREDENTIAL_VARIABLES,
  create: (options) => createVertexFromOptions(options, 'vertex'),
};
