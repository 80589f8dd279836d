import type { PoolStrategy } from '../config/routing-schema.js';

/** What a strategy knows about one member (a backend, or a nested pool summarised over its backends). */
export interface MemberView {
  /** Position in the configuration; the tie-breaker and the `priority` order. */
  index: number;
  weight: number;
  inFlight: number;
  latencyMs: number | undefined;
  timeToFirstTokenMs: number | undefined;
  /** Price per 1M tokens (input + output), undefined when unpriced. */
  price: number | undefined;
}

export interface StrategyContext {
  random: () => number;
  /** Streams are ranked by time to first token, other calls by whole-response latency. */
  stream: boolean;
  /** Probability that the latency strategy puts a random member first. */
  explore: number;
}

/** Per-group memory: smooth weighted round-robin needs each member's running weight. */
export interface GroupState {
  currentWeights: Map<number, number>;
}

export function createGroupState(): GroupState {
  return { currentWeights: new Map() };
}

const byIndex = (a: MemberView, b: MemberView) => a.index - b.index;

/**
 * Orders available members for one request: the first is the pick, the rest are the fallback order. Every
 * strategy returns all members, so `fallback: true` can walk the list.
 */
export function orderMembers(
  strategy: PoolStrategy,
  members: readonly MemberView[],
  state: GroupState,
  context: StrategyContext,
): MemberView[] {
  if (members.length <= 1) return [...members];
  switch (strategy) {
    case 'weighted':
      return weightedShuffle(members, context.random);
    case 'round-robin':
      return smoothWeightedRoundRobin(members, state);
    case 'latency':
      return byLatency(members, context);
    case 'least-busy': {
      // Ties (the common case at low load) are broken by weight, randomly, so idle members share traffic.
      const keys = weightKeys(members, context.random);
      return [...members].sort((a, b) => a.inFlight - b.inFlight || (keys.get(b) ?? 0) - (keys.get(a) ?? 0));
    }
    case 'cost':
      return [...members].sort(
        (a, b) => (a.price ?? Number.POSITIVE_INFINITY) - (b.price ?? Number.POSITIVE_INFINITY) || a.index - b.index,
      );
    case 'priority':
      return [...members].sort(byIndex);
  }
}

// Efraimidis–Spirakis keys u^(1/w): sorting by them is weighted sampling without replacement, so the first
// member is picked with probability weight / total and the rest follow in a weighted random order.
function weightKeys(members: readonly MemberView[], random: () => number): Map<MemberView, number> {
  return new Map(members.map((member) => [member, random() ** (1 / member.weight)]));
}

function weightedShuffle(members: readonly MemberView[], random: () => number): MemberView[] {
  const keys = weightKeys(members, random);
  return [...members].sort((a, b) => (keys.get(b) ?? 0) - (keys.get(a) ?? 0));
}

/** nginx's smooth weighted round-robin: weights 5,1,1 give a a b a c a a rather than a a a a a b c. */
function smoothWeightedRoundRobin(members: readonly MemberView[], state: GroupState): MemberView[] {
  let total = 0;
  for (const member of members) {
    total += member.weight;
    state.currentWeights.set(member.index, (state.currentWeights.get(member.index) ?? 0) + member.weight);
  }
  const current = (member: MemberView) => state.currentWeights.get(member.index) ?? 0;
  const ordered = [...members].sort((a, b) => current(b) - current(a) || a.index - b.index);
  const picked = ordered[0] as MemberView;
  state.currentWeights.set(picked.index, current(picked) - total);
  return ordered;
}

function byLatency(members: readonly MemberView[], context: StrategyContext): MemberView[] {
  const score = (member: MemberView) =>
    (context.stream
      ? (member.timeToFirstTokenMs ?? member.latencyMs)
      : (member.latencyMs ?? member.timeToFirstTokenMs)) ?? -1; // untried members go first, to get a sample
  const ordered = [...members].sort((a, b) => score(a) - score(b) || a.index - b.index);
  // Exploring sends the request to one of the others, so a member that only looks slow gets a fresh sample.
  if (context.random() < context.explore) {
    const chosen = ordered.splice(1 + Math.floor(context.random() * (ordered.length - 1)), 1)[0] as MemberView;
    ordered.unshift(chosen);
  }
  return ordered;
}
