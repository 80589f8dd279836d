import { readFile } from 'node:fs/promises';
import { loadSetting, withoutTrailingSlash } from '../../provider-utils/api-key.js';
import { modelPathSegment } from '../../provider-utils/model-path.js';
import type { LanguageModel } from '../../spec/chat.js';
import type { EmbeddingModel } from '../../spec/embedding.js';
import { AuthenticationError } from '../../spec/errors.js';
import type { Provider, ProviderSettings } from '../../spec/provider.js';
import { type GeminiAction, GeminiChatModel } from './gemini-chat-model.js';
import { GeminiEmbeddingModel } from './gemini-embedding-model.js';
import { sharedThoughtSignatures } from './gemini-provider.js';
import { type GoogleCredentials, getGoogleAccessToken, googleCredentialsSchema } from './google-auth.js';
import type { ThoughtSignatureCache } from './thought-signature-cache.js';

export const VERTEX_CREDENTIAL_VARIABLES = [
  'GOOGLE_VERTEX_ACCESS_TOKEN',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_VERTEX_API_KEY',
] as const;

export interface VertexProviderSettings extends ProviderSettings {
  name?: string;
  /** GCP project; else `GOOGLE_VERTEX_PROJECT`, `GOOGLE_CLOUD_PROJECT`, or the service account's project. */
  projectId?: string;
  /** Region (`us-central1` by default, `GOOGLE_VERTEX_LOCATION`); `global` uses the global endpoint. */
  location?: string;
  /** A ready OAuth access token (else `GOOGLE_VERTEX_ACCESS_TOKEN`). */
  accessToken?: string;
  /** Service-account or authorized-user JSON (object or text); else the file in `GOOGLE_APPLICATION_CREDENTIALS`. */
  credentials?: GoogleCredentials | string;
  thoughtSignatures?: ThoughtSignatureCache;
}

/** Where a call's credentials come from; resolved before any network call. */
type VertexAuthSource =
  | { kind: 'access-token'; token: string }
  | { kind: 'credentials'; credentials: GoogleCredentials }
  | { kind: 'api-key'; apiKey: string };

function missingCredentials(name: string, message: string): AuthenticationError {
  return new AuthenticationError({ code: 'missing_credentials', message, provider: name, isRetryable: false });
}

function parseCredentials(value: unknown, source: string, name: string): GoogleCredentials {
  let json = value;
  if (typeof value === 'string') {
    try {
      json = JSON.parse(value);
    } catch {
      throw missingCredentials(name, `${name}: the credentials in ${source} are not JSON`);
    }
  }
  const parsed = googleCredentialsSchema.safeParse(json);
  if (!parsed.success) {
    throw missingCredentials(
      name,
      `${name}: the credentials in ${source} are neither a service account (client_email, private_key) nor an authorized user (refresh_token)`,
    );
  }
  return parsed.data;
}

/**
 * Vertex AI (Gemini models on Google Cloud). Auth, first found wins: an access token (`accessToken`,
 * `GOOGLE_VERTEX_ACCESS_TOKEN`) sent as Bearer; credentials (`credentials`, or the JSON file named by
 * `GOOGLE_APPLICATION_CREDENTIALS`) exchanged for cached access tokens; an API key (`apiKey`,
 * `GOOGLE_VERTEX_API_KEY`) in express mode. The base URL override (YAML `endpoint`) is either a host, to
 * which the project path is appended, or a full prefix ending in `/publishers/google`.
 *
 * @example
 * const vertex = createVertex({ projectId: 'my-project', location: 'europe-west4' });
 * const result = await vertex.chatModel('gemini-2.5-pro').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createVertex(settings: VertexProviderSettings = {}): Provider {
  const name = settings.name ?? 'vertex';
  const env = settings.env ?? process.env;
  const signatureCache = settings.thoughtSignatures ?? sharedThoughtSignatures;
  /** Parsed credential files by path: read once, not on every request. */
  const credentialFiles = new Map<string, GoogleCredentials>();

  const authSource = async (): Promise<VertexAuthSource> => {
    const token = loadSetting(settings.accessToken, ['GOOGLE_VERTEX_ACCESS_TOKEN'], env);
    if (token !== undefined) return { kind: 'access-token', token };
    if (settings.credentials !== undefined) {
      return {
        kind: 'credentials',
        credentials: parseCredentials(settings.credentials, 'the credentials option', name),
      };
    }
    const file = loadSetting(undefined, ['GOOGLE_APPLICATION_CREDENTIALS'], env);
    if (file !== undefined) {
      const known = credentialFiles.get(file);
      if (known !== undefined) return { kind: 'credentials', credentials: known };
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (cause) {
        throw missingCredentials(
          name,
          `${name}: cannot read GOOGLE_APPLICATION_CREDENTIALS file ${file}: ${String(cause)}`,
        );
      }
      const credentials = parseCredentials(text, file, name);
      credentialFiles.set(file, credentials);
      return { kind: 'credentials', credentials };
    }
    const apiKey = loadSetting(settings.apiKey, ['GOOGLE_VERTEX_API_KEY'], env);
    if (apiKey !== undefined) return { kind: 'api-key', apiKey };
    throw missingCredentials(
      name,
      `Missing credentials for ${name}: set ${VERTEX_CREDENTIAL_VARIABLES.join(' or ')}, or configure accessToken, credentials or apiKey for the backend`,
    );
  };

  const apiRoot = (source: VertexAuthSource): string => {
    const override = settings.baseURL === undefined ? undefined : withoutTrailingSlash(settings.baseURL);
    if (override?.includes('/publishers/')) return override;
    // Express mode keys are not bound to a project path.
    if (source.kind === 'api-key') return `${override ?? 'https://aiplatform.googleapis.com'}/v1/publishers/google`;
    const location =
      loadSetting(settings.location, ['GOOGLE_VERTEX_LOCATION', 'GOOGLE_CLOUD_LOCATION'], env) ?? 'us-central1';
    const host =
      override ??
      (location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`);
    const project =
      loadSetting(settings.projectId, ['GOOGLE_VERTEX_PROJECT', 'GOOGLE_CLOUD_PROJECT'], env) ??
      (source.kind === 'credentials' && source.credentials.type !== 'authorized_user'
        ? source.credentials.project_id
        : undefined);
    if (project === undefined) {
      throw missingCredentials(
        name,
        `Missing project for ${name}: set GOOGLE_VERTEX_PROJECT or GOOGLE_CLOUD_PROJECT, or configure projectId for the backend`,
      );
    }
    return `${host}/v1/projects/${project}/locations/${location}/publishers/google`;
  };

  const authHeaders = async (source: VertexAuthSource): Promise<Record<string, string>> => {
    if (source.kind === 'access-token') return { authorization: `Bearer ${source.token}` };
    if (source.kind === 'api-key') return { 'x-goog-api-key': source.apiKey };
    const { credentials } = source;
    const token = await getGoogleAccessToken(credentials, { provider: name, dispatcher: settings.dispatcher });
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    // User credentials bill the quota project they name, not the project in the URL.
    if (credentials.type === 'authorized_user' && credentials.quota_project_id !== undefined)
      headers['x-goog-user-project'] = credentials.quota_project_id;
    return headers;
  };

  const endpoint = async (modelId: string, method: string) => {
    const segment = modelPathSegment(modelId, name);
    const source = await authSource();
    const url = `${apiRoot(source)}/models/${segment}${method}`;
    return { url, headers: { ...(await authHeaders(source)), ...settings.headers } };
  };
  const methodSuffix = (action: GeminiAction) =>
    action === 'streamGenerateContent' ? ':streamGenerateContent?alt=sse' : ':generateContent';

  return {
    id: name,
    chatModel(modelId: string): LanguageModel {
      return new GeminiChatModel(modelId, {
        provider: name,
        endpoint: (model, action) => endpoint(model, methodSuffix(action)),
        dispatcher: settings.dispatcher,
        imageFetch: settings.imageFetch,
        signatureCache,
        vertex: true,
      });
    },
    embeddingModel(modelId: string): EmbeddingModel {
      return new GeminiEmbeddingModel(modelId, {
        provider: name,
        endpoint: (model) => endpoint(model, ':predict'),
        dispatcher: settings.dispatcher,
        vertex: true,
      });
    },
  };
}
