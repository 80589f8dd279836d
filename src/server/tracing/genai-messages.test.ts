import { describe, expect, it } from 'vitest';
import type { ChatResult } from '../../spec/chat.js';
import { inputMessages, outputMessages, StreamedOutput } from './genai-messages.js';

describe('GenAI message content', () => {
  it('maps every input message kind to role and parts, cutting long text', () => {
    expect(
      inputMessages(
        [
          { role: 'developer', content: [{ type: 'text', text: 'Rules.' }] },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'abcdefghijkl' },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } },
              { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' }, title: 'A' },
            ],
          },
          {
            role: 'assistant',
            content: 'Sure',
            reasoning_content: 'think',
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: 'not json' } }],
          },
          { role: 'tool', tool_call_id: 'c1', content: 'done' },
        ],
        10,
      ),
    ).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'Rules.' }] },
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'abcdefghij…[truncated 2 chars]' },
          { type: 'uri', modality: 'image', uri: 'https://ex…[truncated 17 chars]' },
          { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBOR' },
          { type: 'document', title: 'A' },
        ],
      },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'think' },
          { type: 'text', content: 'Sure' },
          { type: 'tool_call', id: 'c1', name: 'f', arguments: 'not json' },
        ],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: 'done' }] },
    ]);
  });

  it('maps a complete answer, tool calls with their parsed arguments and the conventions finish reason', () => {
    const result: ChatResult = {
      id: 'r',
      created: 0,
      model: 'm',
      provider: 'p',
      usage: {},
      warnings: [],
      choices: [
        {
          index: 0,
          finishReason: 'tool_calls',
          message: {
            role: 'assistant',
            content: null,
            toolCalls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
          },
        },
      ],
    };
    expect(outputMessages(result, 100)).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: { a: 1 } }],
        finish_reason: 'tool_call',
      },
    ]);
  });

  it('assembles a stream per choice from its deltas, counting what the cap cut', () => {
    const output = new StreamedOutput(8);
    output.add({ type: 'text-delta', choiceIndex: 0, delta: 'Hello ' });
    output.add({ type: 'text-delta', choiceIndex: 1, delta: 'Hi' });
    output.add({ type: 'text-delta', choiceIndex: 0, delta: 'there, friend' });
    output.add({
      type: 'tool-call-delta',
      choiceIndex: 1,
      toolCallIndex: 0,
      id: 'c1',
      name: 'f',
      argumentsDelta: '{"a"',
    });
    output.add({ type: 'tool-call-delta', choiceIndex: 1, toolCallIndex: 0, argumentsDelta: ':1}' });
    output.add({ type: 'finish', choiceIndex: 0, finishReason: 'length' });
    output.add({ type: 'finish', choiceIndex: 1, finishReason: 'tool_calls' });
    expect(output.messages()).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: 'Hello th…[truncated 11 chars]' }],
        finish_reason: 'length',
      },
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'Hi' },
          { type: 'tool_call', id: 'c1', name: 'f', arguments: { a: 1 } },
        ],
        finish_reason: 'tool_call',
      },
    ]);
  });
});
