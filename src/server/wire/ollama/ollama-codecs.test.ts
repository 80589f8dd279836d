import { describe, expect, it } from 'vitest';
import type { ChatResult, ChatStreamPart } from '../../../spec/chat.js';
import { BadRequestError, ModelNotFoundError, ProviderAPIError } from '../../../spec/errors.js';
import type { OllamaCall } from './decode-ollama-request.js';
import { ollamaChatCodec, ollamaGenerateCodec } from './ollama-codecs.js';

const bytes = new Uint8Array();
const meta = { requestId: 'req-1', model: 'llama3.2', created: 1_700_000_000 };

async function lines(parts: ChatStreamPart[], codec = ollamaChatCodec, call?: OllamaCall) {
  async function* source() {
    yield* parts;
  }
  const decoded =
    call ?? codec.decode({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], prompt: 'hi' }, bytes, {});
  let text = '';
  for await (const frame of codec.encodeStream(source(), decoded, meta)) text += frame;
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (typeof parsed.created_at === 'string') parsed.created_at = 'T';
      for (const name of ['total_duration', 'prompt_eval_duration', 'eval_duration'])
        if (typeof parsed[name] === 'number') parsed[name] = 'ns';
      return parsed;
    });
}

describe('ollama decode', () => {
  it('maps /api/chat messages, images, tools with object arguments, format, think and options', () => {
    const call = ollamaChatCodec.decode(
      {
        model: 'qwen3',
        messages: [
          { role: 'system', content: 'sys' },
          { role: 'user', content: 'what is this?', images: ['iVBORw0KGgo='] },
          {
            role: 'assistant',
            content: '',
            thinking: 'hmm',
            tool_calls: [{ function: { name: 'weather', arguments: { city: 'Oslo' } } }],
          },
          { role: 'tool', content: '21C', tool_name: 'weather' },
        ],
        tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
        format: { type: 'object', properties: { a: { type: 'string' } } },
        think: 'high',
        keep_alive: '10m',
        options: { num_predict: 64, temperature: 0.1, top_p: 0.5, top_k: 20, seed: 7, stop: ['END'], num_ctx: 8192 },
      },
      bytes,
      {},
    );
    expect(call.stream).toBe(true);
    const assistant = call.request.messages[2] as { tool_calls: { id: string }[] };
    const callId = assistant.tool_calls[0]?.id;
    expect(call.request.messages[3]).toEqual({ role: 'tool', content: '21C', tool_call_id: callId });
    expect({ ...call.request, messages: call.request.messages.slice(0, 2) }).toMatchInlineSnapshot(`
      {
        "maxTokens": 64,
        "messages": [
          {
            "content": "sys",
            "role": "system",
          },
          {
            "content": [
              {
                "text": "what is this?",
                "type": "text",
              },
              {
                "image_url": {
                  "url": "data:image/png;base64,iVBORw0KGgo=",
                },
                "type": "image_url",
              },
            ],
            "role": "user",
          },
        ],
        "providerOptions": {
          "ollama": {
            "keep_alive": "10m",
            "options": {
              "num_ctx": 8192,
              "top_k": 20,
            },
            "think": "high",
          },
        },
        "reasoningEffort": "high",
        "responseFormat": {
          "json_schema": {
            "name": "response",
            "schema": {
              "properties": {
                "a": {
                  "type": "string",
                },
              },
              "type": "object",
            },
          },
          "type": "json_schema",
        },
        "seed": 7,
        "stop": [
          "END",
        ],
        "temperature": 0.1,
        "tools": [
          {
            "function": {
              "name": "weather",
              "parameters": {
                "type": "object",
              },
            },
            "type": "function",
          },
        ],
        "topP": 0.5,
      }
    `);
    expect(call.request.messages[2]).toMatchObject({
      role: 'assistant',
      reasoning_content: 'hmm',
      tool_calls: [{ type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
    });
  });

  it('maps /api/generate prompt, system, images and format json; an empty prompt only loads', () => {
    const call = ollamaGenerateCodec.decode(
      {
        model: 'm',
        prompt: 'why?',
        system: 'be short',
        images: ['/9j/4AAQ'],
        format: 'json',
        stream: false,
        raw: true,
      },
      bytes,
      {},
    );
    expect(call.stream).toBe(false);
    expect(call.loadOnly).toBe(false);
    expect(call.request.messages).toEqual([
      { role: 'system', content: 'be short' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'why?' },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
        ],
      },
    ]);
    expect(call.request.responseFormat).toEqual({ type: 'json_object' });
    expect(ollamaGenerateCodec.decode({ model: 'm', prompt: '' }, bytes, {}).loadOnly).toBe(true);
    const fill = ollamaGenerateCodec.decode({ model: 'm', prompt: 'a', suffix: 'b' }, bytes, {});
    expect(fill.providerOnly).toMatchObject({ provider: 'ollama', param: 'suffix' });
    expect(fill.passthrough?.format).toBe('ollama-generate');
    expect(() => ollamaGenerateCodec.decode({ model: 'm', prompt: 'a', suffix: 1 }, bytes, {})).toThrow(
      BadRequestError,
    );
    expect(() => ollamaChatCodec.decode({ model: 'm', messages: [{ role: 'bot', content: 'x' }] }, bytes, {})).toThrow(
      "'messages[0].role' must be system, user, assistant or tool",
    );
  });
});

const result: ChatResult = {
  id: 'x',
  created: 1,
  model: 'llama3.2',
  provider: 'ollama',
  choices: [
    {
      index: 0,
      finishReason: 'tool_calls',
      message: {
        role: 'assistant',
        content: '',
        reasoningContent: 'think',
        toolCalls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
      },
    },
  ],
  usage: { promptTokens: 26, completionTokens: 298 },
  warnings: [],
  raw: {
    total_duration: 5043500667,
    load_duration: 5025959,
    prompt_eval_duration: 325953000,
    eval_duration: 4709213000,
  },
};

describe('ollama encode', () => {
  it('answers one chat object with object tool arguments and the upstream Ollama counters', () => {
    const call = ollamaChatCodec.decode({ model: 'llama3.2', messages: [], stream: false }, bytes, {});
    const encoded = ollamaChatCodec.encodeResult(result, call, meta) as { json: Record<string, unknown> };
    encoded.json.created_at = 'T';
    expect(encoded.json).toMatchInlineSnapshot(`
      {
        "created_at": "T",
        "done": true,
        "done_reason": "stop",
        "eval_count": 298,
        "eval_duration": 4709213000,
        "load_duration": 5025959,
        "message": {
          "content": "",
          "role": "assistant",
          "thinking": "think",
          "tool_calls": [
            {
              "function": {
                "arguments": {
                  "city": "Oslo",
                },
                "name": "weather",
              },
            },
          ],
        },
        "model": "llama3.2",
        "prompt_eval_count": 26,
        "prompt_eval_duration": 325953000,
        "total_duration": 5043500667,
      }
    `);
  });

  it('streams chat NDJSON: deltas, whole tool calls, then a done line with counters', async () => {
    expect(
      await lines([
        { type: 'reasoning-delta', choiceIndex: 0, delta: 'mm' },
        { type: 'text-delta', choiceIndex: 0, delta: 'Hi' },
        { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: 0, id: 'c', name: 'f', argumentsDelta: '{"a":' },
        { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: 0, argumentsDelta: '1}' },
        { type: 'finish', choiceIndex: 0, finishReason: 'length' },
        { type: 'usage', usage: { promptTokens: 5, completionTokens: 2 } },
      ]),
    ).toMatchInlineSnapshot(`
      [
        {
          "created_at": "T",
          "done": false,
          "message": {
            "content": "",
            "role": "assistant",
            "thinking": "mm",
          },
          "model": "llama3.2",
        },
        {
          "created_at": "T",
          "done": false,
          "message": {
            "content": "Hi",
            "role": "assistant",
          },
          "model": "llama3.2",
        },
        {
          "created_at": "T",
          "done": false,
          "message": {
            "content": "",
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": {
                    "a": 1,
                  },
                  "name": "f",
                },
              },
            ],
          },
          "model": "llama3.2",
        },
        {
          "created_at": "T",
          "done": true,
          "done_reason": "length",
          "eval_count": 2,
          "eval_duration": "ns",
          "load_duration": 0,
          "message": {
            "content": "",
            "role": "assistant",
          },
          "model": "llama3.2",
          "prompt_eval_count": 5,
          "prompt_eval_duration": "ns",
          "total_duration": "ns",
        },
      ]
    `);
  });

  it('streams generate lines and ends a failed stream with an error line', async () => {
    const parts: ChatStreamPart[] = [
      { type: 'text-delta', choiceIndex: 0, delta: 'The' },
      { type: 'error', error: new ProviderAPIError({ message: 'upstream broke' }) },
    ];
    expect(await lines(parts, ollamaGenerateCodec)).toEqual([
      { model: 'llama3.2', created_at: 'T', response: 'The', done: false },
      { error: 'upstream broke' },
    ]);
  });

  it("sends an Ollama upstream's own frames unchanged instead of the parts read from them", async () => {
    const encoder = new TextEncoder();
    const first = '{"model":"llama3.2","response":"Hi","done":false,"future":1}\n';
    const done = '{"model":"llama3.2","response":"","done":true,"context":[1,2],"eval_count":3}\n';
    const frame = (line: string, format = 'ollama-generate'): ChatStreamPart => ({
      type: 'upstream-frame',
      format,
      bytes: encoder.encode(line),
    });
    async function* source(parts: ChatStreamPart[]) {
      yield* parts;
    }
    const call = ollamaGenerateCodec.decode({ model: 'llama3.2', prompt: 'hi' }, bytes, {});
    const encode = async (parts: ChatStreamPart[]) => {
      const out: (string | Uint8Array)[] = [];
      for await (const piece of ollamaGenerateCodec.encodeStream(source(parts), call, meta)) out.push(piece);
      return out.map((piece) => (typeof piece === 'string' ? piece : new TextDecoder().decode(piece))).join('');
    };
    const answered = await encode([
      frame(first),
      { type: 'response-metadata', model: 'llama3.2' },
      { type: 'text-delta', choiceIndex: 0, delta: 'Hi' },
      frame(done),
      { type: 'finish', choiceIndex: 0, finishReason: 'stop' },
      { type: 'usage', usage: { completionTokens: 3 } },
    ]);
    expect(answered).toBe(first + done);
    // The upstream's own error line is not repeated; a failure of the gateway's is added as Ollama's error line.
    const upstreamError = '{"error":"model crashed"}\n';
    const failed = [frame(first), frame(upstreamError)];
    const error = { type: 'error' as const, error: new ProviderAPIError({ message: 'model crashed' }) };
    expect(await encode([...failed, error])).toBe(first + upstreamError);
    const cut = { type: 'error' as const, error: new ProviderAPIError({ message: 'ended early' }) };
    expect(await encode([frame(first), cut])).toBe(`${first}{"error":"ended early"}\n`);
    // Frames of another format are not this codec's: the parts are encoded.
    const other = await encode([frame(first, 'ollama-chat'), { type: 'text-delta', choiceIndex: 0, delta: 'x' }]);
    expect(other).toContain('"response":"x"');
  });

  it('encodes errors as a plain message with the status', () => {
    expect(ollamaChatCodec.encodeError(new ModelNotFoundError({ message: "model 'x' not found" }), 'r')).toEqual({
      status: 404,
      body: { error: "model 'x' not found" },
    });
  });
});
