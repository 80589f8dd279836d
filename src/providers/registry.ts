/**
 * Every provider LlamaGate knows. Adapters register here with one line; the router, the server's
 * `/v1/models` and the library all find providers through this list.
 */

import { RecentResults } from '../provider-utils/recent-results.js';
import { anthropicDefinition } from './anthropic/index.js';
import { azureDefinition } from './azure/index.js';
import { bedrockDefinition } from './bedrock/index.js';
import { cohereDefinition } from './cohere/index.js';
import { deepseekDefinition } from './deepseek/index.js';
import { fireworksDefinition } from './fireworks/index.js';
import { gatewayzDefinition } from './gatewayz/index.js';
import { geminiDefinition, vertexDefinition } from './google/index.js';
import { groqDefinition } from './groq/index.js';
import { llamagateDefinition } from './llamagate/index.js';
import { metaDefinition } from './meta/index.js';
import { mistralDefinition } from './mistral/index.js';
import { ollamaDefinition } from './ollama/index.js';
import { openaiDefinition } from './openai/index.js';
import { openaiCompatibleDefinition } from './openai-compatible/index.js';
import type { ProviderDefinition } from './provider-definition.js';
import { togetherDefinition } from './together/index.js';

export const providerDefinitions: readonly ProviderDefinition[] = [
  openaiCompatibleDefinition,
  groqDefinition,
  mistralDefinition,
  deepseekDefinition,
  ollamaDefinition,
  cohereDefinition,
  geminiDefinition,
  vertexDefinition,
  openaiDefinition,
  azureDefinition,
  togetherDefinition,
  fireworksDefinition,
  metaDefinition,
  llamagateDefinition,
  gatewayzDefinition,
  anthropicDefinition,
  bedrockDefinition,
  // (adapters add their definition here, one per line)
];

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
