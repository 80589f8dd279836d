/**
 * Results remembered for recurring string keys (URLs, model names, log texts): at most `maxEntries` (past that
 * it starts over), and only for keys of at most `maxKeyLength` characters. Some keys come from clients (a
 * model name can be as long as the request body allows), so neither the count nor the size of what is kept
 * can grow without bound; a longer key is simply computed every time.
 *
 * @example
 * const literals = new RecentResults<string>(1024);
 * literals.get(model, JSON.stringify);
 */
export class RecentResults<V> {
  readonly #values = new Map<string, V>();

  constructor(
    readonly maxEntries: number,
    readonly maxKeyLength = 256,
  ) {}

  get(key: string, compute: (key: string) => V): V {
    if (key.length > this.maxKeyLength) return compute(key);
    const known = this.#values.get(key);
    if (known !== undefined || this.#values.has(key)) return known as V;
    const value = compute(key);
    if (this.#values.size >= this.maxEntries) this.#values.clear();
    this.#values.set(key, value);
    return value;
  }
}
