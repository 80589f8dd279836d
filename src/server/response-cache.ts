import { createHash } from 'node:crypto';

interface Entry<T> {
  value: T;
  expiresAt: number;
}

/** An LRU map with a TTL and an entry bound (Map iteration order is insertion order: re-insert on hit). */
export class LruCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

/** JSON with object keys sorted, so equal requests give equal keys whatever their field order. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item)).join(',')}]`;
  const keys = Object.keys(value).sort();
  const fields: string[] = [];
  for (const key of keys) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) fields.push(`${JSON.stringify(key)}:${stableStringify(item)}`);
  }
  return `{${fields.join(',')}}`;
}

/** Fields that never change the answer and so stay out of the key. */
const NON_SEMANTIC = new Set(['stream', 'stream_options', 'user', 'timeout', 'metadata', 'store']);

/**
 * The cache key of a chat request: the resolved backend and model plus every field of the body that can
 * change the answer (messages, temperature, max tokens, tools, tool_choice, response_format, seed, …), within a
 * `scope` (the calling virtual key) so one tenant never receives, or can probe, another's answers.
 */
export function chatCacheKey(
  backend: string,
  modelId: string,
  body: Readonly<Record<string, unknown>>,
  scope = '',
): string {
  const semantic: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (key !== 'model' && !NON_SEMANTIC.has(key)) semantic[key] = value;
  return createHash('sha256')
    .update(scope)
    .update('\0')
    .update(backend)
    .update('\0')
    .update(modelId)
    .update('\0')
    .update(stableStringify(semantic))
    .digest('hex');
}

/**
 * The cache scope of a caller: its operator-chosen cache group when it has one (`cache.groups`), else its own
 * virtual key; callers without a virtual key (master key, `API_KEY`, an open gateway) share the empty scope.
 */
export function cacheScope(keyId: string | undefined, groups: ReadonlyMap<string, string>): string {
  if (keyId === undefined) return '';
  const group = groups.get(keyId);
  return group === undefined ? `key:${keyId}` : `group:${group}`;
}

/** `cache.groups` (group → key ids) as key id → group. */
export function cacheGroupsByKey(groups: Readonly<Record<string, readonly string[]>>): Map<string, string> {
  const byKey = new Map<string, string>();
  for (const [group, keys] of Object.entries(groups)) for (const key of keys) byKey.set(key, group);
  return byKey;
}
