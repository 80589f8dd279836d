import { describe, expect, it } from 'vitest';
import { CoalescedCalls } from './coalesced-calls.js';

/** A call that answers when `release` is called, recording each call's key and items. */
function gatedCalls() {
  const calls: [string, number[]][] = [];
  const gates: (() => void)[] = [];
  const call = async (key: string, items: readonly number[]) => {
    calls.push([key, [...items]]);
    await new Promise<void>((resolve) => gates.push(resolve));
    if (items.includes(13)) throw new Error('unlucky');
    return items.map((item) => item * 10);
  };
  const release = async () => {
    for (const gate of gates.splice(0)) gate();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { calls, call, release };
}

describe('CoalescedCalls', () => {
  it('sends an idle key’s item at once, and what comes meanwhile together, oldest first, at most maxItems a call', async () => {
    const { calls, call, release } = gatedCalls();
    const coalesced = new CoalescedCalls(call, 3);
    const outcomes = [1, 2, 3, 4, 5].map((item) => coalesced.run('a', item));
    const other = coalesced.run('b', 6);
    expect(calls).toEqual([
      ['a', [1]],
      ['b', [6]],
    ]);
    await release();
    expect(calls.slice(2)).toEqual([['a', [2, 3, 4]]]);
    await release();
    await release();
    expect(calls.slice(3)).toEqual([['a', [5]]]);
    expect(await Promise.all([...outcomes, other])).toEqual([10, 20, 30, 40, 50, 60]);
    // Idle again: the next item goes at once.
    const again = coalesced.run('a', 7);
    expect(calls.at(-1)).toEqual(['a', [7]]);
    await release();
    expect(await again).toBe(70);
  });

  it('fails every item of a failed call, and goes on with the next', async () => {
    const { calls, call, release } = gatedCalls();
    const coalesced = new CoalescedCalls(call, 10);
    const first = coalesced.run('a', 1);
    const failing = [13, 2, 3].map((item) => coalesced.run('a', item).catch((error: Error) => error.message));
    await release();
    await release();
    expect(await first).toBe(10);
    expect(await Promise.all(failing)).toEqual(['unlucky', 'unlucky', 'unlucky']);
    expect(calls).toEqual([
      ['a', [1]],
      ['a', [13, 2, 3]],
    ]);
    const next = coalesced.run('a', 4);
    await release();
    expect(await next).toBe(40);
  });

  it('fails an item the call gave no outcome for', async () => {
    const coalesced = new CoalescedCalls(async () => [], 10);
    await expect(coalesced.run('a', 1)).rejects.toThrow('no outcome for item 0 of 1');
  });
});
