import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../spec/errors.js';
import { parseChatCompletionBody, parseEmbeddingBody } from './openai-request.js';

const user = [{ role: 'user', content: 'hi' }];

function failure(run: () => unknown): BadRequestError {
  try {
    run();
  } catch (error) {
    if (BadRequestError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a BadRequestError');
}

describe('chat completion body validation', () => {
  it('maps every OpenAI generation field, temperature 0 included', () => {
    const parsed = parseChatCompletionBody(
      {
        model: 'm',
        messages: user,
        temperature: 0,
        top_p: 0.5,
        max_completion_tokens: 100,
        max_tokens: 5,
        stop: 'END',
        seed: 7,
        frequency_penalty: 0.1,
        presence_penalty: -0.1,
        n: 2,
        tool_choice: 'required',
        response_format: { type: 'json_object' },
        reasoning_effort: 'low',
        stream: true,
        stream_options: { include_usage: true },
      },
      undefined,
    );
    expect(parsed).toMatchObject({ model: 'm', stream: true, includeUsage: true });
    expect(parsed.request).toMatchObject({
      temperature: 0,
      topP: 0.5,
      maxTokens: 100,
      stop: ['END'],
      seed: 7,
      frequencyPenalty: 0.1,
      presencePenalty: -0.1,
      n: 2,
      toolChoice: 'required',
      responseFormat: { type: 'json_object' },
      reasoningEffort: 'low',
    });
  });

  it('names the missing or wrong field', () => {
    expect(failure(() => parseChatCompletionBody({ messages: user }, undefined))).toMatchObject({
      param: 'model',
      code: 'missing_field',
      status: 400,
    });
    expect(failure(() => parseChatCompletionBody({ model: 'm' }, undefined))).toMatchObject({
      param: 'messages',
      code: 'missing_field',
    });
    expect(failure(() => parseChatCompletionBody({ model: 'm', messages: [] }, undefined)).param).toBe('messages');
    expect(failure(() => parseChatCompletionBody({ model: 3, messages: user }, undefined)).param).toBe('model');
    expect(
      failure(() => parseChatCompletionBody({ model: 'm', messages: user, temperature: '1' }, undefined)).param,
    ).toBe('temperature');
    expect(
      failure(() => parseChatCompletionBody({ model: 'm', messages: user, temperature: 3 }, undefined)).param,
    ).toBe('temperature');
    expect(
      failure(() => parseChatCompletionBody({ model: 'm', messages: user, max_tokens: 1.5 }, undefined)).param,
    ).toBe('max_tokens');
    expect(
      failure(() => parseChatCompletionBody({ model: 'm', messages: [{ role: 'robot', content: 'x' }] }, undefined))
        .param,
    ).toBe('messages[0].role');
    expect(
      failure(() =>
        parseChatCompletionBody({ model: 'm', messages: [{ role: 'user', content: [{ type: 'audio' }] }] }, undefined),
      ).param,
    ).toBe('messages[0].content[0].type');
    expect(
      failure(() => parseChatCompletionBody({ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, undefined))
        .param,
    ).toBe('messages[0].tool_call_id');
    expect(
      failure(() =>
        parseChatCompletionBody(
          { model: 'm', messages: user, tools: [{ type: 'function', function: { name: 'bad name!' } }] },
          undefined,
        ),
      ).param,
    ).toBe('tools[0].function.name');
    expect(
      failure(() => parseChatCompletionBody({ model: 'm', messages: user, tool_choice: 'sometimes' }, undefined)).param,
    ).toBe('tool_choice');
    expect(
      failure(() =>
        parseChatCompletionBody({ model: 'm', messages: user, response_format: { type: 'xml' } }, undefined),
      ).param,
    ).toBe('response_format.type');
    expect(failure(() => parseChatCompletionBody([1, 2], undefined)).param).toBe('body');
  });

  it('keeps the raw bytes only when no gateway-only field must be removed', () => {
    const raw = new Uint8Array([1]);
    const plain = parseChatCompletionBody({ model: 'm', messages: user }, raw);
    expect(plain.request.openaiRawBody).toBe(raw);
    const withTimeout = parseChatCompletionBody({ model: 'm', messages: user, timeout: 2 }, raw);
    expect(withTimeout.request.openaiRawBody).toBeUndefined();
    expect(withTimeout.request.openaiBody).not.toHaveProperty('timeout');
    expect(withTimeout.timeoutMs).toBe(2000);
  });

  it('accepts image_url given as a bare string and normalises it', () => {
    const parsed = parseChatCompletionBody(
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'https://x/y.png' }] }] },
      undefined,
    );
    expect(parsed.request.messages[0]).toEqual({
      role: 'user',
      content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }],
    });
  });
});

describe('embeddings body validation', () => {
  it('accepts a string or an array of strings and the encoding format', () => {
    expect(parseEmbeddingBody({ model: 'e', input: 'a' }).request.input).toEqual(['a']);
    expect(
      parseEmbeddingBody({ model: 'e', input: ['a', 'b'], encoding_format: 'base64', dimensions: 8 }),
    ).toMatchObject({ encodingFormat: 'base64', request: { input: ['a', 'b'], dimensions: 8 } });
  });

  it('rejects other inputs naming the field', () => {
    expect(failure(() => parseEmbeddingBody({ model: 'e' })).param).toBe('input');
    expect(failure(() => parseEmbeddingBody({ model: 'e', input: [1, 2] })).param).toBe('input');
    expect(failure(() => parseEmbeddingBody({ model: 'e', input: 'a', encoding_format: 'int8' })).param).toBe(
      'encoding_format',
    );
  });
});
