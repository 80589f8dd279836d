/**
 * Ollama's own API, inbound: chat and generate over the routed chat call (any backend), embeddings, the model
 * list and details, and the management calls that only a real Ollama can answer (proxied to the default
 * Ollama backend for the master key only). Errors are Ollama's `{"error": "..."}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as undiciRequest } from 'undici';
import type { FallbackTrace } from '../../router/fallback-runner.js';
import type { EmbeddingRequest } from '../../spec/embedding.js';
import {
  AuthenticationError,
  NotFoundError,
  PermissionDeniedError,
  ProviderAPIError,
  ServiceUnavailableError,
} from '../../spec/errors.js';
import { requireApiKey } from '../auth.js';
import { emitAdmit, emitAnswer, emitUsage } from '../exchange/emit.js';
import { addTriedHeaders, recordServed, requestTiming, routedCallOptions } from '../exchange/route-call.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import { parseJsonBody, readBody, sendJson, writeResponseHead } from '../http-io.js';
import type { Route, RouteHandler } from '../route.js';
import type { OllamaCall } from '../wire/ollama/decode-ollama-request.js';
import { encodeOllamaLoad } from '../wire/ollama/encode-ollama-response.js';
import { encodeOllamaError, ollamaChatCodec, ollamaGenerateCodec } from '../wire/ollama/ollama-codecs.js';
import { invalidField, readNumber, requireModel, requireObject } from '../wire/wire-fields.js';
import { chatRoute } from './chat-route.js';
import { listAllModels } from './models.js';
import { defaultOllama } from './ollama-backend.js';

/** Ollama's API on every route: its error shape, and the operator's default key for clients that send none. */
export const OLLAMA_ROUTE: Pick<Route, 'encodeError' | 'defaultKey'> = {
  encodeError: (error) => encodeOllamaError(error),
  defaultKey: (context) => context.config.ollamaApi.defaultKey || undefined,
};

/** An empty prompt or message list only loads the model in Ollama: answered here, without an upstream call. */
function answerLoadOnly(endpoint: 'chat' | 'generate') {
  return (call: OllamaCall, _context: GatewayContext, response: ServerResponse, state: RequestState) => {
    if (!call.loadOnly) return false;
    state.model = call.model;
    const body = encodeOllamaLoad(endpoint, { requestId: state.id, model: call.model, created: 0 });
    if (!call.stream) sendJson(response, 200, body);
    else {
      writeResponseHead(response, 200, undefined, 'application/x-ndjson');
      response.end(`${JSON.stringify(body)}\n`);
    }
    return true;
  };
}

export const ollamaChatRoute: Route = {
  ...chatRoute('/api/chat', ollamaChatCodec, answerLoadOnly('chat')),
  ...OLLAMA_ROUTE,
};

export const ollamaGenerateRoute: Route = {
  ...chatRoute('/api/generate', ollamaGenerateCodec, answerLoadOnly('generate')),
  ...OLLAMA_ROUTE,
};

/** `/api/embed` (`input`: string or list) and the older `/api/embeddings` (`prompt`). */
async function embed(
  legacy: boolean,
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  const startedAt = performance.now();
  const raw = await readBody(request, context.config.maxBodySize);
  const body = requireObject(parseJsonBody(raw));
  const model = requireModel(body);
  const field = legacy ? 'prompt' : 'input';
  const value = body[field];
  const input =
    typeof value === 'string'
      ? [value]
      : Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')
        ? (value as string[])
        : undefined;
  if (input === undefined) throw invalidField(`'${field}' must be a string or a non-empty list of strings`, field);
  state.model = model;
  await emitAdmit(state, { kind: 'embeddings', model, input });
  const embeddingRequest: EmbeddingRequest = { input };
  const dimensions = readNumber(body, 'dimensions', 1, 65_536, true);
  if (dimensions !== undefined) embeddingRequest.dimensions = dimensions;
  const plan = context.router.plan({ model, path: state.path, method: request.method });
  const timing = requestTiming(context, request, undefined);
  const trace: FallbackTrace = { attempts: 0, fallbacks: 0 };
  const outcome = await context.router
    .execute(
      plan,
      (target, call) => target.backend.provider.embeddingModel(target.modelId).embed(embeddingRequest, call),
      routedCallOptions(state, timing, trace),
    )
    .catch((error: unknown) => {
      addTriedHeaders(response, trace);
      throw error;
    });
  recordServed(state, outcome);
  const result = outcome.value;
  const tokens = result.usage.promptTokens;
  emitUsage(state, tokens === undefined ? {} : { promptTokens: tokens, totalTokens: tokens });
  await emitAnswer(state, { kind: 'embeddings', model: result.model, results: [result] });
  if (legacy) {
    sendJson(response, 200, { embedding: result.embeddings[0] ?? [] });
    return;
  }
  sendJson(response, 200, {
    model,
    embeddings: result.embeddings,
    total_duration: Math.round((performance.now() - startedAt) * 1_000_000),
    load_duration: 0,
    prompt_eval_count: tokens ?? 0,
  });
}

export const handleOllamaEmbed = (
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
) => embed(false, context, request, response, state);

export const handleOllamaEmbeddings = (
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
) => embed(true, context, request, response, state);

function details(model: { owned_by: string; backend?: string }): Record<string, unknown> {
  return {
    parent_model: '',
    format: model.backend === undefined ? 'alias' : model.owned_by,
    family: '',
    families: null,
    parameter_size: '',
    quantization_level: '',
  };
}

/** Every model the gateway routes, named as a client would ask for it. */
export async function handleOllamaTags(
  context: GatewayContext,
  _request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  const models = await listAllModels(context, state.signal);
  sendJson(response, 200, {
    models: models.map((model) => ({
      name: model.id,
      model: model.id,
      modified_at: new Date((model.created || 0) * 1000).toISOString(),
      size: 0,
      digest: '',
      details: details(model),
    })),
  });
}

export async function handleOllamaShow(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  const raw = await readBody(request, context.config.maxBodySize);
  const body = requireObject(parseJsonBody(raw));
  const name = typeof body.model === 'string' ? body.model : typeof body.name === 'string' ? body.name : undefined;
  if (name === undefined) throw invalidField("you must provide a 'model' parameter", 'model', 'missing_field');
  const models = await listAllModels(context, state.signal);
  const found = models.find((model) => model.id === name || model.id === `${name}:latest`);
  if (found === undefined) throw new NotFoundError({ message: `model '${name}' not found`, param: 'model' });
  // A model of the default Ollama backend: its own details are the truest answer.
  const ollama = defaultOllama(context);
  if (found.backend !== undefined && found.backend === ollama?.name) {
    await proxyToOllama(context, request, response, state, '/api/show', raw);
    return;
  }
  sendJson(response, 200, {
    license: '',
    modelfile: '',
    parameters: '',
    template: '',
    details: details(found),
    model_info: {},
    capabilities: ['completion', 'tools'],
    modified_at: new Date(0).toISOString(),
  });
}

export async function handleOllamaVersion(
  context: GatewayContext,
  _request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  sendJson(response, 200, { version: context.version });
}

/** Models loaded in memory: the default Ollama backend's, when there is one. */
export async function handleOllamaPs(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  if (defaultOllama(context) === undefined) {
    sendJson(response, 200, { models: [] });
    return;
  }
  await proxyToOllama(context, request, response, state, '/api/ps');
}

async function proxyToOllama(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
  path: string,
  body?: Buffer,
): Promise<void> {
  const ollama = defaultOllama(context);
  if (ollama === undefined)
    throw new ServiceUnavailableError({ message: `No Ollama backend is configured to answer ${path}` });
  state.backend = ollama.name;
  let upstream: Awaited<ReturnType<typeof undiciRequest>>;
  try {
    upstream = await undiciRequest(`${ollama.baseURL}${path}`, {
      method: (request.method ?? 'GET') as 'GET',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body,
      signal: state.signal,
    });
  } catch (error) {
    throw new ProviderAPIError({
      code: 'upstream_unreachable',
      message: `Ollama at ${ollama.baseURL} did not answer ${path}: ${(error as Error).message}`,
      provider: 'ollama',
      cause: error,
    });
  }
  const contentType = String(upstream.headers['content-type'] ?? 'application/json');
  writeResponseHead(response, upstream.statusCode, { 'x-llamagate-backend': ollama.name }, contentType);
  for await (const chunk of upstream.body) {
    if (!response.write(chunk as Buffer)) await new Promise((resolve) => response.once('drain', resolve));
  }
  response.end();
}

const MANAGEMENT: Record<string, 'POST' | 'DELETE'> = {
  '/api/pull': 'POST',
  '/api/push': 'POST',
  '/api/create': 'POST',
  '/api/copy': 'POST',
  '/api/delete': 'DELETE',
};

/**
 * pull / push / create / copy / delete: a real Ollama's business, for the gateway's operator only (the master
 * key, checked here as the admin routes do).
 */
export async function handleOllamaManagement(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  const path = state.path.replace(/\/$/, '');
  if (MANAGEMENT[path] === undefined) throw new NotFoundError({ message: `Unknown path ${path}` });
  try {
    const master = context.config.masterKey || context.config.apiKey;
    if (master === undefined || master === '') throw new AuthenticationError({ message: 'no master key' });
    state.credential = requireApiKey(request.headers, master);
    state.role = 'master';
  } catch (error) {
    if (!AuthenticationError.isInstance(error)) throw error;
    throw new PermissionDeniedError({
      message: `${path} manages the Ollama server's models and needs the gateway's master key (LLAMAGATE_MASTER_KEY)`,
    });
  }
  const raw = await readBody(request, context.config.maxBodySize);
  await proxyToOllama(context, request, response, state, path, raw);
}

function ollamaRoute(method: Route['method'], path: string, handler: RouteHandler, auth: Route['auth'] = 'key'): Route {
  return { method, path, auth, handler, ...OLLAMA_ROUTE };
}

const unknownOllamaPath: RouteHandler = async (_context, request, _response, state) => {
  throw new NotFoundError({ message: `Unknown path ${state.path} (${request.method})` });
};

/** Ollama's API; the management calls check the master key themselves, to say why a model key cannot. */
export const OLLAMA_API_ROUTES: readonly Route[] = [
  ollamaChatRoute,
  ollamaGenerateRoute,
  ollamaRoute('POST', '/api/embed', handleOllamaEmbed),
  ollamaRoute('POST', '/api/embeddings', handleOllamaEmbeddings),
  ollamaRoute('GET', '/api/tags', handleOllamaTags),
  ollamaRoute('POST', '/api/show', handleOllamaShow),
  ollamaRoute('GET', '/api/ps', handleOllamaPs),
  ollamaRoute('GET', '/api/version', handleOllamaVersion, 'none'),
  ollamaRoute('POST', '/api/pull', handleOllamaManagement, 'none'),
  ollamaRoute('POST', '/api/push', handleOllamaManagement, 'none'),
  ollamaRoute('POST', '/api/create', handleOllamaManagement, 'none'),
  ollamaRoute('POST', '/api/copy', handleOllamaManagement, 'none'),
  ollamaRoute('DELETE', '/api/delete', handleOllamaManagement, 'none'),
  ollamaRoute('GET', '/api/*', unknownOllamaPath),
  ollamaRoute('POST', '/api/*', unknownOllamaPath),
  ollamaRoute('DELETE', '/api/*', unknownOllamaPath),
];
