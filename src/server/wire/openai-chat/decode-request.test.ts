import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../spec/errors.js';
import { decodeOpenAIChatRequest } from './decode-request.js';

const user = [{ role: 'user', content: 'hi' }];
const NO_BYTES = new Uint8Array();

function decode(body: unknown) {
  return decodeOpenAIChatRequest(body, NO_BYTES);
}

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
    const parsed = decode({
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
    });
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
    expect(failure(() => decode({ messages: user }))).toMatchObject({
      param: 'model',
      code: 'missing_field',
      status: 400,
    });
    expect(failure(() => decode({ model: 'm' }))).toMatchObject({
      param: 'messages',
      code: 'missing_field',
    });
    expect(failure(() => decode({ model: 'm', messages: [] })).param).toBe('messages');
    expect(failure(() => decode({ model: 3, messages: user })).param).toBe('model');
    expect(failure(() => decode({ model: 'm', messages: user, temperature: '1' })).param).toBe('temperature');
    expect(failure(() => decode({ model: 'm', messages: user, temperature: 3 })).param).toBe('temperature');
    expect(failure(() => decode({ model: 'm', messages: user, max_tokens: 1.5 })).param).toBe('max_tokens');
    expect(failure(() => decode({ model: 'm', messages: [{ role: 'robot', content: 'x' }] })).param).toBe(
      'messages[0].role',
    );
    expect(
      failure(() => decode({ model: 'm', messages: [{ role: 'user', content: [{ type: 'audio' }] }] })).param,
    ).toBe('messages[0].content[0].type');
    expect(failure(() => decode({ model: 'm', messages: [{ role: 'tool', content: 'x' }] })).param).toBe(
      'messages[0].tool_call_id',
    );
    expect(
      failure(() =>
        decode({ model: 'm', messages: user, tools: [{ type: 'function', function: { name: 'bad name!' } }] }),
      ).param,
    ).toBe('tools[0].function.name');
    expect(failure(() => decode({ model: 'm', messages: user, tool_choice: 'sometimes' })).param).toBe('tool_choice');
    expect(failure(() => decode({ model: 'm', messages: user, response_format: { type: 'xml' } })).param).toBe(
      'response_format.type',
    );
    expect(failure(() => decode([1, 2])).param).toBe('body');
  });

  it('hands on the client bytes only when decoding changed nothing', () => {
    const raw = new Uint8Array([1]);
    const body = { model: 'm', messages: user };
    const plain = decodeOpenAIChatRequest(body, raw);
    expect(plain.changed).toBe(false);
    expect(plain.passthrough).toEqual({ format: 'openai-chat', body, bytes: raw });
    expect(plain.passthrough?.body).toBe(body);
    const withTimeout = decodeOpenAIChatRequest({ model: 'm', messages: user, timeout: 2 }, raw);
    expect(withTimeout.changed).toBe(true);
    expect(withTimeout.passthrough?.body).toEqual({ model: 'm', messages: user });
    expect(Buffer.from(withTimeout.passthrough?.bytes ?? []).toString()).toBe(
      '{"model":"m","messages":[{"role":"user","content":"hi"}]}',
    );
    expect(withTimeout.timeoutMs).toBe(2000);
  });

  it('repairs shorthands in copies: the client body is never written to', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'user', content: [{ type: 'image_url', image_url: 'https://x/y.png' }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: { a: 1 } } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'ok' },
      ],
    };
    const before = structuredClone(body);
    const raw = Buffer.from(JSON.stringify(body));
    const decoded = decodeOpenAIChatRequest(body, raw);
    expect(body).toEqual(before);
    expect(decoded.changed).toBe(true);
    expect(decoded.request.messages.slice(0, 2)).toEqual([
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
      },
    ]);
    // The untouched message is shared, not copied.
    expect(decoded.request.messages[2]).toBe(body.messages[2]);
    expect(decoded.passthrough?.body).toEqual({ model: 'm', messages: decoded.request.messages });
    expect(JSON.parse(Buffer.from(decoded.passthrough?.bytes ?? []).toString())).toEqual(decoded.passthrough?.body);
  });
});
