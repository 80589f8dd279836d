import type { IncomingMessage, ServerResponse } from 'node:http';
import { isModelAllowed } from '../../pricing/glob.js';
import { decodeUriComponentSafely } from '../../provider-utils/json-limits.js';
import type { Backend } from '../../router/backend.js';
import { ModelNotFoundError, ServiceUnavailableError } from '../../spec/errors.js';
import type { ModelInfo } from '../../spec/provider.js';
import { aliasPriceKey, priceTableFor, servedPriceKey, withPricing } from '../billing/price-lookup.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import { sendJson } from '../http-io.js';

interface ListedModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  /** The backend serving it (backend models). */
  backend?: string;
  /** `<backend>/<model>` of each deployment (model aliases). */
  deployments?: string[];
  /** What the model can do, where the provider says (the LlamaGate-hosted catalogue does). */
  capabilities?: Readonly<Record<string, boolean>>;
}

/** Backend models are priced as `<backend type>/<model>`, so prices follow the provider, not a shared name. */
const priceKeys = new WeakMap<ListedModel, string | null>();

/** The `models:` aliases, first, as the names clients should prefer. */
function listAliases(context: GatewayContext): ListedModel[] {
  return [...context.router.aliases.values()].map((alias) => ({
    id: alias.name,
    object: 'model',
    created: 0,
    owned_by: 'llamagate',
    deployments: alias.members.map((member) =>
      member.model === undefined ? member.node.name : `${member.node.name}/${member.model}`,
    ),
  }));
}

/**
 * Model aliases, then the models of every configured backend, asked in parallel with a short timeout. The default backend's models
 * are listed bare (a bare name routes there); others as `<backend>/<model>`. A backend that does not answer
 * is left out (and logged) rather than failing the whole list; when none answers, the list is a 503 saying so
 * (an empty 200 would read as "no models installed").
 */
export async function listAllModels(context: GatewayContext, signal?: AbortSignal): Promise<ListedModel[]> {
  const backends = context.resolver.listBackends();
  const table = priceTableFor(context.config);
  const down: { backend: Backend; reason: string }[] = [];
  let asked = 0;
  const lists = await Promise.all(
    backends.map(async (backend) => {
      if (backend.provider.listModels === undefined) return [];
      // The implicit Ollama nobody routes to by default does not decide whether the list works.
      const counts = !backend.implicit || backend.name === context.resolver.defaultBackendName;
      if (counts) asked++;
      // A backend cooling down would only make the whole list wait for its timeout.
      if (
        context.router.configuredBackendNodes().find((node) => node.backend === backend)?.stats.breaker.state ===
        'cooling-down'
      ) {
        if (counts) down.push({ backend, reason: 'cooling down after repeated failures' });
        return [];
      }
      try {
        const models: ModelInfo[] = await backend.provider.listModels({ signal, timeoutMs: 5_000 });
        return models.map<ListedModel>((model) => {
          const listed: ListedModel = {
            id: backend.name === context.resolver.defaultBackendName ? model.id : `${backend.name}/${model.id}`,
            object: 'model',
            created: model.created ?? 0,
            owned_by: model.ownedBy ?? backend.type,
            backend: backend.name,
          };
          const capabilities = model.details?.capabilities;
          if (typeof capabilities === 'object' && capabilities !== null) {
            listed.capabilities = capabilities as Record<string, boolean>;
          }
          priceKeys.set(listed, servedPriceKey(table, { backend, modelId: model.id }) ?? null);
          return listed;
        });
      } catch (error) {
        context.logger.warn(
          { backend: backend.name, message: (error as Error).message },
          'could not list models of backend',
        );
        if (counts) down.push({ backend, reason: (error as Error).message });
        return [];
      }
    }),
  );
  if (asked > 0 && down.length === asked) throw noBackendAnswered(down);
  const aliases = listAliases(context);
  for (const alias of aliases) {
    const key = aliasPriceKey(context, alias.id);
    // An alias with no priced deployment is listed without a price (never one its name happens to match).
    priceKeys.set(alias, key ?? null);
  }
  return withPricing(context.config, [...aliases, ...lists.flat()], (model) => priceKeys.get(model));
}

function noBackendAnswered(down: readonly { backend: Backend; reason: string }[]): ServiceUnavailableError {
  const only = down.length === 1 ? down[0] : undefined;
  const message =
    only === undefined
      ? `No backend could list its models: ${down.map((entry) => `${entry.backend.name}: ${entry.reason}`).join('; ')}`
      : `${only.backend.type === 'ollama' ? 'Ollama' : `Backend "${only.backend.name}"`} unreachable: ${only.reason}`;
  return new ServiceUnavailableError({ message });
}

/** Anthropic's model object (`GET /v1/models` for a client that sends `anthropic-version`). */
function anthropicModel(model: ListedModel): Record<string, unknown> {
  return {
    type: 'model',
    id: model.id,
    display_name: model.id,
    created_at: new Date(model.created * 1000).toISOString(),
  };
}

/** Anthropic clients (Claude Code, the Anthropic SDK) send `anthropic-version` and read Anthropic's shapes. */
function wantsAnthropicShape(request: IncomingMessage): boolean {
  return typeof request.headers['anthropic-version'] === 'string';
}

export async function handleListModels(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  // A key limited to some models sees only those, so a listing reveals nothing the key could not call.
  const models = (await listAllModels(context, state.signal)).filter((model) =>
    isModelAllowed(state.allowedModels, model.id),
  );
  if (!wantsAnthropicShape(request)) {
    sendJson(response, 200, { object: 'list', data: models });
    return;
  }
  sendJson(response, 200, {
    data: models.map(anthropicModel),
    has_more: false,
    first_id: models[0]?.id ?? null,
    last_id: models.at(-1)?.id ?? null,
  });
}

/** Ollama's rule: a name without a tag means its `:latest` (`llama3.2` is `llama3.2:latest`). */
function findUntagged(models: readonly ListedModel[], id: string): ListedModel | undefined {
  const name = id.slice(id.lastIndexOf('/') + 1);
  if (name === '' || name.includes(':')) return undefined;
  const tagged = `${id}:latest`;
  return models.find((model) => model.id === tagged);
}

export async function handleGetModel(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const id = decodeUriComponentSafely(path.slice('/v1/models/'.length), 'model');
  const models = await listAllModels(context, state.signal);
  const found = models.find((model) => model.id === id) ?? findUntagged(models, id);
  if (found === undefined || !isModelAllowed(state.allowedModels, found.id))
    throw new ModelNotFoundError({ message: `The model \`${id}\` does not exist`, param: 'model' });
  sendJson(response, 200, wantsAnthropicShape(request) ? anthropicModel(found) : found);
}
