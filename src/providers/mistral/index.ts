import type { ProviderDefinition } from '../provider-definition.js';
import { createMistral } from './mistral-provider.js';

export type { MistralProviderOptions } from './mistral-api.js';
export { createMistral, MISTRAL_BASE_URL } from './mistral-provider.js';
export { toMistralToolCallId } from './mistral-tool-call-ids.js';

/** Mistral (`mistral/mistral-small-latest`, bare `mistral-…`, `magistral-…`, `codestral-…` names). */
export const mistralDefinition: ProviderDefinition = {
  id: 'mistral',
  types: ['mistralai'],
  bareModels: [/^(?:mistral|magistral|codestral|ministral|pixtral|devstral|open-mistral|open-mixtral)-/],
  credentialVariables: ['MISTRAL_API_KEY'],
  create: (options) => createMistral(options),
};
