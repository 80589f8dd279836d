import type { FinishReason } from '../../spec/chat.js';

/**
 * Cohere's finish reasons (upper case in responses; the v2 SDK also lists lower-case spellings).
 * ERROR_TOXIC / CONTENT_BLOCKED are safety stops, ERROR_LIMIT is the context limit.
 */
export function mapCohereFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason?.toUpperCase()) {
    case 'COMPLETE':
    case 'STOP_SEQUENCE':
      return 'stop';
    case 'MAX_TOKENS':
    case 'ERROR_LIMIT':
      return 'length';
    case 'TOOL_CALL':
      return 'tool_calls';
    case 'ERROR_TOXIC':
    case 'CONTENT_BLOCKED':
      return 'content_filter';
    case 'ERROR':
    case 'TIMEOUT':
      return 'error';
    default:
      return 'other';
  }
}
