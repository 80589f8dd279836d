import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test-support/mock-upstream.js';
import { openaiChatResponseSchema } from './openai-api.js';
import { isWireExactCompletion } from './wire-exact-completion.js';

type Path = readonly (string | number)[];
const REMOVE = Symbol('remove');

/** A copy of `body` with the value at `path` replaced (or removed). */
function changed(body: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(body);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === REMOVE) delete node[last];
  else node[last] = value;
  return copy;
}

const openai = () => readFixture('openai', 'openai-text.json');
const xaiToolCall = () => readFixture('openai-compatible', 'xai-tool-call.json');

describe('isWireExactCompletion (recorded responses)', () => {
  it("accepts OpenAI's own recorded answer and xAI's recorded tool call, which the response schema also accepts", () => {
    for (const body of [openai(), xaiToolCall()]) {
      expect(isWireExactCompletion(body)).toBe(true);
      expect(openaiChatResponseSchema.safeParse(body).success).toBe(true);
    }
  });

  it("rejects Mistral's recorded answer: it sends tool_calls: null, which OpenAI leaves out", () => {
    expect(isWireExactCompletion(readFixture('mistral', 'mistral-text.json'))).toBe(false);
  });

  const message = ['choices', 0, 'message'];
  const deviations: [string, Path, unknown][] = [
    ['no object field', ['object'], REMOVE],
    ['a chunk object', ['object'], 'chat.completion.chunk'],
    ['no id', ['id'], REMOVE],
    ['created as a string', ['created'], '1770933883'],
    ['no model', ['model'], REMOVE],
    ['no usage', ['usage'], REMOVE],
    ['usage without total_tokens', ['usage', 'total_tokens'], REMOVE],
    ['cached tokens as a string', ['usage', 'prompt_tokens_details', 'cached_tokens'], '0'],
    ['no choices', ['choices'], []],
    ['a choice without index', ['choices', 0, 'index'], REMOVE],
    ['a non-OpenAI finish reason', ['choices', 0, 'finish_reason'], 'eos'],
    ['a null finish reason', ['choices', 0, 'finish_reason'], null],
    ['a non-assistant role', [...message, 'role'], 'model'],
    ['content missing', [...message, 'content'], REMOVE],
    ['content as parts', [...message, 'content'], [{ type: 'text', text: 'x' }]],
    ['a vendor reasoning field', [...message, 'reasoning'], 'thinking'],
    ['reasoning_content null', [...message, 'reasoning_content'], null],
    ['an empty tool-call list', [...message, 'tool_calls'], []],
    ['system_fingerprint as a number', ['system_fingerprint'], 1],
  ];
  it.each(deviations)('rejects %s', (_, path, value) => {
    expect(isWireExactCompletion(changed(openai(), path, value))).toBe(false);
  });

  const call = [...message, 'tool_calls', 0];
  const toolCallDeviations: [string, Path, unknown][] = [
    ['without an id', [...call, 'id'], REMOVE],
    ['with an empty id', [...call, 'id'], ''],
    ['without a type', [...call, 'type'], REMOVE],
    ['with object arguments', [...call, 'function', 'arguments'], { location: 'San Francisco' }],
    ['without a function name', [...call, 'function', 'name'], REMOVE],
  ];
  it.each(toolCallDeviations)('rejects a tool call %s', (_, path, value) => {
    expect(isWireExactCompletion(changed(xaiToolCall(), path, value))).toBe(false);
  });

  it('rejects what is not an object', () => {
    for (const value of [null, 'text', 42, []]) expect(isWireExactCompletion(value)).toBe(false);
  });
});
