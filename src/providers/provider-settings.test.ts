import { describe, expect, it } from 'vitest';
import { anthropicSettings, azureSettings, bedrockSettings, googleSettings } from './provider-settings.js';

describe('provider settings (issue 18, item 19)', () => {
  it('reads aliases under the canonical name; the canonical name wins; an empty value is unset', () => {
    expect(azureSettings.read({ deployment_name: 'prod', api_version: '2024-10-21', resource: '' })).toEqual({
      deploymentName: 'prod',
      apiVersion: '2024-10-21',
    });
    expect(bedrockSettings.read({ accessKeyId: 'a', access_key_id: 'b' })).toEqual({ accessKeyId: 'a' });
    expect(
      googleSettings.read({ project: 'p', region: 'europe-west4', serviceAccount: { client_email: 'e' } }),
    ).toEqual({ projectId: 'p', location: 'europe-west4', credentials: { client_email: 'e' } });
  });

  it('types values: a numeric string is a number where a number is expected, a wrong type is refused by name', () => {
    expect(anthropicSettings.read({ max_tokens: '8192' })).toEqual({ maxTokens: 8192 });
    expect(() => anthropicSettings.read({ maxTokens: 0 })).toThrowErrorMatchingInlineSnapshot(
      `[ProviderSettingsError: config.maxTokens: must be a positive integer (got 0)]`,
    );
    expect(() => azureSettings.read({ deploymentName: 7 })).toThrowErrorMatchingInlineSnapshot(
      `[ProviderSettingsError: config.deploymentName: Invalid input: expected string, received number (got 7)]`,
    );
  });

  it('the load-time schema accepts every alias and refuses wrong types', () => {
    expect(azureSettings.schema.safeParse({ api_base: 'https://r.example', deployment: 'd' }).success).toBe(true);
    expect(anthropicSettings.schema.safeParse({ max_tokens: 'lots' }).success).toBe(false);
  });
});
