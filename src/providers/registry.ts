/**
 * Every provider LlamaGate knows. Adapters register here with one line; the router, the server's
 * `/v1/models` and the library all find providers through this list.
 */

import { lazyProvider } from '../provider-utils/lazy-provider.js';
import { RecentResults } from '../provider-utils/recent-results.js';
import type { ProviderCreateOptions, ProviderDefinition } from './provider-definition.js';
import {
  anthropicSettings,
  azureSettings,
  bedrockSettings,
  googleSettings,
  metaSettings,
  openaiSettings,
} from './provider-settings.js';

/**
 * What finding a provider needs (id, YAML types, bare model names, credential variables), kept here so the
 * adapter's own module (`./<id>/index.js`, with its `create`) is imported only when a provider is first used.
 * `registry.test.ts` checks these against the adapters' definitions.
 */
interface LazyDefinition extends Omit<ProviderDefinition, 'create'> {
  load: () => Promise<ProviderDefinition>;
  /** The created provider's id when it differs from `id` (a `google` backend with a project is Vertex AI). */
  providerId?: (options: ProviderCreateOptions) => string;
}

function hasVertexSettings(options: ProviderCreateOptions): boolean {
  const { projectId, location } = googleSettings.read(options.options);
  return projectId !== undefined && location !== undefined;
}

const lazyDefinitions: readonly LazyDefinition[] = [
  {
    id: 'openai-compatible',
    types: ['vllm', 'lmstudio', 'llamacpp', 'llama.cpp', 'localai', 'tgi'],
    load: async () => (await import('./openai-compatible/index.js')).openaiCompatibleDefinition,
  },
  {
    id: 'groq',
    credentialVariables: ['GROQ_API_KEY'],
    load: async () => (await import('./groq/index.js')).groqDefinition,
  },
  {
    id: 'mistral',
    types: ['mistralai'],
    bareModels: [/^(?:mistral|magistral|codestral|ministral|pixtral|devstral|open-mistral|open-mixtral)-/],
    credentialVariables: ['MISTRAL_API_KEY'],
    load: async () => (await import('./mistral/index.js')).mistralDefinition,
  },
  {
    id: 'deepseek',
    bareModels: [/^deepseek-(?:chat|reasoner)$/],
    credentialVariables: ['DEEPSEEK_API_KEY'],
    load: async () => (await import('./deepseek/index.js')).deepseekDefinition,
  },
  { id: 'ollama', types: ['ollama'], load: async () => (await import('./ollama/index.js')).ollamaDefinition },
  {
    id: 'cohere',
    bareModels: [/^command(?:-|$)/, /^embed-(?:english|multilingual|v\d)/, /^c4ai-aya-/],
    load: async () => (await import('./cohere/index.js')).cohereDefinition,
  },
  {
    id: 'gemini',
    settingsSchema: googleSettings.schema,
    types: ['google', 'gemini', 'google-ai-studio'],
    bareModels: [/^gemini-/],
    credentialVariables: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
    load: async () => (await import('./google/index.js')).geminiDefinition,
    providerId: (options) => (hasVertexSettings(options) ? 'vertex' : 'gemini'),
  },
  {
    id: 'vertex',
    settingsSchema: googleSettings.schema,
    types: ['vertex', 'vertex-ai', 'vertex_ai', 'google-vertex'],
    credentialVariables: ['GOOGLE_VERTEX_ACCESS_TOKEN', 'GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_VERTEX_API_KEY'],
    load: async () => (await import('./google/index.js')).vertexDefinition,
  },
  {
    id: 'openai',
    settingsSchema: openaiSettings.schema,
    bareModels: [/^(gpt-|o1|o3|o4|chatgpt-|text-embedding-)/],
    credentialVariables: ['OPENAI_API_KEY'],
    load: async () => (await import('./openai/index.js')).openaiDefinition,
  },
  {
    id: 'azure',
    settingsSchema: azureSettings.schema,
    // A request that names the backend (`my-azure`) is served by its configured deployment.
    implicitDefaultModel: (options) => azureSettings.read(options).deploymentName,
    types: ['azure-openai'],
    credentialVariables: ['AZURE_OPENAI_API_KEY'],
    load: async () => (await import('./azure/index.js')).azureDefinition,
  },
  {
    id: 'together',
    types: ['togetherai', 'together-ai', 'together_ai'],
    credentialVariables: ['TOGETHER_API_KEY', 'TOGETHER_AI_API_KEY'],
    load: async () => (await import('./together/index.js')).togetherDefinition,
  },
  {
    id: 'fireworks',
    types: ['fireworks-ai', 'fireworks_ai', 'fireworksai'],
    credentialVariables: ['FIREWORKS_API_KEY'],
    load: async () => (await import('./fireworks/index.js')).fireworksDefinition,
  },
  {
    id: 'meta',
    settingsSchema: metaSettings.schema,
    types: ['llama-api', 'meta-llama'],
    credentialVariables: ['META_API_KEY', 'LLAMA_API_KEY'],
    load: async () => (await import('./meta/index.js')).metaDefinition,
  },
  {
    id: 'llamagate',
    credentialVariables: ['LLAMAGATE_API_KEY'],
    load: async () => (await import('./llamagate/index.js')).llamagateDefinition,
  },
  {
    id: 'gatewayz',
    credentialVariables: ['GATEWAYZ_API_KEY'],
    load: async () => (await import('./gatewayz/index.js')).gatewayzDefinition,
  },
  {
    id: 'anthropic',
    settingsSchema: anthropicSettings.schema,
    types: ['claude'],
    bareModels: [/^claude-/],
    credentialVariables: ['ANTHROPIC_API_KEY'],
    load: async () => (await import('./anthropic/index.js')).anthropicDefinition,
  },
  {
    id: 'bedrock',
    settingsSchema: bedrockSettings.schema,
    types: ['aws-bedrock', 'amazon-bedrock'],
    credentialVariables: ['AWS_ACCESS_KEY_ID', 'AWS_BEARER_TOKEN_BEDROCK'],
    load: async () => (await import('./bedrock/index.js')).bedrockDefinition,
  },
  // (adapters add their entry here, one per provider)
];

/** A provider's definition with a `create` that returns the provider at once and loads its adapter on first use. */
function deferred({ load, providerId, ...found }: LazyDefinition): ProviderDefinition {
  return {
    ...found,
    create: (options) => lazyProvider(providerId?.(options) ?? found.id, async () => (await load()).create(options)),
  };
}

export const providerDefinitions: readonly ProviderDefinition[] = lazyDefinitions.map(deferred);

/** Loads every adapter's own definition (tests compare them with the entries above). */
export function loadProviderDefinitions(): Promise<ProviderDefinition[]> {
  return Promise.all(lazyDefinitions.map((definition) => definition.load()));
}

const byName = new Map<string, ProviderDefinition>();
for (const definition of providerDefinitions) {
  byName.set(definition.id, definition);
  for (const type of definition.types ?? []) byName.set(type, definition);
}

/** The provider for a YAML backend type or a model-string prefix. */
export function findProviderDefinition(typeOrId: string): ProviderDefinition | undefined {
  return byName.get(typeOrId.toLowerCase());
}

/** Answers of {@link providerForBareModel} so far (a model name is matched against every pattern once). */
const bareModelProviders = new RecentResults<ProviderDefinition | undefined>(1000);

function matchBareModel(model: string): ProviderDefinition | undefined {
  return providerDefinitions.find((definition) => definition.bareModels?.some((pattern) => pattern.test(model)));
}

/** The provider a bare model name belongs to (`gpt-4o` → openai, `claude-…` → anthropic), if any. */
export function providerForBareModel(model: string): ProviderDefinition | undefined {
  return bareModelProviders.get(model, matchBareModel);
}
