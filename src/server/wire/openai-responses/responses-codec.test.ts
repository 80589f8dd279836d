import { describe, expect, it } from 'vitest';
import type { ChatResult, ChatStreamPart } from '../../../spec/chat.js';
import { BadRequestError, ProviderAPIError } from '../../../spec/errors.js';
import { responseIdOfItem } from './encode-responses-result.js';
import { openaiResponsesCodec } from './responses-codec.js';
import type { ResponsesCall } from './responses-types.js';

const bytes = new Uint8Array();
const decode = (body: unknown): ResponsesCall => openaiResponsesCodec.decode(body, bytes, {});
const meta = { requestId: 'req-1', model: 'llama3.2', created: 1_700_000_000 };

function fixedId(call: ResponsesCall): ResponsesCall {
  call.responseId = 'resp_abc';
  return call;
}

function failure(body: unknown): BadRequestError {
  try {
    decode(body);
  } catch (error) {
    if (BadRequestError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('decode did not fail');
}

async function collect(
  parts: ChatStreamPart[],
  call: ResponsesCall,
): Promise<{ type: string; sequence_number: number; [key: string]: unknown }[]> {
  async function* source() {
    yield* parts;
  }
  let text = '';
  for await (const frame of openaiResponsesCodec.encodeStream(source(), call, meta)) text += frame;
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      const [event, data] = frame.split('\n');
      const parsed = JSON.parse((data ?? '').slice('data: '.length));
      expect(event).toBe(`event: ${parsed.type}`);
      return parsed;
    });
}

describe('openai-responses decode', () => {
  it('maps a string input, instructions and settings to the neutral request', () => {
    const call = decode({
      model: 'gpt-x',
      input: 'Hello',
      instructions: 'Be brief',
      max_output_tokens: 50,
      temperature: 0.2,
      top_p: 0.9,
      reasoning: { effort: 'low' },
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
      metadata: { team: 'a' },
      user: 'u1',
      store: false,
      stream: true,
      truncation: 'auto',
    });
    expect(call.model).toBe('gpt-x');
    expect(call.stream).toBe(true);
    expect(call.settings.store).toBe(false);
    expect(call.request).toMatchInlineSnapshot(`
      {
        "maxTokens": 50,
        "messages": [
          {
            "content": "Be brief",
            "role": "system",
          },
          {
            "content": "Hello",
            "role": "user",
          },
        ],
        "reasoningEffort": "low",
        "responseFormat": {
          "json_schema": {
            "name": "answer",
            "schema": {
              "type": "object",
            },
            "strict": true,
          },
          "type": "json_schema",
        },
        "temperature": 0.2,
        "topP": 0.9,
        "user": "u1",
      }
    `);
  });

  it('turns items (image, function call round trip, reasoning, assistant text) into chat turns', () => {
    const call = decode({
      model: 'm',
      input: [
        { role: 'developer', content: 'dev rules' },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is in this image, and the weather?' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' },
          ],
        },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Need the weather tool' }] },
        { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'call_1', output: '{"temp":21}' },
        { role: 'assistant', content: [{ type: 'output_text', text: 'A cat; 21°C.' }] },
        { role: 'user', content: 'thanks' },
      ],
      tools: [{ type: 'function', name: 'weather', parameters: { type: 'object' } }],
      tool_choice: { type: 'function', name: 'weather' },
      parallel_tool_calls: false,
    });
    expect(call.request.messages).toMatchInlineSnapshot(`
      [
        {
          "content": "dev rules",
          "role": "developer",
        },
        {
          "content": [
            {
              "text": "What is in this image, and the weather?",
              "type": "text",
            },
            {
              "image_url": {
                "detail": "low",
                "url": "data:image/png;base64,AAAA",
              },
              "type": "image_url",
            },
          ],
          "role": "user",
        },
        {
          "content": null,
          "reasoning_content": "Need the weather tool",
          "role": "assistant",
          "tool_calls": [
            {
              "function": {
                "arguments": "{"city":"Paris"}",
                "name": "weather",
              },
              "id": "call_1",
              "type": "function",
            },
          ],
        },
        {
          "content": "{"temp":21}",
          "role": "tool",
          "tool_call_id": "call_1",
        },
        {
          "content": "A cat; 21°C.",
          "role": "assistant",
        },
        {
          "content": "thanks",
          "role": "user",
        },
      ]
    `);
    expect(call.request.tools).toEqual([
      { type: 'function', function: { name: 'weather', parameters: { type: 'object' }, strict: true } },
    ]);
    expect(call.request.toolChoice).toEqual({ type: 'function', function: { name: 'weather' } });
    expect(call.request.parallelToolCalls).toBe(false);
  });

  it('inlines a text input_file and rejects binary files, built-in tools and background runs by name', () => {
    const call = decode({
      model: 'm',
      input: [
        {
          role: 'user',
          content: [
            {
              type: 'input_file',
              filename: 'notes.txt',
              file_data: `data:text/plain;base64,${Buffer.from('hello file').toString('base64')}`,
            },
          ],
        },
      ],
    });
    expect(call.request.messages[0]).toEqual({
      role: 'user',
      content: '<file name="notes.txt">\nhello file\n</file>',
    });
    const pdf = failure({
      model: 'm',
      input: [{ role: 'user', content: [{ type: 'input_file', file_data: 'data:application/pdf;base64,AA' }] }],
    });
    expect([pdf.status, pdf.param]).toEqual([400, 'input[0].content[0]']);
    const tools = failure({
      model: 'm',
      input: 'hi',
      tools: [{ type: 'function', name: 'f' }, { type: 'web_search_preview' }, { type: 'file_search' }],
    });
    expect(tools.message).toMatchInlineSnapshot(
      `"Built-in tools are not supported by LlamaGate, which cannot run them: web_search_preview (tools[1]), file_search (tools[2]). Declare function tools and run them in your application"`,
    );
    expect(tools.param).toBe('tools[1].type');
    expect(failure({ model: 'm', input: 'hi', background: true }).param).toBe('background');
    expect(failure({ model: 'm' }).code).toBe('missing_field');
    expect(failure({ model: 'm', input: 'hi', temperature: 3 }).param).toBe('temperature');
  });

  it('keeps item references for the route to resolve and derives item ids from the response id', () => {
    const call = decode({ model: 'm', input: [{ type: 'item_reference', id: 'msg_abc_0' }, 'x'].slice(0, 1) });
    expect(call.input).toEqual([{ type: 'item_reference', id: 'msg_abc_0' }]);
    expect(call.request.messages).toEqual([]);
    expect(responseIdOfItem('msg_abc_0')).toBe('resp_abc');
    expect(responseIdOfItem('fc_abc_in3')).toBe('resp_abc');
    expect(responseIdOfItem('msg_67ccd3acc8d4')).toBeUndefined();
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
      finishReason: 'tool_calls',
      message: {
        role: 'assistant',
        content: 'Let me check.',
        reasoningContent: 'weather needed',
        toolCalls: [{ id: 'call_9', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
      },
    },
  ],
  usage: { promptTokens: 12, completionTokens: 7, reasoningTokens: 3 },
  warnings: [],
};

describe('openai-responses encode', () => {
  it('encodes a result as OpenAI response object with reasoning, message and function call items', () => {
    const call = fixedId(decode({ model: 'llama3.2', input: 'hi', metadata: { a: 'b' } }));
    const encoded = openaiResponsesCodec.encodeResult(result, call, meta);
    expect(encoded.kind).toBe('json');
    const body = (encoded as { json: Record<string, unknown> }).json;
    expect(typeof body.completed_at).toBe('number');
    body.completed_at = 0;
    expect(body).toMatchInlineSnapshot(`
      {
        "background": false,
        "completed_at": 0,
        "created_at": 1700000000,
        "error": null,
        "id": "resp_abc",
        "incomplete_details": null,
        "instructions": null,
        "max_output_tokens": null,
        "max_tool_calls": null,
        "metadata": {
          "a": "b",
        },
        "model": "llama3.2",
        "object": "response",
        "output": [
          {
            "id": "rs_abc_0",
            "summary": [
              {
                "text": "weather needed",
                "type": "summary_text",
              },
            ],
            "type": "reasoning",
          },
          {
            "content": [
              {
                "annotations": [],
                "logprobs": [],
                "text": "Let me check.",
                "type": "output_text",
              },
            ],
            "id": "msg_abc_1",
            "role": "assistant",
            "status": "completed",
            "type": "message",
          },
          {
            "arguments": "{"city":"Oslo"}",
            "call_id": "call_9",
            "id": "fc_abc_2",
            "name": "weather",
            "status": "completed",
            "type": "function_call",
          },
        ],
        "parallel_tool_calls": true,
        "previous_response_id": null,
        "reasoning": {
          "effort": null,
          "summary": null,
        },
        "service_tier": "default",
        "status": "completed",
        "store": true,
        "temperature": 1,
        "text": {
          "format": {
            "type": "text",
          },
        },
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1,
        "truncation": "disabled",
        "usage": {
          "input_tokens": 12,
          "input_tokens_details": {
            "cached_tokens": 0,
          },
          "output_tokens": 7,
          "output_tokens_details": {
            "reasoning_tokens": 3,
          },
          "total_tokens": 19,
        },
        "user": null,
      }
    `);
  });

  it('streams the full event grammar with increasing sequence numbers', async () => {
    const call = fixedId(decode({ model: 'llama3.2', input: 'hi', stream: true }));
    let stored: unknown;
    call.onResponse = (response) => {
      stored = response;
    };
    const events = await collect(
      [
        { type: 'response-metadata', model: 'llama3.2:latest' },
        { type: 'reasoning-delta', choiceIndex: 0, delta: 'think' },
        { type: 'text-delta', choiceIndex: 0, delta: 'Hel' },
        { type: 'text-delta', choiceIndex: 0, delta: 'lo' },
        { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: 0, id: 'call_1', name: 'f', argumentsDelta: '{"a"' },
        { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: 0, argumentsDelta: ':1}' },
        { type: 'finish', choiceIndex: 0, finishReason: 'length' },
        { type: 'usage', usage: { promptTokens: 3, completionTokens: 4 } },
      ],
      call,
    );
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.map((event) => event.type)).toMatchInlineSnapshot(`
      [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.incomplete",
      ]
    `);
    expect(events[10]).toEqual({
      type: 'response.output_text.delta',
      item_id: 'msg_abc_1',
      output_index: 1,
      content_index: 0,
      delta: 'Hel',
      logprobs: [],
      sequence_number: 10,
    });
    const last = events.at(-1)?.response as Record<string, unknown>;
    expect(last).toMatchObject({
      status: 'incomplete',
      model: 'llama3.2:latest',
      incomplete_details: { reason: 'max_output_tokens' },
      usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 },
      output: [
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'think' }] },
        { type: 'message', status: 'completed', content: [{ type: 'output_text', text: 'Hello' }] },
        { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{"a":1}', status: 'completed' },
      ],
    });
    expect(stored).toEqual(last);
  });

  it('ends a failed stream with error and response.failed, and encodes errors in OpenAI shape', async () => {
    const call = fixedId(decode({ model: 'm', input: 'hi', stream: true }));
    const error = new ProviderAPIError({ message: 'upstream broke' });
    const events = await collect(
      [
        { type: 'text-delta', choiceIndex: 0, delta: 'partial' },
        { type: 'error', error },
      ],
      call,
    );
    expect(events.slice(-2)).toMatchObject([
      { type: 'error', code: 'upstream_error', message: 'upstream broke', param: null },
      {
        type: 'response.failed',
        response: { status: 'failed', error: { code: 'upstream_error', message: 'upstream broke' } },
      },
    ]);
    expect(openaiResponsesCodec.encodeError(error, 'req-9')).toEqual({
      status: 502,
      body: {
        error: {
          message: 'upstream broke',
          type: 'api_error',
          code: 'upstream_error',
          param: null,
          request_id: 'req-9',
        },
      },
    });
  });
});
