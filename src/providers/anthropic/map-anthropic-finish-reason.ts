import type { FinishReason } from '../../spec/chat.js';

/**
 * Anthropic `stop_reason` → unified finish reason. `isJsonResponse` is set when the forced `json` tool carried
 * the answer: to the client that is a normal completion, not a tool call.
 */
export function mapAnthropicFinishReason(reason: string | null | undefined, isJsonResponse = false): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return isJsonResponse ? 'stop' : 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}
