import type { Provider, ProviderSettings } from '../spec/provider.js';

export interface ProviderCreateOptions extends ProviderSettings {
  /** Backend settings from the YAML `config:` block beyond the common ones (endpoint, apiVersion, region…). */
  options?: Readonly<Record<string, unknown>>;
}

/** How a provider is found (by id, YAML backend type, bare model name) and created. */
export interface ProviderDefinition {
  /** The model-string prefix and default backend name: `anthropic` in `anthropic/claude-…`. */
  id: string;
  /** Other YAML `type:` names that select this provider. */
  types?: readonly string[];
  /** Bare model names routed here without a prefix (`/^claude-/` → anthropic). */
  bareModels?: readonly RegExp[];
  /**
   * Environment variables that hold this provider's credentials. A bare model name (`claude-…`) routes to the
   * provider only when a backend of it is configured or one of these is set; otherwise it goes to the default
   * backend, so a local Ollama model that happens to be called `gpt-oss` keeps working.
   */
  credentialVariables?: readonly string[];
  create(options: ProviderCreateOptions): Provider;
}

/** Reads a string option from a backend's `config:` block. */
export function stringOption(
  options: Readonly<Record<string, unknown>> | undefined,
  ...names: string[]
): string | undefined {
  for (const name of names) {
    const value = options?.[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}
