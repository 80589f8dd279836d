import { loadSetting, withoutTrailingSlash } from '../../provider-utils/api-key.js';
import { modelPathSegment } from '../../provider-utils/model-path.js';
import { AuthenticationError, BadRequestError } from '../../spec/errors.js';
import type { Provider, ProviderSettings } from '../../spec/provider.js';
import { needsOpenAIBodyChanges, prepareOpenAIBody } from '../openai/prepare-openai-body.js';
import {
  createOpenAICompatible,
  type OpenAICompatibleProviderSettings,
} from '../openai-compatible/openai-compatible-provider.js';
import { describeAzureError } from './azure-error.js';

/** The newest generally available data-plane version of Azure OpenAI's deployments API. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

export interface AzureProviderSettings extends ProviderSettings {
  /** `https://<resource>.openai.azure.com` (`baseURL` is accepted too); else `AZURE_OPENAI_ENDPOINT`. */
  endpoint?: string;
  /** Builds `https://<resourceName>.openai.azure.com` when no endpoint is given. */
  resourceName?: string;
  /** The `api-version` query parameter; else `AZURE_OPENAI_API_VERSION`, else {@link AZURE_DEFAULT_API_VERSION}. */
  apiVersion?: string;
  /** Deployment used when the model string names none (`azure` instead of `azure/<deployment>`). */
  deploymentName?: string;
  /**
   * The OpenAI model behind the deployment (`o3-mini`, `gpt-5`…). Deployment names are free text, so this decides
   * whether reasoning-model adjustments apply; by default the deployment name itself is checked.
   */
  baseModel?: string;
}

const fromResourceName = (name: string | undefined) =>
  name === undefined ? undefined : `https://${name}.openai.azure.com`;

function resolveEndpoint(settings: AzureProviderSettings): string | undefined {
  const endpoint =
    loadSetting(settings.baseURL ?? settings.endpoint, [], settings.env) ??
    fromResourceName(loadSetting(settings.resourceName, [], settings.env)) ??
    loadSetting(undefined, ['AZURE_OPENAI_ENDPOINT'], settings.env) ??
    fromResourceName(loadSetting(undefined, ['AZURE_RESOURCE_NAME'], settings.env));
  // Endpoints are often pasted with the `/openai` path already on them.
  return endpoint === undefined ? undefined : withoutTrailingSlash(endpoint).replace(/\/openai$/, '');
}

/**
 * Azure OpenAI: `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…` with the key in
 * the `api-key` header. The endpoint and key are resolved when a model is first used, so a provider can be
 * created before its configuration is complete; missing pieces fail fast with the variable to set.
 *
 * @example
 * const azure = createAzure({ resourceName: 'my-resource', apiVersion: '2024-10-21' });
 * const result = await azure.chatModel('gpt-4o-prod').generate({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createAzure(settings: AzureProviderSettings = {}): Provider {
  const { endpoint: _endpoint, resourceName: _resource, apiVersion, deploymentName, baseModel, ...common } = settings;
  let instances: { plain: Provider; adjusted: Provider } | undefined;
  const resolve = () => {
    if (instances !== undefined) return instances;
    const endpoint = resolveEndpoint(settings);
    if (endpoint === undefined) {
      throw new AuthenticationError({
        code: 'missing_credentials',
        message:
          'Missing Azure OpenAI endpoint: set AZURE_OPENAI_ENDPOINT, or configure endpoint or resourceName for the backend',
        provider: 'azure',
        isRetryable: false,
      });
    }
    const version = loadSetting(apiVersion, ['AZURE_OPENAI_API_VERSION'], settings.env) ?? AZURE_DEFAULT_API_VERSION;
    const shared: OpenAICompatibleProviderSettings = {
      ...common,
      name: 'azure',
      baseURL: `${endpoint}/openai`,
      apiKeyEnvironmentVariables: ['AZURE_OPENAI_API_KEY', 'AZURE_API_KEY'],
      authHeaders: (apiKey) => ({ 'api-key': apiKey }),
      queryParams: { 'api-version': version },
      chatPath: (deployment) => `/deployments/${modelPathSegment(deployment, 'azure')}/chat/completions`,
      embeddingsPath: (deployment) => `/deployments/${modelPathSegment(deployment, 'azure')}/embeddings`,
      maxEmbeddingsPerCall: 2048,
      describeError: describeAzureError,
    };
    instances = {
      plain: createOpenAICompatible(shared),
      adjusted: createOpenAICompatible({
        ...shared,
        // Azure keeps `system`: `developer` needs a preview api-version there.
        prepareBody: (body) =>
          prepareOpenAIBody(body, {
            provider: 'azure',
            modelId: baseModel ?? String(body.model),
            developerRole: false,
          }),
      }),
    };
    return instances;
  };
  const deploymentFor = (modelId: string): string => {
    const deployment = modelId !== '' ? modelId : deploymentName;
    if (deployment === undefined || deployment === '') {
      throw new BadRequestError({
        message: 'Azure OpenAI needs a deployment: use the model string azure/<deployment> or configure deploymentName',
        provider: 'azure',
        param: 'model',
        isRetryable: false,
      });
    }
    return deployment;
  };
  return {
    id: 'azure',
    chatModel(modelId) {
      const deployment = deploymentFor(modelId);
      const { plain, adjusted } = resolve();
      return (needsOpenAIBodyChanges(baseModel ?? deployment) ? adjusted : plain).chatModel(deployment);
    },
    embeddingModel(modelId) {
      return resolve().plain.embeddingModel(deploymentFor(modelId));
    },
    // Azure lists the models available to the resource at `/openai/models?api-version=…`.
    listModels: async (options) => (await resolve().plain.listModels?.(options)) ?? [],
    checkHealth: async (options) => {
      await resolve().plain.checkHealth?.(options);
    },
  };
}
