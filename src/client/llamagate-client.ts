/**
 * The `LlamaGate` client: resolves model strings exactly like the server (`ModelResolver`), runs every call
 * through the fallback chain and the middleware stack, and offers completion, parse, embed and batch.
 */
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import type { BackendConfig } from '../config/config-schema.js';
import { findProviderDefinition } from '../providers/registry.js';
import { ModelResolver } from '../router/model-resolver.js';
import { peekFirstOutput } from '../router/stream-peek.js';
import type { CallOptions, ChatRequest } from '../spec/chat.js';
import type { EmbeddingRequest } from '../spec/embedding.js';
import { BadRequestError } from '../spec/errors.js';
import type { ImageFetchSettings, Provider } from '../spec/provider.js';
import { runBatch } from './batch.js';
import type {
  BatchOptions,
  BatchResult,
  CompletionOptions,
  CompletionResponse,
  EmbedOptions,
  EmbedResponse,
  FallbackOn,
  RequestSettings,
} from './client-types.js';
import { stepFromChatResult } from './completion-response.js';
import { CompletionStream, streamCompletion } from './completion-stream.js';
import { loadDotenv } from './dotenv-loader.js';
import { embedInBatches } from './embed-batching.js';
import { fallbackPredicate, runChain } from './fallback-chain.js';
import {
  type CallTrace,
  type ClientStreamResult,
  composeMiddleware,
  type Middleware,
  type ModelCall,
  type ModelHandler,
  type ModelOutcome,
  type StreamFallbackMode,
} from './model-call.js';
import { generateCompletion, prepareCompletion } from './run-completion.js';
import { withContinuation } from './stream-continuation.js';

/** Settings of one provider, as a server backend's `config:` block would give them. */
export interface ProviderConfig {
  apiKey?: string;
  baseURL?: string;
  headers?: Record<string, string>;
  /** Default deadline in milliseconds for this provider's calls. */
  timeout?: number;
  /** Provider-specific settings (Azure `apiVersion`, Bedrock `region`, OpenAI `organization`…). */
  options?: Record<string, unknown>;
}

export interface LlamaGateOptions {
  /** Model used when a call names none. */
  model?: string;
  /** Embedding model used when `embed` names none. */
  embeddingModel?: string;
  /**
   * Models tried in order (llmgate's `fallback_chain`): after the call's own model when it names one, otherwise
   * the chain alone, so calls may leave `model` out.
   */
  fallbackChain?: readonly string[];
  /** The same as `fallbackChain` (the older name). */
  fallbackModels?: readonly string[];
  /** Middleware around every call (outermost first). */
  middleware?: readonly Middleware[];
  /**
   * Provider settings by provider id (`openai`, `groq`…); bare model names prefer configured providers. A
   * {@link Provider} instance (a factory's, or your own adapter) serves `<key>/<model>` strings as it is.
   */
  providers?: Readonly<Record<string, ProviderConfig | Provider>>;
  /** Where credentials and base URLs are read (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * `.env` file loaded into `process.env` (never overriding what is set) when `env` is not given: a path, or
   * `false` for none. Default `.env` in the working directory, once per process; `LLAMAGATE_NO_DOTENV=1` disables it.
   */
  dotenv?: string | false;
  /** Backend for model names no provider claims (default `ollama`, i.e. a local Ollama). */
  defaultBackend?: string;
  fallbackOn?: FallbackOn;
  streamFallbackMode?: StreamFallbackMode;
  /** Default deadline in milliseconds. */
  timeout?: number;
  imageFetch?: ImageFetchSettings;
  dispatcher?: Dispatcher;
}

type CompletionInput = CompletionOptions;
type ParseOptions<S extends z.ZodType> = Omit<CompletionOptions, 'responseFormat' | 'stream'> & { schema: S };

interface Target {
  provider: Provider;
  modelId: string;
  timeoutMs: number | undefined;
}

function isProvider(value: ProviderConfig | Provider): value is Provider {
  return typeof (value as Provider).chatModel === 'function';
}

function providerBackends(providers: Readonly<Record<string, ProviderConfig | Provider>>): BackendConfig[] {
  const configs = Object.entries(providers).filter((entry): entry is [string, ProviderConfig] => !isProvider(entry[1]));
  return configs.map(([id, settings]) => {
    const config: Record<string, unknown> = { ...settings.options };
    if (settings.apiKey !== undefined) config.apiKey = settings.apiKey;
    if (settings.baseURL !== undefined) config.baseURL = settings.baseURL;
    if (settings.headers !== undefined) config.headers = settings.headers;
    if (settings.timeout !== undefined) config.timeout = `${settings.timeout}ms`;
    return { name: id, type: id, config };
  });
}

// biome-ignore lint/correctness/useYield: a stream that fails on its first read
async function* failedStream(error: unknown): AsyncGenerator<never, never> {
  throw error;
}

/**
 * A client with defaults: middleware, a fallback chain, provider settings, its own environment.
 *
 * @example
 * const gate = new LlamaGate({ middleware: [retry()], fallbackModels: ['groq/llama-3.1-8b-instant'] });
 * const { text } = await gate.completion({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
 */
export class LlamaGate {
  readonly #options: LlamaGateOptions;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #resolver: ModelResolver;
  readonly #instances: ReadonlyMap<string, Provider>;

  constructor(options: LlamaGateOptions = {}) {
    this.#options = options;
    if (options.env === undefined && options.dotenv !== false) loadDotenv(options.dotenv);
    this.#instances = new Map(
      Object.entries(options.providers ?? {}).filter((entry): entry is [string, Provider] => isProvider(entry[1])),
    );
    this.#env = options.env ?? process.env;
    this.#resolver = new ModelResolver({
      backends: providerBackends(options.providers ?? {}),
      defaultBackend: options.defaultBackend ?? 'ollama',
      ollamaHost: this.#env.OLLAMA_HOST,
      env: this.#env,
      imageFetch: options.imageFetch,
      dispatcher: options.dispatcher,
    });
  }

  /** Runs a chat completion; with `stream: true` returns a stream to `for await` directly. */
  completion<S extends z.ZodType>(
    options: CompletionInput & { stream: true; responseFormat: S },
  ): CompletionStream<z.output<S>>;
  completion(options: CompletionInput & { stream: true }): CompletionStream;
  completion<S extends z.ZodType>(
    options: CompletionInput & { stream?: false; responseFormat: S },
  ): Promise<CompletionResponse<z.output<S>>>;
  completion(options: CompletionInput & { stream?: false }): Promise<CompletionResponse>;
  completion(options: CompletionInput): CompletionStream<unknown> | Promise<CompletionResponse<unknown>>;
  completion(options: CompletionInput): CompletionStream<unknown> | Promise<CompletionResponse<unknown>> {
    const trace: CallTrace = { fallbackAttempts: [], cacheHit: false };
    let prepared: ReturnType<typeof prepareCompletion>;
    let models: string[];
    try {
      prepared = prepareCompletion(options);
      models = this.#models(
        options.model,
        this.#options.model,
        this.#options.fallbackChain ?? this.#options.fallbackModels,
      );
    } catch (error) {
      if (options.stream === true) {
        return new CompletionStream(() => failedStream(error));
      }
      return Promise.reject(error);
    }
    if (options.stream === true) {
      return new CompletionStream((streamSignal) => {
        const signal = options.signal === undefined ? streamSignal : AbortSignal.any([options.signal, streamSignal]);
        const open = async (request: ChatRequest): Promise<ClientStreamResult> => {
          const call = this.#call({ kind: 'stream', request }, models, options, trace, signal);
          const outcome = await this.#run(call, models, options);
          if (outcome.kind !== 'stream')
            throw new TypeError('middleware answered a stream call with a non-stream outcome');
          return outcome.result;
        };
        return streamCompletion(prepared, open, trace, signal);
      });
    }
    const generate = async (request: ChatRequest) => {
      const call = this.#call({ kind: 'completion', request }, models, options, trace, options.signal);
      const outcome = await this.#run(call, models, options);
      if (outcome.kind !== 'completion') throw new TypeError('middleware answered a completion with another outcome');
      return stepFromChatResult(outcome.result);
    };
    return generateCompletion(prepared, generate, trace, options.signal);
  }

  /**
   * A streaming completion: the same as `completion({ ...options, stream: true })`.
   *
   * @example
   * for await (const chunk of gate.stream({ model: 'gpt-4o-mini', messages })) process.stdout.write(chunk.delta);
   */
  stream<S extends z.ZodType>(
    options: Omit<CompletionInput, 'stream'> & { responseFormat: S },
  ): CompletionStream<z.output<S>>;
  stream(options: Omit<CompletionInput, 'stream'>): CompletionStream;
  stream(options: Omit<CompletionInput, 'stream'>): CompletionStream<unknown> {
    return this.completion({ ...options, stream: true });
  }

  /**
   * Asks for JSON matching a zod schema and returns the validated, typed object.
   *
   * @example
   * const city = await gate.parse({ model: 'gpt-4o-mini', messages, schema: z.object({ name: z.string() }) });
   */
  async parse<S extends z.ZodType>(options: ParseOptions<S>): Promise<z.output<S>> {
    const { schema, ...rest } = options;
    const response = await this.completion({ ...rest, responseFormat: schema, stream: false });
    return response.parsed;
  }

  /** One vector per input, batched by the provider's per-call limit. */
  async embed(options: EmbedOptions): Promise<EmbedResponse> {
    const models = this.#models(options.model, this.#options.embeddingModel, []);
    const request: EmbeddingRequest = { input: typeof options.input === 'string' ? [options.input] : options.input };
    if (options.dimensions !== undefined) request.dimensions = options.dimensions;
    if (options.user !== undefined) request.user = options.user;
    if (options.providerOptions !== undefined) request.providerOptions = options.providerOptions;
    const trace: CallTrace = { fallbackAttempts: [], cacheHit: false };
    const call = this.#call({ kind: 'embed', request }, models, options, trace, options.signal);
    if (call.kind === 'embed' && options.maxConcurrency !== undefined) call.maxConcurrency = options.maxConcurrency;
    const outcome = await this.#run(call, models, options);
    if (outcome.kind !== 'embed') throw new TypeError('middleware answered an embedding call with another outcome');
    const { result } = outcome;
    return {
      embeddings: result.embeddings,
      model: result.model,
      provider: result.provider,
      usage: result.usage,
      warnings: result.warnings,
      raw: result.raw,
      fallbackAttempts: trace.fallbackAttempts.map((attempt) => attempt.model),
      fallbackErrors: [...trace.fallbackAttempts],
      cacheHit: trace.cacheHit,
    };
  }

  /** Many completions with bounded concurrency; results in input order. */
  batch(
    requests: readonly (CompletionOptions & { stream?: false })[],
    options: BatchOptions = {},
  ): Promise<BatchResult> {
    const shared = options.middleware ?? [];
    return runBatch(requests, options, (request) =>
      this.completion({
        ...request,
        stream: false,
        middleware: shared.length === 0 ? request.middleware : [...shared, ...(request.middleware ?? [])],
      }),
    );
  }

  #models(
    model: string | readonly string[] | undefined,
    fallbackDefault: string | undefined,
    extra: readonly string[] | undefined,
  ): string[] {
    const chain = extra ?? [];
    let given: string[];
    if (model !== undefined) given = typeof model === 'string' ? [model] : [...model];
    else if (fallbackDefault !== undefined) given = [fallbackDefault];
    // With a chain and no model the chain is the whole list; with neither, resolution reports the missing model.
    else given = chain.length > 0 ? [] : [''];
    if (given.length === 0 && chain.length === 0) {
      throw new BadRequestError({
        code: 'missing_field',
        message: 'model must name at least one model',
        param: 'model',
      });
    }
    return [...given, ...chain.filter((candidate) => !given.includes(candidate))];
  }

  #call(
    body:
      | { kind: 'completion'; request: ChatRequest }
      | { kind: 'stream'; request: ChatRequest }
      | { kind: 'embed'; request: EmbeddingRequest },
    models: readonly string[],
    settings: RequestSettings & { streamFallbackMode?: StreamFallbackMode },
    trace: CallTrace,
    signal: AbortSignal | undefined,
  ): ModelCall {
    const options: CallOptions = {};
    if (signal !== undefined) options.signal = signal;
    const timeout = settings.timeout ?? this.#options.timeout;
    if (timeout !== undefined) options.timeoutMs = timeout;
    if (settings.headers !== undefined) options.headers = settings.headers;
    const target: ModelCall['target'] = {};
    if (settings.provider !== undefined) target.provider = settings.provider;
    if (settings.apiKey !== undefined) target.apiKey = settings.apiKey;
    if (settings.baseURL !== undefined) target.baseURL = settings.baseURL;
    return {
      ...body,
      model: models[0] ?? '',
      target,
      options,
      trace,
      fallback: {
        shouldFallback: fallbackPredicate(settings.fallbackOn ?? this.#options.fallbackOn),
        streamMode: settings.streamFallbackMode ?? this.#options.streamFallbackMode ?? 'error',
      },
    };
  }

  #run(call: ModelCall, models: readonly string[], settings: RequestSettings): Promise<ModelOutcome> {
    const handler = composeMiddleware([...(this.#options.middleware ?? []), ...(settings.middleware ?? [])])(
      this.#terminal,
    );
    return models.length > 1 ? runChain(call, models, handler) : handler(call);
  }

  /** Resolves the call's model string to a provider and model id, honouring per-call overrides. */
  #target(call: ModelCall): Target {
    const { provider: providerId, apiKey, baseURL } = call.target;
    let model = call.model;
    const instance = this.#instanceTarget(providerId, model);
    if (instance !== undefined) return instance;
    if (providerId !== undefined) {
      const definition = findProviderDefinition(providerId);
      if (definition === undefined) {
        throw new BadRequestError({ message: `Unknown provider "${providerId}"`, param: 'provider' });
      }
      const prefix = `${providerId}/`;
      model = `${definition.id}/${model.startsWith(prefix) ? model.slice(prefix.length) : model}`;
    }
    const resolved = this.#resolver.resolve(model);
    const timeoutMs = resolved.backend.timeoutMs;
    if (apiKey === undefined && baseURL === undefined) {
      return { provider: resolved.backend.provider, modelId: resolved.modelId, timeoutMs };
    }
    const definition = findProviderDefinition(resolved.backend.type);
    if (definition === undefined) throw new BadRequestError({ message: `Unknown provider "${resolved.backend.type}"` });
    const entry = this.#options.providers?.[definition.id];
    const configured: ProviderConfig = entry === undefined || isProvider(entry) ? {} : entry;
    const provider = definition.create({
      apiKey: apiKey ?? configured.apiKey,
      baseURL: baseURL ?? configured.baseURL,
      headers: configured.headers,
      env: this.#env,
      imageFetch: this.#options.imageFetch,
      dispatcher: this.#options.dispatcher,
      options: configured.options,
    });
    return { provider, modelId: resolved.modelId, timeoutMs };
  }

  /** A call to a provider instance given in `providers`: `<key>/<model>`, or `provider: '<key>'`. */
  #instanceTarget(providerId: string | undefined, model: string): Target | undefined {
    if (providerId !== undefined) {
      const provider = this.#instances.get(providerId);
      const prefix = `${providerId}/`;
      const modelId = model.startsWith(prefix) ? model.slice(prefix.length) : model;
      return provider === undefined ? undefined : { provider, modelId, timeoutMs: undefined };
    }
    const slash = model.indexOf('/');
    const provider = slash > 0 ? this.#instances.get(model.slice(0, slash)) : undefined;
    return provider === undefined ? undefined : { provider, modelId: model.slice(slash + 1), timeoutMs: undefined };
  }

  readonly #terminal: ModelHandler = async (call) => {
    const target = this.#target(call);
    const options: CallOptions = { ...call.options };
    if (options.timeoutMs === undefined && target.timeoutMs !== undefined) options.timeoutMs = target.timeoutMs;
    const provider = target.provider;
    switch (call.kind) {
      case 'completion':
        return { kind: 'completion', result: await provider.chatModel(target.modelId).generate(call.request, options) };
      case 'stream': {
        const request = withContinuation(call.request, call.continuation, provider.id, target.modelId);
        const stream = await provider.chatModel(target.modelId).stream(request, options);
        // Reading up to the first output turns an early failure into a rejection, so fallback stays transparent.
        return { kind: 'stream', result: await peekFirstOutput(stream) };
      }
      case 'embed': {
        const model = provider.embeddingModel(target.modelId);
        return { kind: 'embed', result: await embedInBatches(model, call.request, options, call.maxConcurrency ?? 4) };
      }
    }
  };
}
