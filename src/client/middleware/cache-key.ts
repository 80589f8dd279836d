import { createHash } from 'node:crypto';
import type { ModelCall } from '../model-call.js';

/** JSON with object keys sorted and undefined fields dropped, so equal requests give equal text. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item)).join(',')}]`;
  const fields: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) fields.push(`${JSON.stringify(key)}:${stableStringify(item)}`);
  }
  return `{${fields.join(',')}}`;
}

/**
 * A cache key over everything that changes the answer: kind, model, provider target (the API key only as
 * part of the hash), and every request field — messages, sampling settings, tools, response format with its
 * schema, provider options, a stream continuation. Signals, deadlines and headers are left out.
 */
export function cacheKey(call: ModelCall): string {
  const request = call.request;
  const material = {
    kind: call.kind,
    model: call.model,
    target: call.target,
    request,
    continuation: call.kind === 'stream' ? call.continuation : undefined,
  };
  return createHash('sha256').update(stableStringify(material)).digest('hex');
}
