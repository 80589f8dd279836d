import { describe, expect, it } from 'vitest';
import { createGroupState, type MemberView, orderMembers, type StrategyContext } from './pool-strategies.js';
import { createRandom } from './random.js';

function member(index: number, fields: Partial<MemberView> = {}): MemberView {
  return {
    index,
    weight: 1,
    inFlight: 0,
    latencyMs: undefined,
    timeToFirstTokenMs: undefined,
    price: undefined,
    ...fields,
  };
}

function context(seed = 7, fields: Partial<StrategyContext> = {}): StrategyContext {
  return { random: createRandom(seed), stream: false, explore: 0, ...fields };
}

const firstIndexes = (count: number, pick: () => MemberView[]) => {
  const counts = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const first = pick()[0]?.index as number;
    counts.set(first, (counts.get(first) ?? 0) + 1);
  }
  return counts;
};

describe('pool strategies', () => {
  it('weighted: 1000 picks follow the weights (70/30) within tolerance, and every member stays in the order', () => {
    const members = [member(0, { weight: 70 }), member(1, { weight: 30 })];
    const ctx = context(42);
    const state = createGroupState();
    const counts = firstIndexes(1000, () => orderMembers('weighted', members, state, ctx));
    expect(counts.get(0)).toBeGreaterThan(650);
    expect(counts.get(0)).toBeLessThan(750);
    expect(
      orderMembers('weighted', members, state, ctx)
        .map((m) => m.index)
        .sort(),
    ).toEqual([0, 1]);
  });

  it('weighted: three members 5/3/2 over 1000 picks', () => {
    const members = [member(0, { weight: 5 }), member(1, { weight: 3 }), member(2, { weight: 2 })];
    const ctx = context(3);
    const counts = firstIndexes(1000, () => orderMembers('weighted', members, createGroupState(), ctx));
    expect(counts.get(0)).toBeGreaterThan(450);
    expect(counts.get(0)).toBeLessThan(550);
    expect(counts.get(1)).toBeGreaterThan(250);
    expect(counts.get(1)).toBeLessThan(350);
    expect(counts.get(2)).toBeGreaterThan(150);
    expect(counts.get(2)).toBeLessThan(250);
  });

  it('round-robin: smooth weighted rotation (5,1,1 → a a b a c a a)', () => {
    const members = [member(0, { weight: 5 }), member(1), member(2)];
    const state = createGroupState();
    const picks = Array.from({ length: 7 }, () => orderMembers('round-robin', members, state, context())[0]?.index);
    expect(picks).toEqual([0, 0, 1, 0, 2, 0, 0]);
    const equal = [member(0), member(1), member(2)];
    const equalState = createGroupState();
    const rotation = Array.from(
      { length: 6 },
      () => orderMembers('round-robin', equal, equalState, context())[0]?.index,
    );
    expect(rotation).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('latency: untried first, then fastest; streams rank by time to first token', () => {
    const members = [
      member(0, { latencyMs: 300, timeToFirstTokenMs: 20 }),
      member(1, { latencyMs: 100, timeToFirstTokenMs: 90 }),
      member(2, { latencyMs: 200 }),
    ];
    expect(orderMembers('latency', members, createGroupState(), context()).map((m) => m.index)).toEqual([1, 2, 0]);
    expect(
      orderMembers('latency', members, createGroupState(), context(1, { stream: true })).map((m) => m.index),
    ).toEqual([0, 1, 2]);
    const untried = [...members, member(3)];
    expect(orderMembers('latency', untried, createGroupState(), context())[0]?.index).toBe(3);
  });

  it('latency: explores now and then, so a slow-looking member still gets samples', () => {
    const members = [member(0, { latencyMs: 500 }), member(1, { latencyMs: 10 })];
    const ctx = context(11, { explore: 0.1 });
    const counts = firstIndexes(1000, () => orderMembers('latency', members, createGroupState(), ctx));
    // Exploring puts one of the others first, so the slow member leads about `explore` of the time.
    expect(counts.get(0)).toBeGreaterThan(70);
    expect(counts.get(0)).toBeLessThan(130);
  });

  it('least-busy: fewest in flight first', () => {
    const members = [member(0, { inFlight: 3 }), member(1, { inFlight: 0 }), member(2, { inFlight: 1 })];
    expect(orderMembers('least-busy', members, createGroupState(), context()).map((m) => m.index)).toEqual([1, 2, 0]);
  });

  it('least-busy: idle members share the traffic', () => {
    const members = [member(0), member(1)];
    const ctx = context(5);
    const counts = firstIndexes(200, () => orderMembers('least-busy', members, createGroupState(), ctx));
    expect(counts.get(0)).toBeGreaterThan(60);
    expect(counts.get(1)).toBeGreaterThan(60);
  });

  it('cost: cheapest first, unpriced last', () => {
    const members = [member(0, { price: 10 }), member(1), member(2, { price: 2 })];
    expect(orderMembers('cost', members, createGroupState(), context()).map((m) => m.index)).toEqual([2, 0, 1]);
  });

  it('priority: configuration order', () => {
    const members = [member(2), member(0), member(1)];
    expect(orderMembers('priority', members, createGroupState(), context()).map((m) => m.index)).toEqual([0, 1, 2]);
  });
});
