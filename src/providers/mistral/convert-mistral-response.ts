import { type MistralContent, mistralContentSchema } from './mistral-api.js';
import type { MistralToolCallIdMap } from './mistral-tool-call-ids.js';

function thinkingText(thinking: Exclude<MistralContent, string>[number]['thinking']): string {
  if (thinking === null || thinking === undefined) return '';
  if (typeof thinking === 'string') return thinking;
  return thinking.map((chunk) => (chunk.type === 'text' ? (chunk.text ?? '') : '')).join('');
}

/** Splits chunked content into the OpenAI `content` / `reasoning_content` strings (other chunk types are dropped). */
function flattenContent(message: Record<string, unknown>): void {
  const parsed = mistralContentSchema.safeParse(message.content);
  if (!parsed.success || typeof parsed.data === 'string') return;
  let text = '';
  let reasoning = '';
  for (const chunk of parsed.data) {
    if (chunk.type === 'text') text += chunk.text ?? '';
    else if (chunk.type === 'thinking') reasoning += thinkingText(chunk.thinking);
  }
  message.content = text === '' && reasoning !== '' ? null : text;
  if (reasoning !== '') message.reasoning_content = reasoning;
}

function restoreToolCallIds(message: Record<string, unknown>, ids: MistralToolCallIdMap | undefined): void {
  if (ids === undefined || !Array.isArray(message.tool_calls)) return;
  message.tool_calls = message.tool_calls.map((call: unknown) => {
    if (typeof call !== 'object' || call === null) return call;
    const { id } = call as { id?: unknown };
    return typeof id === 'string' ? { ...call, id: ids.toOriginal(id) } : call;
  });
}

/**
 * Reshapes a Mistral chat response or stream chunk into the OpenAI shape the shared adapter reads:
 * content chunk arrays become `content` + `reasoning_content`, and tool-call ids the gateway rewrote for
 * this request are mapped back to the client's ids.
 */
export function convertMistralResponse(value: unknown, ids: MistralToolCallIdMap | undefined): unknown {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { choices?: unknown }).choices))
    return value;
  const response = value as { choices: unknown[] };
  return {
    ...response,
    choices: response.choices.map((choice) => {
      if (typeof choice !== 'object' || choice === null) return choice;
      const result = { ...(choice as Record<string, unknown>) };
      for (const key of ['message', 'delta'] as const) {
        const message = result[key];
        if (typeof message !== 'object' || message === null) continue;
        const copy = { ...(message as Record<string, unknown>) };
        flattenContent(copy);
        restoreToolCallIds(copy, ids);
        result[key] = copy;
      }
      return result;
    }),
  };
}
