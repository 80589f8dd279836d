/**
 * Gemini 3 rejects a replayed `functionCall` without the `thoughtSignature` it was generated with, but the
 * OpenAI message shape has no place for it: clients echo only the tool-call id. The adapter therefore keeps
 * signatures keyed by the tool-call ids it handed out, so the next turn through the same gateway process can
 * put them back. Bounded (oldest evicted first); callers on several processes pass signatures explicitly via
 * `providerOptions.gemini.thoughtSignatures`.
 */
export class ThoughtSignatureCache {
  private readonly entries = new Map<string, string>();

  constructor(private readonly maxEntries = 10_000) {}

  set(toolCallId: string, signature: string): void {
    this.entries.delete(toolCallId);
    this.entries.set(toolCallId, signature);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }

  get(toolCallId: string): string | undefined {
    return this.entries.get(toolCallId);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Google's documented placeholder for replayed function calls whose signature is unknown (history built
 * elsewhere, another gateway process, a restart): Gemini 3 accepts it instead of answering 400.
 */
export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

/** Gemini 3 and later validate thought signatures on replayed function calls. */
export function requiresThoughtSignatures(modelId: string): boolean {
  return /gemini-(?:[3-9]|\d{2,})(?:[.-]|$)/.test(modelId);
}
