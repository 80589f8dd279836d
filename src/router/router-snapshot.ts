import type { BackendStatsSnapshot } from './backend-stats.js';
import type { BackendNode, GroupNode, RoutingTable } from './routing-table.js';

/** What `GET /admin/backends` shows: every backend's live state, and the pools, aliases and routes over them. */
export interface RouterSnapshot {
  defaultBackend: string;
  backends: ({
    name: string;
    type: string;
    implicit: boolean;
    default: boolean;
    defaultModel: string | undefined;
  } & BackendStatsSnapshot)[];
  pools: GroupDescription[];
  models: GroupDescription[];
  routes: { name: string | undefined; path: string; methods: readonly string[] | undefined; backend: string }[];
}

export interface GroupDescription {
  name: string;
  strategy: string;
  fallback: boolean;
  members: { name: string; weight: number; model?: string }[];
}

export function snapshotRouting(
  defaultBackend: string,
  backends: readonly BackendNode[],
  defaults: readonly BackendNode[],
  table: RoutingTable,
): RouterSnapshot {
  const isDefault = new Set(defaults);
  return {
    defaultBackend,
    backends: backends.map((node) => ({
      name: node.name,
      type: node.backend.type,
      implicit: node.backend.implicit,
      default: isDefault.has(node),
      defaultModel: node.backend.defaultModel,
      ...node.stats.snapshot(),
    })),
    pools: [...table.pools.values()].map(describeGroup),
    models: [...table.aliases.values()].map(describeGroup),
    routes: table.routes.map((route) => ({
      name: route.name,
      path: route.path,
      methods: route.methods,
      backend: route.node.name,
    })),
  };
}

function describeGroup(group: GroupNode): GroupDescription {
  return {
    name: group.name,
    strategy: group.strategy,
    fallback: group.fallback,
    members: group.members.map((member) => ({
      name: member.node.name,
      weight: member.weight,
      ...(member.model === undefined ? {} : { model: member.model }),
    })),
  };
}
