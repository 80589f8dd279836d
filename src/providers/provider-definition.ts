import type { z } from 'zod';
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
  /**
   * This provider's own keys in a backend's `config:` block (documented aliases included), beyond the common
   * ones every backend takes; validated at load, so a misspelt key stops start-up instead of being ignored.
   */
  settingsSchema?: z.ZodObject;
  /** The model a backend of this provider serves when neither the request nor `defaultModel` names one. */
  implicitDefaultModel?: (options: Readonly<Record<string, unknown>>) => string | undefined;
  create(options: ProviderCreateOptions): Provider;
}
