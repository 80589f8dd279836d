import type { Warning } from '../../spec/chat.js';
import type { MistralToolCallIdMap } from './mistral-tool-call-ids.js';

/** The message properties Mistral's API accepts, per role (it answers 422 to any other). */
const ALLOWED_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  system: ['role', 'content'],
  user: ['role', 'content'],
  assistant: ['role', 'content', 'tool_calls', 'prefix'],
  tool: ['role', 'content', 'tool_call_id', 'name'],
};

/**
 * Not warned about: earlier-turn reasoning is not replayed to Mistral (its models do not read it back), and
 * `refusal` is the model's own earlier output, already reflected in `content`.
 */
const DROPPED_QUIETLY = new Set(['reasoning_content', 'refusal']);

function convertToolCalls(value: unknown, ids: MistralToolCallIdMap, names: Map<string, string>): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((call) => {
    if (typeof call !== 'object' || call === null) return call;
    const { id, function: fn } = call as { id?: unknown; function?: { name?: unknown; arguments?: unknown } };
    const mistralId = typeof id === 'string' ? ids.toMistral(id) : id;
    if (typeof mistralId === 'string' && typeof fn?.name === 'string') names.set(mistralId, fn.name);
    const args = fn?.arguments;
    return {
      id: mistralId,
      type: 'function',
      function: { name: fn?.name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
    };
  });
}

/**
 * Messages with only the properties Mistral accepts: `developer` becomes `system`, tool-call ids are
 * rewritten (see `toMistralToolCallId`), tool messages get the function `name` Mistral's examples carry.
 * Returns new objects; the caller's messages are never mutated.
 */
export function convertToMistralMessages(
  messages: readonly unknown[],
  ids: MistralToolCallIdMap,
  warnings: Warning[],
): unknown[] {
  const dropped = new Set<string>();
  const names = new Map<string, string>();
  const converted = messages.map((message) => {
    if (typeof message !== 'object' || message === null) return message;
    const source = message as Record<string, unknown>;
    const role = source.role === 'developer' ? 'system' : source.role;
    const allowed = typeof role === 'string' ? ALLOWED_PROPERTIES[role] : undefined;
    if (allowed === undefined) return { ...source };
    const result: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(source)) {
      if (value === undefined) continue;
      if (allowed.includes(key)) result[key] = value;
      else if (!DROPPED_QUIETLY.has(key)) dropped.add(key);
    }
    result.role = role;
    if (role === 'assistant' && result.tool_calls !== undefined)
      result.tool_calls = convertToolCalls(result.tool_calls, ids, names);
    if (role === 'tool' && typeof result.tool_call_id === 'string') {
      const mistralId = ids.toMistral(result.tool_call_id);
      result.tool_call_id = mistralId;
      const name = names.get(mistralId);
      if (result.name === undefined && name !== undefined) result.name = name;
    }
    return result;
  });
  for (const key of dropped) {
    warnings.push({
      type: 'unsupported-setting',
      setting: `messages[].${key}`,
      message: `mistral does not support messages[].${key}; it was dropped`,
    });
  }
  return converted;
}
