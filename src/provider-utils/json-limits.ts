import { BadRequestError } from '../spec/errors.js';

/** Deep enough for any real JSON Schema or message list, shallow enough that recursive code never overflows. */
export const DEFAULT_MAX_JSON_DEPTH = 128;

export interface JsonLimits {
  /** Most nested arrays/objects allowed; deeper input is a 400 `invalid_json`. */
  maxDepth?: number;
  /** Names the offending part of the request in the error (`body` by default). */
  param?: string;
}

/**
 * Whether a parsed JSON value nests arrays and objects more than `maxDepth` levels deep (the value itself is the
 * first level). Walks the parsed value, so its cost follows the number of arrays and objects, not the length of
 * the strings inside them, and it never recurses more than `maxDepth` levels, however deep the value (decision 0026).
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (maxDepth < 1) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (nestsDeeperThan(item, maxDepth - 1)) return true;
  } else {
    for (const key in value) if (nestsDeeperThan((value as Record<string, unknown>)[key], maxDepth - 1)) return true;
  }
  return false;
}

/**
 * `JSON.parse` for untrusted input: not JSON, or nested deeper than `maxDepth`, is a 400 `invalid_json`
 * (`JSON.stringify` and every unbounded recursive walk of a 100 000-deep value overflow the stack).
 *
 * @example
 * parseJsonWithLimits(Buffer.from('{"a":[1]}'), { maxDepth: 64 }); // { a: [1] }
 */
export function parseJsonWithLimits(input: Buffer | Uint8Array | string, limits: JsonLimits = {}): unknown {
  const text =
    typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const param = limits.param ?? 'body';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError({
      code: 'invalid_json',
      message: `The request ${param} is not valid JSON: ${(error as Error).message}`,
      param,
    });
  }
  // Checked after parsing so that invalid JSON keeps its precise message; only valid JSON has a meaningful depth.
  if (nestsDeeperThan(value, maxDepth)) {
    throw new BadRequestError({
      code: 'invalid_json',
      message: `The request ${param} nests arrays and objects deeper than ${maxDepth} levels`,
      param,
    });
  }
  return value;
}

/**
 * `decodeURIComponent` for client input: malformed percent-encoding (`%E0%A4%A`, a lone `%`) is a 400 naming
 * `param` instead of a thrown URIError that would become a 500.
 */
export function decodeUriComponentSafely(value: string, param: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new BadRequestError({
      message: `Malformed percent-encoding in ${param}: ${JSON.stringify(value.slice(0, 200))}`,
      param,
    });
  }
}
