/**
 * Each provider's own backend `config:` keys, typed, with their accepted aliases (LiteLLM's and the providers' own
 * snake_case spellings). The load-time check validates a `config:` block against `schema`; adapters read their
 * settings through `read`, under the canonical names. Kept apart from the adapters so the registry can name them
 * without importing adapter code.
 */
import { z } from 'zod';

interface Setting {
  readonly type: z.ZodType;
  /** Other accepted spellings of the key; the canonical name wins when both are set. */
  readonly aliases?: readonly string[];
}

type Settings = Record<string, Setting>;

/** The settings a provider reads, under their canonical names; an unset (or empty) key is absent. */
export type ProviderSettingsOf<S extends Settings> = { [K in keyof S]?: z.output<S[K]['type']> };

export interface ProviderSettingsSchema<S extends Settings> {
  /** Every accepted key, aliases included, for the load-time check of a backend's `config:` block. */
  readonly schema: z.ZodObject;
  /** The validated settings under their canonical names; throws naming the key when a value has the wrong type. */
  read(options: Readonly<Record<string, unknown>> | undefined): ProviderSettingsOf<S>;
}

export class ProviderSettingsError extends Error {
  override readonly name = 'ProviderSettingsError';
}

/** `''` counts as unset: it is what an unset `${VAR}` interpolates to. */
const isUnset = (value: unknown) => value === undefined || value === '';

export function defineProviderSettings<S extends Settings>(settings: S): ProviderSettingsSchema<S> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, setting] of Object.entries(settings)) {
    const accepted = z.preprocess((value) => (isUnset(value) ? undefined : value), setting.type.optional());
    for (const key of [name, ...(setting.aliases ?? [])]) shape[key] = accepted;
  }
  return {
    schema: z.object(shape),
    read(options) {
      const read: Record<string, unknown> = {};
      for (const [name, setting] of Object.entries(settings)) {
        const key = [name, ...(setting.aliases ?? [])].find((candidate) => !isUnset(options?.[candidate]));
        if (key === undefined) continue;
        const value = options?.[key];
        const parsed = setting.type.safeParse(value);
        if (!parsed.success) {
          const message = parsed.error.issues[0]?.message ?? 'invalid value';
          throw new ProviderSettingsError(`config.${key}: ${message} (got ${JSON.stringify(value)})`);
        }
        read[name] = parsed.data;
      }
      return read as ProviderSettingsOf<S>;
    },
  };
}

const text = { type: z.string() };
const positiveInteger = z.preprocess(
  (value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
  z.number({ error: 'must be a positive integer' }).int({ error: 'must be a positive integer' }).positive({
    error: 'must be a positive integer',
  }),
);
/** A service-account key file path, or its parsed JSON. */
const googleCredentials = z.union([z.string(), z.record(z.string(), z.unknown())], {
  error: 'must be a key file path or the key JSON object',
});

export const openaiSettings = defineProviderSettings({
  organization: { ...text, aliases: ['organizationId', 'orgId'] },
  project: { ...text, aliases: ['projectId'] },
});

export const azureSettings = defineProviderSettings({
  endpoint: { ...text, aliases: ['apiBase', 'api_base'] },
  resourceName: { ...text, aliases: ['resource_name', 'resource'] },
  apiVersion: { ...text, aliases: ['api_version'] },
  deploymentName: { ...text, aliases: ['deployment_name', 'deployment'] },
  baseModel: { ...text, aliases: ['base_model'] },
});

export const anthropicSettings = defineProviderSettings({
  anthropicVersion: { ...text, aliases: ['anthropic_version'] },
  /** The `max_tokens` sent when a request names none (Anthropic requires one). */
  maxTokens: { type: positiveInteger, aliases: ['max_tokens'] },
});

export const bedrockSettings = defineProviderSettings({
  region: text,
  endpoint: { ...text, aliases: ['baseURL'] },
  accessKeyId: { ...text, aliases: ['access_key_id'] },
  secretAccessKey: { ...text, aliases: ['secret_access_key'] },
  sessionToken: { ...text, aliases: ['session_token'] },
});

export const metaSettings = defineProviderSettings({
  endpoint: { ...text, aliases: ['apiBase', 'api_base'] },
});

/** Gemini and Vertex share a `google` backend type, so both accept the Vertex keys. */
export const googleSettings = defineProviderSettings({
  projectId: { ...text, aliases: ['project', 'project_id'] },
  location: { ...text, aliases: ['region'] },
  accessToken: text,
  credentials: { type: googleCredentials, aliases: ['serviceAccount'] },
});
