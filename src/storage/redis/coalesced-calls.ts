/**
 * At most one call in flight per key: an item whose key has none goes at once, alone; items that come while
 * one is in flight wait for it and then go together in the next call (oldest first, at most `maxItems`). A busy
 * key costs one round trip per batch instead of one per item, and an idle one adds no delay (decision 0024).
 */
export class CoalescedCalls<Item, Outcome> {
  readonly #call: (key: string, items: readonly Item[]) => Promise<readonly Outcome[]>;
  readonly #maxItems: number;
  /** Per key with a call in flight: the items that will go in its next call. */
  readonly #waiting = new Map<string, Waiting<Item, Outcome>[]>();

  /** `call` answers one outcome per item, in the items' order; if it throws, every item of the call fails. */
  constructor(call: (key: string, items: readonly Item[]) => Promise<readonly Outcome[]>, maxItems: number) {
    this.#call = call;
    this.#maxItems = maxItems;
  }

  run(key: string, item: Item): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      const waiting: Waiting<Item, Outcome> = { item, resolve, reject };
      const queue = this.#waiting.get(key);
      if (queue !== undefined) {
        queue.push(waiting);
        return;
      }
      this.#waiting.set(key, []);
      void this.#drain(key, [waiting]);
    });
  }

  async #drain(key: string, first: Waiting<Item, Outcome>[]): Promise<void> {
    let batch = first;
    while (batch.length > 0) {
      try {
        const outcomes = await this.#call(
          key,
          batch.map((waiting) => waiting.item),
        );
        for (const [index, waiting] of batch.entries()) {
          const outcome = outcomes[index];
          if (outcome === undefined) waiting.reject(new Error(`no outcome for item ${index} of ${batch.length}`));
          else waiting.resolve(outcome);
        }
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
      batch = (this.#waiting.get(key) ?? []).splice(0, this.#maxItems);
    }
    this.#waiting.delete(key);
  }
}

interface Waiting<Item, Outcome> {
  item: Item;
  resolve(outcome: Outcome): void;
  reject(error: unknown): void;
}
