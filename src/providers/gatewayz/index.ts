import type { ProviderDefinition } from '../provider-definition.js';
import { createGatewayz } from './gatewayz-provider.js';

export { createGatewayz, GATEWAYZ_DEFAULT_BASE_URL, gatewayzApiBase } from './gatewayz-provider.js';

/** Gatewayz: `gatewayz/<provider>/<model>`. */
export const gatewayzDefinition: ProviderDefinition = {
  id: 'gatewayz',
  credentialVariables: ['GATEWAYZ_API_KEY'],
  create: ({ options: _options, ...settings }) => createGatewayz(settings),
};
