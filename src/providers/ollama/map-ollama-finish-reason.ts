import type { FinishReason } from '../../spec/chat.js';

/**
 * Ollama's `done_reason` → the unified reason. Ollama reports `stop` even when the answer is tool calls,
 * so the caller says whether any were produced. Older servers omit `done_reason` on a normal end.
 */
export function mapOllamaFinishReason(reason: string | null | undefined, hadToolCalls: boolean): FinishReason {
  if (hadToolCalls) return 'tool_calls';
  switch (reason) {
    case null:
    case undefined:
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    default:
      // `load` and `unload` (empty-message requests) and anything newer.
      return 'other';
  }
}
