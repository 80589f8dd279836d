import type { Warning } from '../../spec/chat.js';

function isTextPartArray(value: unknown): value is { type: 'text'; text: string }[] {
  return (
    Array.isArray(value) &&
    value.every((part) => typeof part === 'object' && part !== null && (part as { type?: unknown }).type === 'text')
  );
}

/**
 * Groq answers 400 to `messages[].name` and validates message properties strictly, so names are dropped
 * (with one warning), `developer` becomes `system`, earlier-turn `reasoning_content` is removed (Groq models do
 * not take it back), and text-part arrays outside user messages become plain strings (lossless).
 * Returns new message objects; the caller's are never mutated.
 */
export function convertToGroqMessages(messages: readonly unknown[], warnings: Warning[]): unknown[] {
  let droppedName = false;
  const converted = messages.map((message) => {
    if (typeof message !== 'object' || message === null) return message;
    const { name, reasoning_content: _reasoning, ...rest } = message as Record<string, unknown>;
    if (name !== undefined) droppedName = true;
    if (rest.role === 'developer') rest.role = 'system';
    if (rest.role !== 'user' && isTextPartArray(rest.content)) {
      rest.content = rest.content.map((part) => part.text).join('');
    }
    return rest;
  });
  if (droppedName) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'messages[].name',
      message: 'groq does not support messages[].name; the names were dropped',
    });
  }
  return converted;
}
