import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../spec/chat.js';
import {
  chatPromptShape,
  countPromptTokens,
  countTextTokens,
  generatedText,
  IMAGE_TOKENS,
  meteredUsage,
  promptTokenBound,
} from './token-estimate.js';

const request: ChatRequest = {
  messages: [
    { role: 'system', content: 'Be brief.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this picture?' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      ],
    },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'look', arguments: '{"x":1}' } }],
    },
  ],
};

describe('token estimates', () => {
  it('gathers every text of the prompt and counts images apart', () => {
    expect(chatPromptShape(request)).toEqual({
      texts: ['Be brief.', 'What is in this picture?', 'look', '{"x":1}'],
      images: 1,
      messages: 3,
    });
  });

  it('bounds the prompt at UTF-8 bytes / 3 (so CJK text is not undercounted) plus images and framing', () => {
    const ascii = { texts: ['a'.repeat(300)], images: 0, messages: 1 };
    expect(promptTokenBound(ascii)).toBe(100 + 4 + 3);
    const cjk = { texts: ['漢'.repeat(100)], images: 0, messages: 0 };
    expect(promptTokenBound(cjk)).toBe(100);
    expect(promptTokenBound(chatPromptShape(request))).toBe(Math.ceil(44 / 3) + IMAGE_TOKENS + 3 * 4 + 3);
  });

  it('counts with the o200k tokenizer when the provider reported nothing', async () => {
    expect(await countTextTokens(['Hello', ' world'])).toBe(2);
    expect(await countPromptTokens({ texts: ['hi'], images: 1, messages: 1 })).toBe(1 + IMAGE_TOKENS + 4 + 3);
  });

  it('meters the reported counts and counts only what the provider left out, marking the result estimated', async () => {
    const shape = { texts: ['hi'], images: 0, messages: 1 };
    const reported = { promptTokens: 10, completionTokens: 5, cachedTokens: 2, reasoningTokens: 1 };
    expect(await meteredUsage(reported, shape, ['Hello', ' world'])).toEqual({ ...reported, estimated: false });
    expect(await meteredUsage({ promptTokens: 10 }, shape, ['Hello', ' world'])).toEqual({
      promptTokens: 10,
      completionTokens: 2,
      cachedTokens: undefined,
      reasoningTokens: undefined,
      estimated: true,
    });
    // An embedding has no generated text: its completion tokens stay unknown rather than zero.
    expect(await meteredUsage(undefined, shape, undefined)).toEqual({
      promptTokens: 1 + 4 + 3,
      completionTokens: undefined,
      cachedTokens: undefined,
      reasoningTokens: undefined,
      estimated: true,
    });
    expect((await meteredUsage({ ...reported, estimated: true }, shape, [])).estimated).toBe(true);
  });

  it('takes generated text from text, reasoning, refusal and tool-call parts only', () => {
    expect(generatedText({ type: 'text-delta', choiceIndex: 0, delta: 'a' })).toBe('a');
    expect(generatedText({ type: 'reasoning-delta', choiceIndex: 0, delta: 'b' })).toBe('b');
    expect(
      generatedText({ type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: 0, name: 'f', argumentsDelta: '{' }),
    ).toBe('f{');
    expect(generatedText({ type: 'usage', usage: {} })).toBeUndefined();
  });
});
