import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatStreamPart } from '../../spec/chat.js';
import { AuthenticationError, BadRequestError, EmbeddingsNotSupportedError } from '../../spec/errors.js';
import {
  collect,
  type MockUpstream,
  readChunks,
  readFixture,
  sendJson,
  sendStream,
  startMockUpstream,
} from '../../test-support/mock-upstream.js';
import { createGroq } from './groq-provider.js';
import { groqDefinition } from './index.js';

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const groq = () => createGroq({ baseURL: `${upstream.url}/openai/v1`, env: { GROQ_API_KEY: 'gsk-test' } });
const replayJson = (name: string) => upstream.handle((_, res) => sendJson(res, 200, readFixture('groq', name)));
const replayStream = (name: string) =>
  upstream.handle((_, res) => sendStream(res, readChunks('groq', name), { format: 'sse', done: true }));
const sentBody = () => upstream.requests[0]?.body as Record<string, unknown>;
const text = (parts: ChatStreamPart[], type: 'text-delta' | 'reasoning-delta') =>
  parts.flatMap((p) => (p.type === type ? [p.delta] : [])).join('');

describe('groq chat (recorded traffic)', () => {
  it('drops what Groq rejects with warnings and translates a recorded text response', async () => {
    replayJson('groq-text.json');
    const result = await groq()
      .chatModel('llama-3.3-70b-versatile')
      .generate({
        messages: [
          { role: 'developer', content: [{ type: 'text', text: 'Be brief.' }] },
          { role: 'user', content: 'Invent a holiday.', name: 'ada' },
        ],
        temperature: 0.5,
        logprobs: true,
        topLogprobs: 2,
        n: 2,
      });
    expect(upstream.requests[0]?.path).toBe('/openai/v1/chat/completions');
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer gsk-test');
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "messages": [
          {
            "content": "Be brief.",
            "role": "system",
          },
          {
            "content": "Invent a holiday.",
            "role": "user",
          },
        ],
        "model": "llama-3.3-70b-versatile",
        "temperature": 0.5,
      }
    `);
    expect(result.warnings.map((w) => w.setting)).toEqual(['logprobs', 'top_logprobs', 'n', 'messages[].name']);
    expect(result.choices[0]?.message.content).toMatch(/^I'd like to introduce "Luminaria"/);
    expect(result.choices[0]).toMatchObject({ finishReason: 'stop', rawFinishReason: 'stop' });
    expect(result.usage).toEqual({ promptTokens: 45, completionTokens: 607, totalTokens: 652 });
    expect(result.systemFingerprint).toBe('fp_f8b414701e');
  });

  it('keeps the client body (unknown fields too) but removes logit_bias and names from it', async () => {
    replayJson('groq-text.json');
    const openaiBody = {
      model: 'llama-3.3-70b-versatile',
      messages: [{ role: 'user', content: 'hi', name: 'ada' }],
      logit_bias: { '50256': -100 },
      logprobs: false,
      n: 1,
      search_settings: { include_domains: ['example.com'] },
    };
    const result = await groq()
      .chatModel('llama-3.3-70b-versatile')
      .generate(
        { messages: [{ role: 'user', content: 'hi' }] },
        { passthrough: { format: 'openai-chat', body: openaiBody } },
      );
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "messages": [
          {
            "content": "hi",
            "role": "user",
          },
        ],
        "model": "llama-3.3-70b-versatile",
        "search_settings": {
          "include_domains": [
            "example.com",
          ],
        },
      }
    `);
    expect(result.warnings.map((w) => w.setting)).toEqual(['logit_bias', 'messages[].name']);
    expect(openaiBody.messages[0]).toHaveProperty('name', 'ada');
  });

  it('asks Qwen 3 for parsed reasoning and translates the recorded `reasoning` field', async () => {
    replayJson('groq-reasoning.json');
    const result = await groq()
      .chatModel('qwen/qwen3-32b')
      .generate({
        messages: [
          { role: 'user', content: 'How many r in strawberry?' },
          { role: 'assistant', content: 'Three.', reasoning_content: 'counting…' },
          { role: 'user', content: 'Sure?' },
        ],
        reasoningEffort: 'high',
      });
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "messages": [
          {
            "content": "How many r in strawberry?",
            "role": "user",
          },
          {
            "content": "Three.",
            "role": "assistant",
          },
          {
            "content": "Sure?",
            "role": "user",
          },
        ],
        "model": "qwen/qwen3-32b",
        "reasoning_effort": "default",
        "reasoning_format": "parsed",
      }
    `);
    expect(result.warnings).toMatchObject([{ setting: 'reasoning_effort' }]);
    const message = result.choices[0]?.message;
    expect(message?.content).toMatch(/contains \*\*3\*\* instances/);
    expect(message?.reasoningContent).toMatch(/^Okay, so the user is asking how many times/);
    expect(result.usage).toEqual({ promptTokens: 17, completionTokens: 649, totalTokens: 666, reasoningTokens: 570 });
  });

  it('maps reasoning effort and json_schema per model family', async () => {
    replayJson('groq-text.json');
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const request = {
      messages: [
        { role: 'system' as const, content: 'You are terse.' },
        { role: 'user' as const, content: 'Answer.' },
      ],
      responseFormat: { type: 'json_schema' as const, json_schema: { name: 'answer', schema } },
      reasoningEffort: 'minimal' as const,
    };
    const ossResult = await groq().chatModel('openai/gpt-oss-20b').generate(request);
    expect(sentBody()).toMatchObject({
      reasoning_effort: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } },
    });
    expect(sentBody()).not.toHaveProperty('reasoning_format');
    expect(ossResult.warnings.map((w) => w.setting)).toEqual(['reasoning_effort']);

    const llamaResult = await groq().chatModel('llama-3.3-70b-versatile').generate(request);
    expect(upstream.requests[1]?.body).toMatchInlineSnapshot(`
      {
        "messages": [
          {
            "content": "You are terse.",
            "role": "system",
          },
          {
            "content": "Respond only with a JSON object that matches this JSON schema:
      {"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}",
            "role": "system",
          },
          {
            "content": "Answer.",
            "role": "user",
          },
        ],
        "model": "llama-3.3-70b-versatile",
        "response_format": {
          "type": "json_object",
        },
      }
    `);
    expect(llamaResult.warnings.map((w) => w.setting)).toEqual(['reasoning_effort', 'response_format']);

    await groq()
      .chatModel('llama-3.3-70b-versatile')
      .generate({ ...request, reasoningEffort: undefined, providerOptions: { groq: { structuredOutputs: true } } });
    expect(upstream.requests[2]?.body).toMatchObject({ response_format: { type: 'json_schema' } });
  });

  it('rejects malformed groq provider options before calling Groq', async () => {
    const failure = await groq()
      .chatModel('qwen/qwen3-32b')
      .generate({ messages: [{ role: 'user', content: 'x' }], providerOptions: { groq: { reasoningFormat: 'xml' } } })
      .catch((e: unknown) => e);
    expect(BadRequestError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toContain('providerOptions.groq');
    expect(upstream.requests).toHaveLength(0);
  });

  it('streams recorded text with usage and no stream_options', async () => {
    replayStream('groq-text.chunks.txt');
    const stream = await groq()
      .chatModel('llama-3.3-70b-versatile')
      .stream({ messages: [{ role: 'user', content: 'Invent a holiday.' }] });
    const parts = await collect(stream.parts);
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "messages": [
          {
            "content": "Invent a holiday.",
            "role": "user",
          },
        ],
        "model": "llama-3.3-70b-versatile",
        "stream": true,
      }
    `);
    expect(parts[0]).toEqual({
      type: 'response-metadata',
      id: 'chatcmpl-7eb08824-fb8d-47af-a1f0-3aa786f2d1f3',
      model: 'llama-3.3-70b-versatile',
      created: 1770770839,
      systemFingerprint: 'fp_f8b414701e',
    });
    expect(text(parts, 'text-delta')).toMatch(/^Introducing .* light\.$/s);
    expect(parts.slice(-2)).toMatchInlineSnapshot(`
      [
        {
          "choiceIndex": 0,
          "finishReason": "stop",
          "rawFinishReason": "stop",
          "type": "finish",
        },
        {
          "type": "usage",
          "usage": {
            "completionTokens": 662,
            "promptTokens": 45,
            "totalTokens": 707,
          },
        },
      ]
    `);
  });

  it('streams recorded reasoning deltas before the answer', async () => {
    replayStream('groq-reasoning.chunks.txt');
    const stream = await groq()
      .chatModel('qwen/qwen3-32b')
      .stream({ messages: [{ role: 'user', content: 'How many r in strawberry?' }] });
    const parts = await collect(stream.parts);
    expect(text(parts, 'reasoning-delta')).toMatch(/^Okay, let me/);
    expect(text(parts, 'text-delta')).toMatch(/3.*\}\$$/s);
    expect(parts.findLastIndex((p) => p.type === 'reasoning-delta')).toBeLessThan(
      parts.findIndex((p) => p.type === 'text-delta' && p.delta !== ''),
    );
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { promptTokens: 17, completionTokens: 1107, totalTokens: 1124, reasoningTokens: 963 },
    });
  });

  it('streams a recorded tool call as typed parts', async () => {
    replayStream('groq-tool-call.chunks.txt');
    const stream = await groq()
      .chatModel('llama-3.3-70b-versatile')
      .stream({ messages: [{ role: 'user', content: 'Weather?' }] });
    const parts = await collect(stream.parts);
    expect(parts.slice(1)).toMatchInlineSnapshot(`
      [
        {
          "argumentsDelta": "{}",
          "choiceIndex": 0,
          "id": "tk85n1k4m",
          "name": "weather",
          "toolCallIndex": 0,
          "type": "tool-call-delta",
        },
        {
          "choiceIndex": 0,
          "finishReason": "tool_calls",
          "rawFinishReason": "tool_calls",
          "type": "finish",
        },
        {
          "type": "usage",
          "usage": {
            "completionTokens": 15,
            "promptTokens": 210,
            "totalTokens": 225,
          },
        },
      ]
    `);
  });

  it('reads stream usage from x_groq.usage when the chunk has no usage field', async () => {
    replayStream('doc-groq-x-groq-usage.chunks.txt');
    const stream = await groq()
      .chatModel('llama-3.3-70b-versatile')
      .stream({ messages: [{ role: 'user', content: 'Weather?' }] });
    const parts = await collect(stream.parts);
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { promptTokens: 210, completionTokens: 15, totalTokens: 225 },
    });
  });

  it('keeps Groq’s error message on a 400', async () => {
    upstream.handle((_, res) =>
      sendJson(res, 400, {
        error: {
          message: "'messages.0' : for 'role:user' the following must be satisfied",
          type: 'invalid_request_error',
        },
      }),
    );
    const failure = await groq()
      .chatModel('llama-3.3-70b-versatile')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(BadRequestError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 400, provider: 'groq' });
    expect((failure as Error).message).toContain("'messages.0' : for 'role:user'");
  });

  it('has no embeddings, and fails fast naming GROQ_API_KEY without a network call', async () => {
    expect(() => groq().embeddingModel('nomic-embed')).toThrowError(/not supported by groq/);
    try {
      groq().embeddingModel('x');
    } catch (error) {
      expect(EmbeddingsNotSupportedError.isInstance(error)).toBe(true);
    }
    const failure = await createGroq({ baseURL: upstream.url, env: {} })
      .chatModel('llama-3.3-70b-versatile')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'missing_credentials', message: expect.stringContaining('GROQ_API_KEY') });
    expect(upstream.requests).toHaveLength(0);
  });

  it('is registered as groq and creates a working provider from backend options', async () => {
    replayJson('groq-text.json');
    expect(groqDefinition).toMatchObject({ id: 'groq', credentialVariables: ['GROQ_API_KEY'] });
    const provider = groqDefinition.create({ baseURL: `${upstream.url}/openai/v1`, apiKey: 'gsk-config' });
    await provider.chatModel('llama-3.3-70b-versatile').generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(provider.id).toBe('groq');
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer gsk-config');
  });
});
