import { describe, expect, it } from 'vitest';
import type { ChatResult, ChatStreamPart } from '../../../spec/chat.js';
import { BadRequestError } from '../../../spec/errors.js';
import { openaiCompletionsCodec } from './completions-codec.js';

const bytes = new Uint8Array();
const meta = { requestId: 'req-1', model: 'gpt-3.5-turbo-instruct', created: 1_700_000_000 };
const decode = (body: unknown) => openaiCompletionsCodec.decode(body, bytes, {});

function rejected(body: unknown): string | null {
  try {
    decode(body);
  } catch (error) {
    if (BadRequestError.isInstance(error)) return error.param;
  }
  return 'accepted';
}

describe('openai-completions codec', () => {
  it('maps a prompt to one user turn with OpenAI defaults and settings', () => {
    const call = decode({ model: 'm', prompt: ['Say this is a test'], stop: '\n', temperature: 0, seed: 1 });
    expect(call.request).toEqual({
      messages: [{ role: 'user', content: 'Say this is a test' }],
      maxTokens: 16,
      temperature: 0,
      seed: 1,
      stop: ['\n'],
    });
    expect(call.stream).toBe(false);
  });

  it('answers what a chat call cannot reproduce with a 400 naming the field', () => {
    expect(rejected({ model: 'm', prompt: 'a', echo: true })).toBe('echo');
    expect(rejected({ model: 'm', prompt: 'a', logprobs: 2 })).toBe('logprobs');
    expect(rejected({ model: 'm', prompt: 'a', suffix: 'z', raw: true })).toBe('suffix');
    expect(rejected({ model: 'm', prompt: 'a', suffix: 3 })).toBe('suffix');
    expect(rejected({ model: 'm', prompt: 'a', best_of: 3 })).toBe('best_of');
    expect(rejected({ model: 'm', prompt: ['a', 'b'] })).toBe('prompt');
    expect(rejected({ model: 'm', prompt: [1, 2] })).toBe('prompt');
    expect(rejected({ model: 'm', prompt: 'a', echo: false, logprobs: null, best_of: 1 })).toBe('accepted');
  });

  it('hands the body on for an Ollama backend and marks suffix and raw as Ollama-only, in the cache key too', () => {
    const body = { model: 'm', prompt: 'def f(', suffix: '\n  return x' };
    const call = decode(body);
    expect(call.passthrough).toEqual({ format: 'openai-completions', body, bytes });
    expect(call.providerOnly).toMatchObject({ provider: 'ollama', param: 'suffix' });
    expect(call.cacheMaterial).toEqual({ request: call.request, suffix: '\n  return x', raw: undefined });
    expect(decode({ model: 'm', prompt: 'x', raw: true }).providerOnly).toMatchObject({ param: 'raw' });
    const plain = decode({ model: 'm', prompt: 'x', suffix: '' });
    expect([plain.providerOnly, plain.cacheMaterial]).toEqual([undefined, plain.request]);
  });

  it('encodes text_completion objects and stream chunks', async () => {
    const call = decode({ model: 'm', prompt: 'hi', stream: true, stream_options: { include_usage: true } });
    call.completionId = 'cmpl-1';
    const result: ChatResult = {
      id: 'x',
      created: 1,
      model: 'm',
      provider: 'openai',
      choices: [{ index: 0, finishReason: 'length', message: { role: 'assistant', content: 'This is a test' } }],
      usage: { promptTokens: 5, completionTokens: 4 },
      warnings: [],
    };
    expect(openaiCompletionsCodec.encodeResult(result, call, meta)).toMatchInlineSnapshot(`
      {
        "json": {
          "choices": [
            {
              "finish_reason": "length",
              "index": 0,
              "logprobs": null,
              "text": "This is a test",
            },
          ],
          "created": 1700000000,
          "id": "cmpl-1",
          "model": "gpt-3.5-turbo-instruct",
          "object": "text_completion",
          "usage": {
            "completion_tokens": 4,
            "prompt_tokens": 5,
            "total_tokens": 9,
          },
        },
        "kind": "json",
      }
    `);
    async function* parts(): AsyncIterable<ChatStreamPart> {
      yield { type: 'text-delta', choiceIndex: 0, delta: 'This' };
      yield { type: 'finish', choiceIndex: 0, finishReason: 'stop' };
      yield { type: 'usage', usage: { promptTokens: 5, completionTokens: 1 } };
    }
    let text = '';
    for await (const frame of openaiCompletionsCodec.encodeStream(parts(), call, meta)) text += frame;
    expect(text.split('\n\n').filter(Boolean)).toMatchInlineSnapshot(`
      [
        "data: {"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"gpt-3.5-turbo-instruct","choices":[{"text":"This","index":0,"logprobs":null,"finish_reason":null}]}",
        "data: {"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"gpt-3.5-turbo-instruct","choices":[{"text":"","index":0,"logprobs":null,"finish_reason":"stop"}]}",
        "data: {"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"gpt-3.5-turbo-instruct","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}",
        "data: [DONE]",
      ]
    `);
  });
});
