import type { BackendConfig } from '../config/config-schema.js';
import { findProviderDefinition, providerForBareModel } from '../providers/registry.js';
import { BadRequestError, ModelNotFoundError } from '../spec/errors.js';
import { type Backend, type BackendContext, createBackend } from './backend.js';

export interface ResolvedTarget {
  backend: Backend;
  /** The model id sent to the provider (prefix removed, default applied). */
  modelId: string;
}

export interface ModelResolverOptions extends BackendContext {
  backends: readonly BackendConfig[];
  /** Name of the backend (or pool) bare model names go to. */
  defaultBackend: string;
  /** Base URL of the implicit Ollama backend (used when no backend named `ollama` is configured). */
  ollamaHost?: string;
}

/**
 * Turns a request's `model` string into a backend and a provider model id:
 * `<backend-name>/<model>`, else `<provider>/<model>` (first configured backend of that type, or the provider
 * with environment credentials), else a bare name of a known hosted family whose provider is configured
 * (`gpt-4o`, `claude-…`, `gemini-…`), else the default backend with the name as given (`"mistral"` → Ollama).
 * Pools and model aliases are the {@link Router}'s business; here a default pool stands for its first backend.
 */
export class ModelResolver {
  private readonly backends = new Map<string, Backend>();
  private readonly implicitBackends = new Map<string, Backend>();
  private readonly pools = new Map<string, BackendConfig>();
  private readonly context: BackendContext;
  readonly defaultBackendName: string;

  constructor(options: ModelResolverOptions) {
    this.context = { env: options.env, imageFetch: options.imageFetch, dispatcher: options.dispatcher };
    for (const config of options.backends) {
      if (config.type === 'pool') this.pools.set(config.name, config);
      else this.backends.set(config.name, createBackend(config, this.context));
    }
    if (!this.backends.has('ollama') && findProviderDefinition('ollama') !== undefined) {
      this.backends.set(
        'ollama',
        createBackend({ name: 'ollama', type: 'ollama', config: { endpoint: options.ollamaHost } }, this.context, true),
      );
    }
    this.defaultBackendName = options.defaultBackend;
    if (!this.backends.has(options.defaultBackend) && !this.pools.has(options.defaultBackend)) {
      const known = [...this.backends.keys(), ...this.pools.keys()];
      throw new Error(
        `default backend "${options.defaultBackend}" is not configured (known: ${known.join(', ') || 'none'})`,
      );
    }
  }

  /** The default backend; when the default is a pool, its first backend (depth first). */
  get defaultBackend(): Backend {
    return this.firstLeaf(this.defaultBackendName, new Set()) as Backend;
  }

  /** Configured backends (the implicit Ollama one included), in configuration order. */
  listBackends(): Backend[] {
    return [...this.backends.values()];
  }

  getBackend(name: string): Backend | undefined {
    return this.backends.get(name);
  }

  isPool(name: string): boolean {
    return this.pools.has(name);
  }

  resolve(model: string | undefined, fallbackBackend?: Backend): ResolvedTarget {
    const routeBackend = fallbackBackend ?? this.defaultBackend;
    if (model === undefined || model === '') {
      if (routeBackend.defaultModel === undefined) throw missingModel();
      return { backend: routeBackend, modelId: routeBackend.defaultModel };
    }
    return this.resolvePrefixed(model) ?? this.resolveBareFamily(model) ?? { backend: routeBackend, modelId: model };
  }

  /** `<backend-name>/<model>` or `<provider>/<model>`; undefined when the prefix names neither. */
  resolvePrefixed(model: string): ResolvedTarget | undefined {
    const slash = model.indexOf('/');
    if (slash <= 0) return undefined;
    const prefix = model.slice(0, slash);
    const rest = model.slice(slash + 1);
    const backend = this.backends.get(prefix) ?? this.backendForProvider(prefix);
    if (backend === undefined) return undefined;
    return { backend, modelId: rest || this.requireDefault(backend, model) };
  }

  /** A bare name of a hosted family (`claude-…`) whose provider is configured or has credentials in the environment. */
  resolveBareFamily(model: string): ResolvedTarget | undefined {
    const bare = providerForBareModel(model);
    if (bare === undefined) return undefined;
    const configured = [...this.backends.values()].find((backend) => backend.type === bare.id);
    if (configured !== undefined) return { backend: configured, modelId: model };
    if (bare.credentialVariables?.some((name) => this.context.env[name])) {
      return { backend: this.backendForProvider(bare.id) as Backend, modelId: model };
    }
    return undefined;
  }

  private requireDefault(backend: Backend, model: string): string {
    if (backend.defaultModel !== undefined) return backend.defaultModel;
    throw new ModelNotFoundError({ message: `The model \`${model}\` does not name a model`, param: 'model' });
  }

  /**
   * First configured backend of a provider type, else one created from environment credentials. A provider's
   * own id always names it (`anthropic/…`, failing with the variable to set when there is no key); its other
   * type names only when its credentials are set, so model ids that merely start like one
   * (`meta-llama/Llama-3.3-70B` on Together) still go to the default backend.
   */
  backendForProvider(prefix: string): Backend | undefined {
    const definition = findProviderDefinition(prefix);
    if (definition === undefined) return undefined;
    for (const backend of this.backends.values()) if (backend.type === definition.id) return backend;
    const hasCredentials = definition.credentialVariables?.some((name) => this.context.env[name]) ?? false;
    if (prefix.toLowerCase() !== definition.id && !hasCredentials) return undefined;
    let implicit = this.implicitBackends.get(definition.id);
    if (implicit === undefined) {
      implicit = createBackend({ name: definition.id, type: definition.id, config: {} }, this.context, true);
      this.implicitBackends.set(definition.id, implicit);
    }
    return implicit;
  }

  private firstLeaf(name: string, seen: Set<string>): Backend | undefined {
    const backend = this.backends.get(name) ?? (seen.size > 0 ? this.backendForProvider(name) : undefined);
    if (backend !== undefined) return backend;
    const pool = this.pools.get(name);
    if (pool === undefined || seen.has(name)) return undefined;
    seen.add(name);
    for (const member of pool.backends ?? []) {
      const found = this.firstLeaf(member.name, seen);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

export function missingModel(): BadRequestError {
  return new BadRequestError({ code: 'missing_field', message: 'you must provide a model parameter', param: 'model' });
}
