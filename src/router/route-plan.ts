import type { Backend } from './backend.js';
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
}

/** Whether a node has a backend that may take this request now (recording why not in the context). */
function usable(node: RouteNode, model: string | undefined, context: PlanContext, seen: Set<RouteNode>): boolean {
  if (seen.has(node)) return false;
  if (node.kind === 'backend') return backendUsable(node, model, context);
  seen.add(node);
  const result = node.members.some((member) => usable(member.node, member.model ?? model, context, seen));
  seen.delete(node);
  return result;
}

function backendUsable(node: BackendNode, model: string | undefined, context: PlanContext): boolean {
  const blocked = node.stats.breaker.blockedUntil();
  if (blocked !== undefined) {
    context.blockedUntil.push(blocked);
    return false;
  }
  if ((model ?? node.backend.defaultModel) === undefined) {
    context.missingModel = true;
    return false;
  }
  return true;
}

function view(member: GroupMember, index: number, model: string | undefined, context: PlanContext): MemberView {
  const leaves = collectLeaves(member.node, member.model ?? model);
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
export function collectLeaves(
  node: RouteNode,
  model: string | undefined,
  seen = new Set<RouteNode>(),
): { node: BackendNode; model: string | undefined }[] {
  if (node.kind === 'backend') return [{ node, model: model ?? node.backend.defaultModel }];
  if (seen.has(node)) return [];
  seen.add(node);
  return node.members.flatMap((member) => collectLeaves(member.node, member.model ?? model, seen));
}

/**
 * Expands a node into the ordered backends a request will try: each group orders its usable members by its
 * strategy, and with `fallback: false` offers only its pick. Cooling-down backends are left out.
 */
export function planTargets(node: RouteNode, model: string | undefined, context: PlanContext): PlannedTarget[] {
  // One backend (the common request): nothing to order or de-duplicate.
  if (node.kind === 'backend') {
    if (!backendUsable(node, model, context)) return [];
    return [{ node, backend: node.backend, modelId: (model ?? node.backend.defaultModel) as string }];
  }
  const targets = expand(node, model, context, new Set());
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
  model: string | undefined,
  context: PlanContext,
  path: Set<RouteNode>,
): PlannedTarget[] {
  if (node.kind === 'backend') {
    if (!usable(node, model, context, new Set())) return [];
    return [{ node, backend: node.backend, modelId: (model ?? node.backend.defaultModel) as string }];
  }
  if (path.has(node)) return [];
  path.add(node);
  const available = node.members
    .map((member, index) => ({ member, index }))
    .filter(({ member }) => usable(member.node, member.model ?? model, context, new Set(path)));
  const views = available.map(({ member, index }) => view(member, index, model, context));
  const ordered = orderMembers(node.strategy, views, node.state, context);
  const targets: PlannedTarget[] = [];
  for (const picked of ordered) {
    const member = node.members[picked.index] as GroupMember;
    const expanded = expand(member.node, member.model ?? model, context, path);
    if (expanded.length === 0) continue;
    targets.push(...expanded);
    if (!node.fallback) break;
  }
  path.delete(node);
  return targets;
}
