import type { BackendConfig } from '../config/config-schema.js';
import type { ModelAliasConfig, PoolStrategy, RouteConfig } from '../config/routing-schema.js';
import type { Backend } from './backend.js';
import type { BackendStats } from './backend-stats.js';
import type { ModelResolver } from './model-resolver.js';
import { createGroupState, type GroupState } from './pool-strategies.js';

export interface BackendNode {
  kind: 'backend';
  name: string;
  backend: Backend;
  stats: BackendStats;
}

/** A pool (`type: pool`) or a model alias (`models:`): members behind a strategy. */
export interface GroupNode {
  kind: 'pool' | 'alias';
  name: string;
  strategy: PoolStrategy;
  fallback: boolean;
  members: GroupMember[];
  state: GroupState;
}

export interface GroupMember {
  node: RouteNode;
  weight: number;
  /** The model this member is asked for (alias deployments); else the request's, else the backend default. */
  model?: string;
}

export type RouteNode = BackendNode | GroupNode;

export interface CompiledRoute {
  name: string | undefined;
  path: string;
  methods: readonly string[] | undefined;
  node: RouteNode;
}

export class RoutingConfigError extends Error {
  override readonly name = 'RoutingConfigError';
}

export const DEFAULT_STRATEGY: PoolStrategy = 'weighted';

export interface RoutingTableInput {
  backends: readonly BackendConfig[];
  models: Readonly<Record<string, ModelAliasConfig>>;
  routes: readonly RouteConfig[];
  defaultBackend: string;
  resolver: ModelResolver;
  /** The node of a backend (configured or implicit), created once per backend. */
  leaf: (backend: Backend) => BackendNode;
}

/** Pools, aliases and routes linked into one graph; every name is checked and pool cycles are refused. */
export interface RoutingTable {
  pools: Map<string, GroupNode>;
  aliases: Map<string, GroupNode>;
  routes: CompiledRoute[];
  defaultNode: RouteNode;
}

export function buildRoutingTable(input: RoutingTableInput): RoutingTable {
  const poolConfigs = new Map(input.backends.filter((b) => b.type === 'pool').map((b) => [b.name, b]));
  const pools = new Map<string, GroupNode>();
  const building = new Set<string>();

  const known = () =>
    [...input.resolver.listBackends().map((backend) => backend.name), ...poolConfigs.keys()].join(', ') || 'none';

  const nodeNamed = (name: string, where: string): RouteNode => {
    const backend = input.resolver.getBackend(name);
    if (backend !== undefined) return input.leaf(backend);
    if (poolConfigs.has(name)) return poolNamed(name, where);
    // A provider id with environment credentials works as an implicit backend (`openai`, `anthropic`).
    const implicit = input.resolver.backendForProvider(name);
    if (implicit !== undefined) return input.leaf(implicit);
    throw new RoutingConfigError(`${where}: "${name}" is not a backend or pool (known: ${known()})`);
  };

  const poolNamed = (name: string, where: string): GroupNode => {
    const built = pools.get(name);
    if (built !== undefined) return built;
    if (building.has(name))
      throw new RoutingConfigError(`${where}: pool "${name}" contains itself (${[...building, name].join(' → ')})`);
    const config = poolConfigs.get(name) as BackendConfig;
    building.add(name);
    const members = (config.backends ?? []).map((member) => ({
      node: nodeNamed(member.name, `pool "${name}"`),
      weight: member.weight,
    }));
    building.delete(name);
    const node: GroupNode = {
      kind: 'pool',
      name,
      strategy: config.strategy ?? DEFAULT_STRATEGY,
      fallback: config.fallback ?? false,
      members,
      state: createGroupState(),
    };
    pools.set(name, node);
    return node;
  };

  for (const name of poolConfigs.keys()) poolNamed(name, `pool "${name}"`);

  const aliases = new Map<string, GroupNode>();
  for (const [name, alias] of Object.entries(input.models)) {
    if (input.resolver.getBackend(name) !== undefined || poolConfigs.has(name))
      throw new RoutingConfigError(`models: the alias "${name}" is also a backend or pool name`);
    aliases.set(name, {
      kind: 'alias',
      name,
      strategy: alias.strategy ?? DEFAULT_STRATEGY,
      fallback: alias.fallback ?? false,
      members: alias.deployments.map((deployment) => ({
        node: nodeNamed(deployment.backend, `models.${name}`),
        weight: deployment.weight,
        model: deployment.model,
      })),
      state: createGroupState(),
    });
  }

  const routes = input.routes.map((route, index) => ({
    name: route.name,
    path: route.path,
    methods: route.methods,
    node: nodeNamed(route.backend, `routes[${index}]${route.name ? ` (${route.name})` : ''}`),
  }));

  return { pools, aliases, routes, defaultNode: nodeNamed(input.defaultBackend, 'defaultBackend') };
}

/** The first route whose path (exact, or a prefix ending in `*`) and methods match. */
export function matchConfiguredRoute(
  routes: readonly CompiledRoute[],
  path: string,
  method: string | undefined,
): CompiledRoute | undefined {
  return routes.find((route) => {
    const pathMatches = route.path.endsWith('*') ? path.startsWith(route.path.slice(0, -1)) : route.path === path;
    if (!pathMatches) return false;
    return method === undefined || route.methods === undefined || route.methods.includes(method.toUpperCase());
  });
}

/** Every backend under a node, depth first, each once. */
export function leavesOf(node: RouteNode, seen = new Set<RouteNode>()): BackendNode[] {
  if (seen.has(node)) return [];
  seen.add(node);
  if (node.kind === 'backend') return [node];
  return node.members.flatMap((member) => leavesOf(member.node, seen));
}
