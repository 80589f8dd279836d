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
  /** Name of the backend bare model names go to. */
  defaultBackend: string;
  /** Base URL of the implicit Ollama backend (used when no backend named `ollama` is configured). */
  ollamaHost?: string;
}

/**
 * Turns a request's `model` string into a backend and a provider model id:
 * `<backend-name>/<model>`, else `<provider>/<model>` (first configured backend of that type, or the provider
 * with environment credentials), else a bare name of a known hosted family whose provider is configured
 * (`gpt-4o`, `claude-…`, `gemini-…`), else the default backend with the name as given (`"mistral"` → Ollama).
 */
export class ModelResolver {
  private readonly backends = new Map<string, Backend>();
  private readonly implicitBackends = new Map<string, Backend>();
  private readonly context: BackendContext;
  readonly defaultBackendName: string;

  constructor(options: ModelResolverOptions) {
    this.context = { env: options.env, imageFetch: options.imageFetch, dispatcher: options.dispatcher };
    for (const config of options.backends) {
      if (config.type === 'pool') continue;
      this.backends.set(config.name, createBackend(config, this.context));
    }
    if (!this.backends.has('ollama') && findProviderDefinition('ollama') !== undefined) {
      this.backends.set(
        'ollama',
        createBackend({ name: 'ollama', type: 'ollama', config: { endpoint: options.ollamaHost } }, this.context, true),
      );
    }
    this.defaultBackendName = options.defaultBackend;
    if (!this.backends.has(options.defaultBackend)) {
      throw new Error(
        `default backend "${options.defaultBackend}" is not configured (known: ${[...this.backends.keys()].join(', ') || 'none'})`,
      );
    }
  }

  get defaultBackend(): Backend {
    return this.backends.get(this.defaultBackendName) as Backend;
  }

  /** Configured backends (the implicit Ollama one included), in configuration order. */
  listBackends(): Backend[] {
    return [...this.backends.values()];
  }

  getBackend(name: string): Backend | undefined {
    return this.backends.get(name);
  }

  resolve(model: string | undefined, fallbackBackend?: Backend): ResolvedTarget {
    const routeBackend = fallbackBackend ?? this.defaultBackend;
    if (model === undefined || model === '') {
      if (routeBackend.defaultModel === undefined) {
        throw new BadRequestError({
          code: 'missing_field',
          message: 'you must provide a model parameter',
          param: 'model',
        });
      }
      return { backend: routeBackend, modelId: routeBackend.defaultModel };
    }
    const slash = model.indexOf('/');
    if (slash > 0) {
      const prefix = model.slice(0, slash);
      const rest = model.slice(slash + 1);
      const named = this.backends.get(prefix);
      if (named !== undefined) return { backend: named, modelId: rest || this.requireDefault(named, model) };
      const byType = this.backendForProvider(prefix);
      if (byType !== undefined) return { backend: byType, modelId: rest || this.requireDefault(byType, model) };
    }
    const bare = providerForBareModel(model);
    if (bare !== undefined) {
      const configured = [...this.backends.values()].find((backend) => backend.type === bare.id);
      if (configured !== undefined) return { backend: configured, modelId: model };
      if (bare.credentialVariables?.some((name) => this.context.env[name])) {
        return { backend: this.backendForProvider(bare.id) as Backend, modelId: model };
      }
    }
    return { backend: routeBackend, modelId: model };
  }

  private requireDefault(backend: Backend, model: string): string {
    if (backend.defaultModel !== undefined) return backend.defaultModel;
    throw new ModelNotFoundError({ message: `The model \`${model}\` does not name a model`, param: 'model' });
  }

  /** First configured backend of a provider type, else one created from environment credentials. */
  private backendForProvider(prefix: string): Backend | undefined {
    const definition = findProviderDefinition(prefix);
    if (definition === undefined) return undefined;
    for (const backend of this.backends.values()) if (backend.type === definition.id) return backend;
    let implicit = this.implicitBackends.get(definition.id);
    if (implicit === undefined) {
      implicit = createBackend({ name: definition.id, type: definition.id, config: {} }, this.context, true);
      this.implicitBackends.set(definition.id, implicit);
    }
    return implicit;
  }
}
