/**
 * Each provider's own backend `config:` keys (with their documented aliases), checked at load. Kept apart from the
 * adapters so the registry can name them without importing adapter code.
 */
import { z } from 'zod';
import { stringSettings } from './provider-definition.js';

export const openaiSettingsSchema = stringSettings('organization', 'organizationId', 'orgId', 'project', 'projectId');

export const azureSettingsSchema = stringSettings(
  'endpoint',
  'apiBase',
  'api_base',
  'resourceName',
  'resource_name',
  'resource',
  'apiVersion',
  'api_version',
  'deploymentName',
  'deployment_name',
  'deployment',
  'baseModel',
  'base_model',
);

export const anthropicSettingsSchema = stringSettings('anthropicVersion', 'anthropic_version').extend({
  maxTokens: z.union([z.number(), z.string()]).optional(),
  max_tokens: z.union([z.number(), z.string()]).optional(),
});

export const bedrockSettingsSchema = stringSettings(
  'region',
  'endpoint',
  'baseURL',
  'accessKeyId',
  'access_key_id',
  'secretAccessKey',
  'secret_access_key',
  'sessionToken',
  'session_token',
);

export const metaSettingsSchema = stringSettings('apiBase', 'api_base');

/** Gemini and Vertex share a `google` backend type, so both accept the Vertex keys. */
export const googleSettingsSchema = stringSettings(
  'projectId',
  'project',
  'project_id',
  'location',
  'region',
  'accessToken',
).extend({
  credentials: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  serviceAccount: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});
