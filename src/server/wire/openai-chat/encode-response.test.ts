import { describe, expect, it } from 'vitest';
import { ChatChunkEncoder, encodeChatCompletion, encodeUsage } from './encode-response.js';

describe('OpenAI wire encoding', () => {
  it('encodes usage details and keeps unknown counts as 0 on the wire only', () => {
    expect(encodeUsage({ promptTokens: 10, completionTokens: 5, cachedTokens: 4, reasoningTokens: 2 })).toEqual({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 2 },
    });
    expect(encodeUsage({})).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it('encodes a completion with reasoning and tool calls, mapping non-OpenAI finish reasons to stop', () => {
    const body = encodeChatCompletion({
      id: 'c1',
      created: 1,
      model: 'm',
      provider: 'p',
      warnings: [],
      usage: {},
      choices: [
        {
          index: 0,
          finishReason: 'other',
          message: {
            role: 'assistant',
            content: null,
            reasoningContent: 'think',
            toolCalls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
        },
      ],
    });
    expect(body.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          reasoning_content: 'think',
          tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }],
          refusal: null,
        },
        logprobs: null,
        finish_reason: 'stop',
      },
    ]);
  });

  it('streams role once, tool-call deltas with index/id, closes unfinished choices and adds usage only when asked', () => {
    const encoder = new ChatChunkEncoder({ id: 'gen', model: 'm', created: 1 }, true);
    const chunks = [
      ...encoder.encode({ type: 'response-metadata', id: 'up-1', model: 'real-model' }),
      ...encoder.encode({ type: 'text-delta', choiceIndex: 0, delta: 'a' }),
      ...encoder.encode({ type: 'text-delta', choiceIndex: 0, delta: 'b' }),
      ...encoder.encode({
        type: 'tool-call-delta',
        choiceIndex: 0,
        toolCallIndex: 0,
        id: 'call_1',
        name: 'f',
        argumentsDelta: '{"x"',
      }),
      ...encoder.encode({ type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: 0, argumentsDelta: ':1}' }),
      ...encoder.encode({ type: 'usage', usage: { promptTokens: 3, completionTokens: 4 } }),
      ...encoder.finish(),
    ] as {
      id: string;
      model: string;
      choices: { delta: Record<string, unknown>; finish_reason: string | null }[];
      usage?: unknown;
    }[];
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.role)).toEqual([
      'assistant',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(chunks[0]?.id).toBe('up-1');
    expect(chunks[0]?.model).toBe('real-model');
    expect(chunks[2]?.choices[0]?.delta.tool_calls).toEqual([
      { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"x"' } },
    ]);
    expect(chunks[3]?.choices[0]?.delta.tool_calls).toEqual([{ index: 0, function: { arguments: ':1}' } }]);
    expect(chunks[4]?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks[5]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
    const silent = new ChatChunkEncoder({ id: 'gen', model: 'm', created: 1 }, false);
    silent.encode({ type: 'usage', usage: { promptTokens: 1 } });
    expect(silent.finish().some((chunk) => 'usage' in chunk)).toBe(false);
    expect(silent.finalUsage).toEqual({ promptTokens: 1 });
  });
});
