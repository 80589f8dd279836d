import type { ChatResult, ChatStreamPart, Warning } from '../../spec/chat.js';
import type { EmbeddingResult } from '../../spec/embedding.js';
import { type ClientStreamPart, type Middleware, type ModelCall, type ModelOutcome, withParts } from '../model-call.js';
import { cacheKey } from './cache-key.js';

/** What the cache stores: plain JSON-safe data (a finished stream is kept as its parts). */
export type CachedEntry =
  | { kind: 'completion'; result: ChatResult }
  | { kind: 'stream'; provider: string; model: string; warnings: Warning[]; parts: ChatStreamPart[] }
  | { kind: 'embed'; result: EmbeddingResult };

/** A pluggable cache backend (Redis, a file, …); methods may be synchronous or return promises. */
export interface CacheStore {
  get(key: string): CachedEntry | undefined | Promise<CachedEntry | undefined>;
  set(key: string, entry: CachedEntry, ttlMs: number): void | Promise<void>;
}

/** An in-process LRU with a per-entry TTL; entries are copied in and out, so callers cannot alter them. */
export class MemoryCacheStore implements CacheStore {
  readonly #entries = new Map<string, { entry: CachedEntry; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.#maxEntries = options.maxEntries ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): CachedEntry | undefined {
    const found = this.#entries.get(key);
    if (found === undefined) return undefined;
    if (found.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, found);
    return structuredClone(found.entry);
  }

  set(key: string, entry: CachedEntry, ttlMs: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { entry: structuredClone(entry), expiresAt: this.#now() + ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}

export interface CacheOptions {
  /** Milliseconds an entry lives (default 5 minutes). */
  ttl?: number;
  /** Entries the default memory store keeps (default 1000). */
  maxEntries?: number;
  store?: CacheStore;
  /** Custom key; return undefined to bypass the cache for a call. */
  key?: (call: ModelCall) => string | undefined;
}

async function* replay(parts: ChatStreamPart[]): AsyncGenerator<ClientStreamPart> {
  yield* parts;
}

function fromEntry(entry: CachedEntry): ModelOutcome {
  if (entry.kind === 'completion') return { kind: 'completion', result: entry.result };
  if (entry.kind === 'embed') return { kind: 'embed', result: entry.result };
  return {
    kind: 'stream',
    result: { provider: entry.provider, model: entry.model, warnings: entry.warnings, parts: replay(entry.parts) },
  };
}

/**
 * Answers repeated calls from a cache: completions, embeddings, and streams (stored once fully consumed
 * without failure, replayed part by part). Keyed on every request field that changes the answer.
 *
 * @example
 * const gate = new LlamaGate({ middleware: [cache({ ttl: 60_000 })] });
 */
export function cache(options: CacheOptions = {}): Middleware {
  const store = options.store ?? new MemoryCacheStore({ maxEntries: options.maxEntries });
  const ttl = options.ttl ?? 300_000;
  const keyOf = options.key ?? cacheKey;
  return (next) => async (call) => {
    const found = keyOf(call);
    if (found === undefined) return next(call);
    const key: string = found;
    const hit = await store.get(key);
    if (hit !== undefined && hit.kind === call.kind) {
      call.trace.cacheHit = true;
      return fromEntry(hit);
    }
    const outcome = await next(call);
    if (outcome.kind === 'completion') await store.set(key, { kind: 'completion', result: outcome.result }, ttl);
    if (outcome.kind === 'embed') await store.set(key, { kind: 'embed', result: outcome.result }, ttl);
    if (outcome.kind !== 'stream') return outcome;
    const stream = outcome.result;
    async function* recording(): AsyncGenerator<ClientStreamPart> {
      const seen: ChatStreamPart[] = [];
      let storable = true;
      for await (const part of stream.parts) {
        if (part.type === 'error' || part.type === 'fallback') storable = false;
        else seen.push(part);
        yield part;
      }
      if (storable) {
        const entry: CachedEntry = {
          kind: 'stream',
          provider: stream.provider,
          model: stream.model,
          warnings: stream.warnings,
          parts: seen,
        };
        await store.set(key, entry, ttl);
      }
    }
    return { kind: 'stream', result: withParts(stream, recording()) };
  };
}
