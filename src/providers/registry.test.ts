import { describe, expect, it } from 'vitest';
import type { ProviderDefinition } from './provider-definition.js';
import { findProviderDefinition, loadProviderDefinitions, providerDefinitions } from './registry.js';

const facts = (definition: ProviderDefinition) => ({
  id: definition.id,
  types: [...(definition.types ?? [])],
  bareModels: (definition.bareModels ?? []).map((pattern) => pattern.source),
  credentialVariables: [...(definition.credentialVariables ?? [])],
  settingsSchema: definition.settingsSchema,
});

describe('the provider registry', () => {
  it("lists what each adapter's own definition says (id, types, bare models, credential variables, settings schema)", async () => {
    const loaded = await loadProviderDefinitions();
    expect(providerDefinitions.map(facts)).toEqual(loaded.map(facts));
  });

  it('creates a provider without loading its adapter; the first call does', async () => {
    const definition = findProviderDefinition('aws-bedrock');
    const provider = definition?.create({ env: {}, options: { region: 'eu-west-1' } });
    expect(provider?.id).toBe('bedrock');
    const model = provider?.chatModel('anthropic.claude-3-haiku');
    expect(model?.modelId).toBe('anthropic.claude-3-haiku');
    // No credentials: the adapter loads and answers with its own typed error.
    await expect(model?.generate({ messages: [{ role: 'user', content: 'Hi' }] })).rejects.toMatchObject({
      name: 'AuthenticationError',
      provider: 'bedrock',
    });
  });

  it('names a google backend with a project and location after Vertex AI before it loads', () => {
    const provider = findProviderDefinition('google')?.create({
      env: {},
      options: { projectId: 'p', location: 'us-central1', accessToken: 't' },
    });
    expect(provider?.id).toBe('vertex');
  });
});
