/**
 * Every provider LlamaGate knows. Adapters register here with one line; the router, the server's
 * `/v1/models` and the library all find providers through this list.
 */

import { openaiCompatibleDefinition } from './openai-compatible/index.js';
import type { ProviderDefinition } from './provider-definition.js';

export const providerDefinitions: readonly ProviderDefinition[] = [
  openaiCompatibleDefinition,
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

/** The provider a bare model name belongs to (`gpt-4o` → openai, `claude-…` → anthropic), if any. */
export function providerForBareModel(model: string): ProviderDefinition | undefined {
  return providerDefinitions.find((definition) => definition.bareModels?.some((pattern) => pattern.test(model)));
}
