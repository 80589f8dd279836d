import { describe, expect, it } from 'vitest';
import type { ChatResult, ChatStreamPart } from '../../../spec/chat.js';
import {
  AuthenticationError,
  BadRequestError,
  LlamaGateError,
  ModelNotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  ProviderAPIError,
  RateLimitError,
  ServiceUnavailableError,
} from '../../../spec/errors.js';
import { anthropicMessagesCodec as codec } from './anthropic-messages-codec.js';

const bytes = new Uint8Array([1, 2, 3]);
const meta = { requestId: 'req-1', model: 'claude-alias', created: 1 };
const decode = (body: unknown) => codec.decode(body, bytes, {});

function decodeError(body: unknown): { status: number; body: unknown } {
  try {
    decode(body);
  } catch (error) {
    const encoded = codec.encodeError(error as LlamaGateError, 'req-1');
    return { status: encoded.status, body: encoded.body };
  }
  throw new Error('decode accepted the body');
}

async function* from(parts: ChatStreamPart[]): AsyncGenerator<ChatStreamPart> {
  yield* parts;
}

async function streamText(parts: ChatStreamPart[]): Promise<string> {
  let text = '';
  for await (const chunk of codec.encodeStream(from(parts), decode(minimal), meta))
    text += typeof chunk === 'string' ? chunk : `<bytes:${new TextDecoder().decode(chunk)}>`;
  return text.replace(/msg_01\w{22}/g, 'msg_ID');
}

const minimal = { model: 'claude-x', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] };

describe('anthropic-messages codec: decode', () => {
  it('maps every setting to the neutral request without touching the body, and keeps the bytes', () => {
    const body = {
      model: 'claude-x',
      max_tokens: 1024,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
            { type: 'text', text: 'Weather?' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Use the tool.', signature: 'sig' },
            { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny', is_error: false },
            { type: 'text', text: 'And tomorrow?' },
          ],
        },
      ],
      stop_sequences: ['END'],
      temperature: 0.5,
      top_p: 0.9,
      top_k: 5,
      tools: [
        { name: 'weather', description: 'Weather', input_schema: { type: 'object' } },
        { type: 'web_search_20250305', name: 'web_search' },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      thinking: { type: 'enabled', budget_tokens: 2048 },
      metadata: { user_id: 'u-1' },
      service_tier: 'auto',
      stream: true,
    };
    const before = JSON.stringify(body);
    const call = decode(body);
    expect(JSON.stringify(body)).toBe(before);
    expect(call.passthrough).toEqual({ format: 'anthropic-messages', body, bytes });
    expect(call.passthrough?.body).toBe(body);
    expect({ model: call.model, stream: call.stream }).toEqual({ model: 'claude-x', stream: true });
    expect(call.request).toMatchInlineSnapshot(`
      {
        "maxTokens": 1024,
        "messages": [
          {
            "content": [
              {
                "cache_control": {
                  "type": "ephemeral",
                },
                "text": "Be brief.",
                "type": "text",
              },
            ],
            "role": "system",
          },
          {
            "content": [
              {
                "image_url": {
                  "url": "data:image/png;base64,iVBOR",
                },
                "type": "image_url",
              },
              {
                "image_url": {
                  "url": "https://example.com/a.jpg",
                },
                "type": "image_url",
              },
              {
                "text": "Weather?",
                "type": "text",
              },
            ],
            "role": "user",
          },
          {
            "content": null,
            "reasoning": [
              {
                "signature": "sig",
                "thinking": "Use the tool.",
                "type": "thinking",
              },
            ],
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": "{"city":"Paris"}",
                  "name": "weather",
                },
                "id": "toolu_1",
                "type": "function",
              },
            ],
          },
          {
            "content": "sunny",
            "is_error": false,
            "role": "tool",
            "tool_call_id": "toolu_1",
          },
          {
            "content": [
              {
                "text": "And tomorrow?",
                "type": "text",
              },
            ],
            "role": "user",
          },
        ],
        "parallelToolCalls": false,
        "providerOptions": {
          "anthropic": {
            "extraBody": {
              "service_tier": "auto",
            },
            "extraTools": [
              {
                "name": "web_search",
                "type": "web_search_20250305",
              },
            ],
            "thinking": {
              "budget_tokens": 2048,
              "type": "enabled",
            },
            "topK": 5,
          },
        },
        "reasoningEffort": "low",
        "stop": [
          "END",
        ],
        "temperature": 0.5,
        "toolChoice": "required",
        "tools": [
          {
            "function": {
              "description": "Weather",
              "name": "weather",
              "parameters": {
                "type": "object",
              },
            },
            "type": "function",
          },
        ],
        "topP": 0.9,
        "user": "u-1",
      }
    `);
  });

  it('takes a string system prompt and defaults stream to false; the cache material ignores stream', () => {
    const call = decode({ ...minimal, system: 'Be brief.' });
    expect(call.request.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(call.stream).toBe(false);
    expect(call.cacheMaterial).toEqual(decode({ ...minimal, system: 'Be brief.', stream: true }).cacheMaterial);
  });

  it('carries anthropic-beta in the provider options (for rewritten calls) and forwards both headers', () => {
    const call = codec.decode({ ...minimal, top_k: 5 }, bytes, {
      'anthropic-version': '2023-06-01',
      'anthropic-beta': ['files-api-2025-04-14, context-1m-2025-08-07', 'x'],
    });
    expect(call.request.providerOptions).toEqual({
      anthropic: { topK: 5, betas: ['files-api-2025-04-14', 'context-1m-2025-08-07', 'x'] },
    });
    expect(call.passthrough?.headers).toEqual({
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'files-api-2025-04-14, context-1m-2025-08-07,x',
    });
    expect(decode(minimal).request.providerOptions).toBeUndefined();
  });

  it.each([
    [{ ...minimal, max_tokens: undefined }, 'max_tokens: Field required'],
    [{ ...minimal, max_tokens: 0 }, 'max_tokens: Input should be greater than or equal to 1'],
    [{ ...minimal, model: 7 }, 'model: Input should be a valid string'],
    [{ ...minimal, temperature: 1.5 }, 'temperature: Input should be between 0 and 1'],
    [{ ...minimal, frequency_penalty: 1 }, 'frequency_penalty: Extra inputs are not permitted'],
    [
      { ...minimal, messages: [{ role: 'system', content: 'x' }] },
      "messages.0.role: Input should be 'user' or 'assistant'",
    ],
    [
      { ...minimal, messages: [{ role: 'user', content: [{ type: 'audio' }] }] },
      "messages.0.content.0.type: Input tag should be 'text', 'image', 'document', 'tool_result' or 'container_upload'",
    ],
    [{ ...minimal, tool_choice: { type: 'tool' } }, 'tool_choice.name: Input should be a valid string'],
    [
      { ...minimal, thinking: { type: 'enabled', budget_tokens: 100 } },
      'thinking.budget_tokens: Input should be greater than or equal to 1024',
    ],
    [[], 'body: Input should be an object'],
  ])('rejects %j with a 400 naming the field', (body, message) => {
    expect(decodeError(body)).toEqual({
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message }, request_id: 'req-1' },
    });
  });
});

const result: ChatResult = {
  id: 'chatcmpl-1',
  created: 1,
  model: 'llama3.2',
  provider: 'ollama',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Checking.',
        reasoningContent: 'Needs a tool.',
        toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
      },
      finishReason: 'tool_calls',
      rawFinishReason: 'tool_calls',
    },
  ],
  usage: { promptTokens: 120, completionTokens: 30, totalTokens: 150, cachedTokens: 100 },
  warnings: [],
};

describe('anthropic-messages codec: encodeResult', () => {
  it('encodes a message with thinking, text and tool_use blocks, the stop reason and split usage', () => {
    const encoded = codec.encodeResult(result, decode(minimal), meta);
    expect(encoded.kind).toBe('json');
    const json = (encoded as { json: Record<string, unknown> }).json;
    expect(json.id).toMatch(/^msg_01\w{22}$/);
    expect({ ...json, id: 'msg_ID' }).toMatchInlineSnapshot(`
      {
        "content": [
          {
            "signature": "",
            "thinking": "Needs a tool.",
            "type": "thinking",
          },
          {
            "text": "Checking.",
            "type": "text",
          },
          {
            "id": "call_1",
            "input": {
              "city": "Paris",
            },
            "name": "weather",
            "type": "tool_use",
          },
        ],
        "id": "msg_ID",
        "model": "claude-alias",
        "role": "assistant",
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "type": "message",
        "usage": {
          "cache_creation_input_tokens": 0,
          "cache_read_input_tokens": 100,
          "input_tokens": 20,
          "output_tokens": 30,
        },
      }
    `);
  });

  it.each([
    ['stop', undefined, 'end_turn'],
    ['length', 'length', 'max_tokens'],
    ['stop', 'stop_sequence', 'stop_sequence'],
    ['content_filter', 'content_filter', 'refusal'],
  ] as const)('maps finish %s (raw %s) to %s', (finishReason, raw, stopReason) => {
    const choice = { index: 0, message: { role: 'assistant' as const, content: 'x' }, finishReason };
    const encoded = codec.encodeResult(
      { ...result, choices: [raw === undefined ? choice : { ...choice, rawFinishReason: raw }] },
      decode(minimal),
      meta,
    );
    expect((encoded as { json: { stop_reason: string } }).json.stop_reason).toBe(stopReason);
  });

  it("returns the upstream's bytes when the upstream answered in this format", () => {
    const upstream = new TextEncoder().encode('{"id":"msg_1"}');
    const encoded = codec.encodeResult(
      { ...result, response: { status: 200, body: upstream, format: 'anthropic-messages' } as ChatResult['response'] },
      decode(minimal),
      meta,
    );
    expect(encoded).toEqual({ kind: 'bytes', bytes: upstream, contentType: 'application/json' });
  });
});

describe('anthropic-messages codec: encodeStream', () => {
  it('writes the exact SSE grammar for thinking, text and a tool call', async () => {
    const text = await streamText([
      { type: 'response-metadata', id: 'chatcmpl-9', model: 'llama3.2' },
      { type: 'reasoning-delta', choiceIndex: 0, delta: 'Think' },
      { type: 'reasoning-signature', choiceIndex: 0, signature: 'sig' },
      { type: 'text-delta', choiceIndex: 0, delta: 'Hi' },
      { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: 0, id: 'call_1', name: 'weather', argumentsDelta: '' },
      { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: 0, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: 0, argumentsDelta: '"Paris"}' },
      { type: 'finish', choiceIndex: 0, finishReason: 'tool_calls' },
      { type: 'usage', usage: { promptTokens: 10, completionTokens: 5 } },
    ]);
    expect(text).toMatchInlineSnapshot(`
      "event: message_start
      data: {"type":"message_start","message":{"id":"msg_ID","type":"message","role":"assistant","model":"llama3.2","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}}

      event: ping
      data: {"type":"ping"}

      event: content_block_start
      data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Think"}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig"}}

      event: content_block_stop
      data: {"type":"content_block_stop","index":0}

      event: content_block_start
      data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hi"}}

      event: content_block_stop
      data: {"type":"content_block_stop","index":1}

      event: content_block_start
      data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"call_1","name":"weather","input":{}}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\":"}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"\\"Paris\\"}"}}

      event: content_block_stop
      data: {"type":"content_block_stop","index":2}

      event: message_delta
      data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":5}}

      event: message_stop
      data: {"type":"message_stop"}

      "
    `);
  });

  it('ends with an error event after a failure, and still opens the message for an empty stream', async () => {
    const failed = await streamText([
      { type: 'text-delta', choiceIndex: 0, delta: 'Hi' },
      { type: 'error', error: new ServiceUnavailableError({ message: 'Overloaded' }) },
    ]);
    expect(failed.split('\n\n').slice(-2)).toEqual([
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
      '',
    ]);
    const empty = await streamText([]);
    expect(empty.match(/^event: \w+/gm)).toEqual([
      'event: message_start',
      'event: ping',
      'event: message_delta',
      'event: message_stop',
    ]);
  });

  it("relays the upstream's own bytes when they come first: typed parts add nothing but a gateway failure", async () => {
    const wire = (text: string, format = 'anthropic-messages'): ChatStreamPart => ({
      type: 'upstream-frame',
      format,
      bytes: new TextEncoder().encode(text),
    });
    const typed: ChatStreamPart[] = [
      { type: 'response-metadata', id: 'msg_1', model: 'claude-x' },
      { type: 'text-delta', choiceIndex: 0, delta: 'Hi' },
      { type: 'finish', choiceIndex: 0, finishReason: 'stop', rawFinishReason: 'end_turn' },
      { type: 'usage', usage: { promptTokens: 1, completionTokens: 1 } },
    ];
    expect(await streamText([wire('event: message_start\n\n'), ...typed, wire('event: message_stop\n\n')])).toBe(
      '<bytes:event: message_start\n\n><bytes:event: message_stop\n\n>',
    );
    const overloaded = new ServiceUnavailableError({ message: 'Overloaded' });
    expect(await streamText([wire('a\n\n'), { type: 'error', error: overloaded, relayed: true }])).toBe(
      '<bytes:a\n\n>',
    );
    expect(await streamText([wire('a\n\n'), { type: 'error', error: overloaded }])).toBe(
      '<bytes:a\n\n>event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    );
    // Bytes of another format, or after the encoder started on its own, are not relayed.
    expect(await streamText([wire('x', 'openai-chat')])).not.toContain('<bytes');
  });
});

describe('anthropic-messages codec: encodeError', () => {
  it.each([
    [new BadRequestError({ message: 'bad' }), 400, 'invalid_request_error'],
    [new AuthenticationError({ message: 'no key' }), 401, 'authentication_error'],
    [new PermissionDeniedError({ message: 'no' }), 403, 'permission_error'],
    [new ModelNotFoundError({ message: 'no model' }), 404, 'not_found_error'],
    [new PayloadTooLargeError({ message: 'big' }), 413, 'request_too_large'],
    [new RateLimitError({ message: 'slow', retryAfter: 3 }), 429, 'rate_limit_error'],
    [new LlamaGateError({ message: 'boom' }), 500, 'api_error'],
    [new ProviderAPIError({ message: 'overloaded', status: 529 }), 529, 'overloaded_error'],
    [new ServiceUnavailableError({ message: 'busy' }), 503, 'overloaded_error'],
  ])('%s → %i %s', (error, status, type) => {
    const encoded = codec.encodeError(error, 'req-9');
    expect(encoded.status).toBe(status);
    expect(encoded.body).toEqual({ type: 'error', error: { type, message: error.message }, request_id: 'req-9' });
  });

  it('sends Retry-After in whole seconds, like the other inbound APIs', () => {
    const encoded = codec.encodeError(new RateLimitError({ message: 'slow', retryAfter: 0.15 }), 'req-9');
    expect(encoded.headers).toEqual({ 'request-id': 'req-9', 'retry-after': '1' });
  });
});
