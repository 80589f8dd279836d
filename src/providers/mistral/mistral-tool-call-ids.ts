import { createHash } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const MISTRAL_TOOL_CALL_ID = /^[a-zA-Z0-9]{9}$/;

/**
 * Mistral accepts only tool-call ids of 9 alphanumeric characters. The scheme:
 * - an id that already has that shape (every id Mistral itself returns) is sent unchanged, so Mistral's ids
 *   round-trip as they are and the client sees one id per call across turns;
 * - any other id (`call_…` from OpenAI, ids from another provider after a fallback) becomes the first 9
 *   base62 characters of its SHA-256. The same input always gives the same output, so an assistant
 *   message's `tool_calls[].id` and the matching tool message's `tool_call_id` stay paired, on every turn,
 *   without state. Ids in Mistral's answers that match a rewritten one are mapped back to the original.
 */
export function toMistralToolCallId(id: string): string {
  if (MISTRAL_TOOL_CALL_ID.test(id)) return id;
  const digest = createHash('sha256').update(id).digest();
  let result = '';
  for (let i = 0; i < 9; i++) result += ALPHABET[(digest[i] as number) % ALPHABET.length];
  return result;
}

/** Rewrites ids for one request and remembers which Mistral id stands for which original id. */
export class MistralToolCallIdMap {
  private readonly originals = new Map<string, string>();

  toMistral(id: string): string {
    const mistralId = toMistralToolCallId(id);
    if (mistralId !== id && !this.originals.has(mistralId)) this.originals.set(mistralId, id);
    return mistralId;
  }

  /** The client's id for an id Mistral returned (unchanged when it was not one of ours). */
  toOriginal(mistralId: string): string {
    return this.originals.get(mistralId) ?? mistralId;
  }
}
