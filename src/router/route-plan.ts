import { findProviderDefinition, providerForBareModel } from '../providers/registry.js';
import { type LlamaGateError, ModelNotFoundError, ServiceUnavailableError } from '../spec/errors.js';
import type { Backend } from './backend.js';
import { missingModel } from './model-resolver.js';
import { type MemberView, orderMembers } from './pool-strategies.js';
import type { BackendNode, GroupMember, RouteNode } from './routing-table.js';

/** One backend and the model it will be asked for: a candidate of a request. */
export interface PlannedTarget {
  node: BackendNode;
  backend: Backend;
  modelId: string;
}

export interface PlanContext {
  random: () => number;
  stream: boolean;
  explore: number;
  /** Price per 1M tokens for the `cost` strategy; undefined when unpriced. */
  price: (backend: Backend, modelId: string) => number | undefined;
  /** Filled while planning: when skipped (cooling-down) backends may be tried again (wall-clock ms). */
  blockedUntil: number[];
  /** Filled while planning: a backend was passed over because neither the request nor it names a model. */
  missingModel: boolean;
  /** Filled while planning: a member was passed over because the request's model is another provider's. */
  unservedModel?: string;
}

/**
 * A model passed down a pool: the request's, checked against each member's provider, or an alias deployment's
 * own, sent as written.
 */
interface Wanted {
  id: string;
  asWritten: boolean;
}

const requested = (model: string | undefined): Wanted | undefined =>
  model === undefined ? undefined : { id: model, asWritten: false };

const passedTo = (member: GroupMember, wanted: Wanted | undefined): Wanted | undefined =>
  member.model === undefined ? wanted : { id: member.model, asWritten: true };

/**
 * Whether a pool member may be sent the request's model: yes unless the name is of a hosted family (`gpt-4o`,
 * `claude-…`) and the member's provider has another family of its own (an Anthropic member for `gpt-4o`).
 * Providers without a family of their own (Ollama, Azure deployments, OpenAI-compatible hosts) may serve any name.
 */
function servesRequested(backend: Backend, model: string): boolean {
  const family = providerForBareModel(model);
  if (family === undefined || family.id === backend.type) return true;
  return (findProviderDefinition(backend.type)?.bareModels?.length ?? 0) === 0;
}

/** The model a pool member is asked for: the wanted one, else (none, or another provider's) its `defaultModel`. */
function memberModel(backend: Backend, wanted: Wanted | undefined): string | undefined {
  if (wanted === undefined) return backend.defaultModel;
  if (wanted.asWritten || servesRequested(backend, wanted.id)) return wanted.id;
  return backend.defaultModel;
}

/** Whether a node has a backend that may take this request now (recording why not in the context). */
function usable(node: RouteNode, wanted: Wanted | undefined, context: PlanContext, seen: Set<RouteNode>): boolean {
  if (seen.has(node)) return false;
  if (node.kind === 'backend') return backendUsable(node, memberModel(node.backend, wanted), context, wanted);
  seen.add(node);
  const result = node.members.some((member) => usable(member.node, passedTo(member, wanted), context, seen));
  seen.delete(node);
  return result;
}

function backendUsable(node: BackendNode, model: string | undefined, context: PlanContext, wanted?: Wanted): boolean {
  const blocked = node.stats.breaker.blockedUntil();
  if (blocked !== undefined) {
    context.blockedUntil.push(blocked);
    return false;
  }
  if (model === undefined) {
    if (wanted === undefined) context.missingModel = true;
    else context.unservedModel = wanted.id;
    return false;
  }
  return true;
}

function view(member: GroupMember, index: number, wanted: Wanted | undefined, context: PlanContext): MemberView {
  const leaves = collectLeaves(member.node, passedTo(member, wanted));
  const known = (values: (number | undefined)[]) => {
    const defined = values.filter((value): value is number => value !== undefined);
    return defined.length === 0 ? undefined : Math.min(...defined);
  };
  return {
    index,
    weight: member.weight,
    inFlight: leaves.reduce((sum, leaf) => sum + leaf.node.stats.inFlight, 0),
    latencyMs: known(leaves.map((leaf) => leaf.node.stats.latencyMs)),
    timeToFirstTokenMs: known(leaves.map((leaf) => leaf.node.stats.timeToFirstTokenMs)),
    price: known(
      leaves.map((leaf) => (leaf.model === undefined ? undefined : context.price(leaf.node.backend, leaf.model))),
    ),
  };
}

/** Every backend under a node with the model it would be asked for (undefined: neither names one). */
function collectLeaves(
  node: RouteNode,
  wanted: Wanted | undefined,
  seen = new Set<RouteNode>(),
): { node: BackendNode; model: string | undefined }[] {
  if (node.kind === 'backend') return [{ node, model: memberModel(node.backend, wanted) }];
  if (seen.has(node)) return [];
  seen.add(node);
  return node.members.flatMap((member) => collectLeaves(member.node, passedTo(member, wanted), seen));
}

/**
 * Expands a node into the ordered backends a request will try: each group orders its usable members by its
 * strategy, and with `fallback: false` offers only its pick. Cooling-down backends are left out.
 */
/** Every backend and model a request for `model` may reach through `node`, whatever their health. */
export function servingLeaves(
  node: RouteNode,
  model: string | undefined,
): { node: BackendNode; model: string | undefined }[] {
  // One backend gets the model as asked, as `planTargets` sends it.
  if (node.kind === 'backend') return [{ node, model: model ?? node.backend.defaultModel }];
  return collectLeaves(node, requested(model));
}

export function planTargets(node: RouteNode, model: string | undefined, context: PlanContext): PlannedTarget[] {
  // One backend (the common request): nothing to order or de-duplicate.
  if (node.kind === 'backend') {
    const modelId = model ?? node.backend.defaultModel;
    if (!backendUsable(node, modelId, context)) return [];
    return [{ node, backend: node.backend, modelId: modelId as string }];
  }
  const targets = expand(node, requested(model), context, new Set());
  const seen = new Set<string>();
  return targets.filter((target) => {
    const key = `${target.backend.name}\u0000${target.modelId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function expand(
  node: RouteNode,
  wanted: Wanted | undefined,
  context: PlanContext,
  path: Set<RouteNode>,
): PlannedTarget[] {
  if (node.kind === 'backend') {
    const modelId = memberModel(node.backend, wanted);
    if (!backendUsable(node, modelId, context, wanted)) return [];
    return [{ node, backend: node.backend, modelId: modelId as string }];
  }
  if (path.has(node)) return [];
  path.add(node);
  const available = node.members
    .map((member, index) => ({ member, index }))
    .filter(({ member }) => usable(member.node, passedTo(member, wanted), context, new Set(path)));
  const views = available.map(({ member, index }) => view(member, index, wanted, context));
  const ordered = orderMembers(node.strategy, views, node.state, context);
  const targets: PlannedTarget[] = [];
  for (const picked of ordered) {
    const member = node.members[picked.index] as GroupMember;
    const expanded = expand(member.node, passedTo(member, wanted), context, path);
    if (expanded.length === 0) continue;
    targets.push(...expanded);
    if (!node.fallback) break;
  }
  path.delete(node);
  return targets;
}

/** Why planning left no candidate: all cooling down (503 with Retry-After), no model to ask for, or none serves it. */
export function noCandidateError(target: string, context: PlanContext): LlamaGateError {
  if (context.blockedUntil.length > 0) {
    const seconds = Math.max(1, Math.ceil((Math.min(...context.blockedUntil) - Date.now()) / 1000));
    return new ServiceUnavailableError({
      message: `Every backend of "${target}" is cooling down after repeated failures; retry after ${seconds}s`,
      retryAfter: seconds,
      isRetryable: true,
    });
  }
  if (context.missingModel) return missingModel();
  if (context.unservedModel !== undefined)
    return new ModelNotFoundError({
      message: `No backend of "${target}" serves \`${context.unservedModel}\` and none has a defaultModel to use instead`,
      param: 'model',
    });
  return new ServiceUnavailableError({ message: `No backend of "${target}" can take this request` });
}
