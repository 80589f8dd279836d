import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatStreamPart } from '../../spec/chat.js';
import {
  AuthenticationError,
  ContentPolicyViolationError,
  ContextWindowExceededError,
  RateLimitError,
} from '../../spec/errors.js';
import {
  collect,
  type MockUpstream,
  readChunks,
  readFixture,
  sendJson,
  sendStream,
  startMockUpstream,
} from '../../test-support/mock-upstream.js';
import { createGemini } from './gemini-provider.js';
import { ThoughtSignatureCache } from './thought-signature-cache.js';

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const provider = (signatures = new ThoughtSignatureCache()) =>
  createGemini({ apiKey: 'test-key', baseURL: `${upstream.url}/v1beta`, env: {}, thoughtSignatures: signatures });
const replayJson = (name: string) => upstream.handle((_, res) => sendJson(res, 200, readFixture('google', name)));
const replayStream = (name: string, options: { cutAfter?: number } = {}) =>
  upstream.handle((_, res) => sendStream(res, readChunks('google', name), { format: 'sse', ...options }));
function sentBody(index: number): Record<string, unknown> {
  const body = upstream.requests[index]?.body;
  if (typeof body !== 'object' || body === null) throw new Error(`request ${index} had no JSON body`);
  return body as Record<string, unknown>;
}
const user = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

describe('gemini chat (recorded Gemini API traffic)', () => {
  it('sends generateContent with the key header and translates a recorded text answer', async () => {
    replayJson('google-text.json');
    const result = await provider()
      .chatModel('gemini-3-pro-preview')
      .generate({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'How many r in strawberry?' },
        ],
        maxTokens: 300,
        temperature: 0.2,
        topP: 0.9,
        stop: ['END'],
        seed: 7,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        n: 1,
      });
    const request = upstream.requests[0];
    expect(request?.path).toBe('/v1beta/models/gemini-3-pro-preview:generateContent');
    expect(request?.headers['x-goog-api-key']).toBe('test-key');
    expect(request?.body).toMatchInlineSnapshot(`
      {
        "contents": [
          {
            "parts": [
              {
                "text": "How many r in strawberry?",
              },
            ],
            "role": "user",
          },
        ],
        "generationConfig": {
          "candidateCount": 1,
          "frequencyPenalty": 0.2,
          "maxOutputTokens": 300,
          "presencePenalty": 0.1,
          "seed": 7,
          "stopSequences": [
            "END",
          ],
          "temperature": 0.2,
          "topP": 0.9,
        },
        "systemInstruction": {
          "parts": [
            {
              "text": "Be brief.",
            },
          ],
        },
      }
    `);
    expect(result).toMatchObject({
      id: 'Un6LacrVMcjUxs0PmJfWoQc',
      model: 'gemini-3-pro-preview',
      provider: 'gemini',
      warnings: [],
    });
    expect(result.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: "There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.",
        },
        finishReason: 'stop',
        rawFinishReason: 'STOP',
      },
    ]);
    expect(result.usage).toEqual({ promptTokens: 9, completionTokens: 272, totalTokens: 281, reasoningTokens: 244 });
  });

  it('streams a recorded text answer with ?alt=sse, metadata, finish and usage from the last event', async () => {
    replayStream('google-text.chunks.txt');
    const stream = await provider().chatModel('gemini-3-pro-preview').stream(user('r in strawberry?'));
    const parts = await collect(stream.parts);
    expect(upstream.requests[0]?.url.pathname).toBe('/v1beta/models/gemini-3-pro-preview:streamGenerateContent');
    expect(upstream.requests[0]?.url.search).toBe('?alt=sse');
    expect(parts).toEqual([
      { type: 'response-metadata', id: 'bH6LaZW8Fp_3nsEPqtaSwQ4', model: 'gemini-3-pro-preview' },
      { type: 'text-delta', choiceIndex: 0, delta: 'There are **3**' },
      { type: 'text-delta', choiceIndex: 0, delta: ' "r"s in strawberry.\n\nst**r**awbe**rr**y' },
      { type: 'finish', choiceIndex: 0, finishReason: 'stop', rawFinishReason: 'STOP' },
      { type: 'usage', usage: { promptTokens: 9, completionTokens: 208, totalTokens: 217, reasoningTokens: 185 } },
    ]);
  });

  it('translates a recorded tool call: generated id, JSON arguments, tool_calls finish', async () => {
    replayJson('google-tool-call.json');
    const signatures = new ThoughtSignatureCache();
    const result = await provider(signatures)
      .chatModel('gemini-3-pro-preview')
      .generate({
        ...user('Weather in SF?'),
        tools: [
          {
            type: 'function',
            function: {
              name: 'weather',
              description: 'Get the weather',
              parameters: {
                $schema: 'http://json-schema.org/draft-07/schema#',
                type: 'object',
                properties: { location: { type: 'string' } },
                required: ['location'],
                additionalProperties: false,
              },
            },
          },
        ],
        toolChoice: 'required',
      });
    expect(upstream.requests[0]?.body).toMatchObject({
      tools: [
        {
          functionDeclarations: [
            {
              name: 'weather',
              description: 'Get the weather',
              parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
            },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
    });
    const declaration = (sentBody(0).tools as { functionDeclarations: { parameters: object }[] }[])[0]
      ?.functionDeclarations[0];
    expect(declaration?.parameters).not.toHaveProperty('additionalProperties');
    expect(declaration?.parameters).not.toHaveProperty('$schema');
    const choice = result.choices[0];
    expect(choice?.finishReason).toBe('tool_calls');
    expect(choice?.rawFinishReason).toBe('STOP');
    expect(choice?.message.content).toBeNull();
    const call = choice?.message.toolCalls?.[0];
    expect(call).toMatchObject({
      type: 'function',
      function: { name: 'weather', arguments: '{"location":"San Francisco"}' },
    });
    expect(call?.id).toMatch(/^call_/);
    expect(signatures.get(call?.id ?? '')).toMatch(/^EskgCsYgAb4/);
  });

  it('streams a recorded tool call as one complete delta and remembers its thought signature', async () => {
    replayStream('google-tool-call.chunks.txt');
    const signatures = new ThoughtSignatureCache();
    const stream = await provider(signatures).chatModel('gemini-3-pro-preview').stream(user('Weather in SF?'));
    const parts = await collect(stream.parts);
    const deltas = parts.filter(
      (p): p is Extract<ChatStreamPart, { type: 'tool-call-delta' }> => p.type === 'tool-call-delta',
    );
    expect(deltas).toHaveLength(1);
    expect(deltas[0]).toMatchObject({
      choiceIndex: 0,
      toolCallIndex: 0,
      name: 'weather',
      argumentsDelta: '{"location":"San Francisco"}',
    });
    expect(signatures.get(deltas[0]?.id ?? '')).toMatch(/^EqUCCqICAb4/);
    expect(parts.find((p) => p.type === 'finish')).toMatchObject({ finishReason: 'tool_calls' });
  });

  it('maps reasoning effort to a thinking budget (2.5) or level (3) and thought parts to reasoning', async () => {
    replayJson('doc-thought-parts.json');
    const result = await provider()
      .chatModel('gemini-2.5-flash')
      .generate({ ...user('r in strawberry?'), reasoningEffort: 'low' });
    expect(sentBody(0).generationConfig).toEqual({
      thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
    });
    expect(result.choices[0]?.message).toEqual({
      role: 'assistant',
      content: "There are 3 r's in strawberry.",
      reasoningContent: "**Counting letters**\n\nI spell out s-t-r-a-w-b-e-r-r-y and count the r's: three.\n",
    });
    expect(result.usage).toEqual({
      promptTokens: 9,
      completionTokens: 141,
      totalTokens: 150,
      cachedTokens: 4,
      reasoningTokens: 131,
    });

    replayJson('google-reasoning-gemini3.json');
    const gemini3 = await provider()
      .chatModel('gemini-3-pro-preview')
      .generate({ ...user('r in strawberry?'), reasoningEffort: 'minimal' });
    expect(sentBody(1).generationConfig).toEqual({
      thinkingConfig: { thinkingLevel: 'low', includeThoughts: true },
    });
    expect(gemini3.warnings).toEqual([{ type: 'other', message: expect.stringContaining('"minimal"') }]);
    expect(gemini3.usage.reasoningTokens).toBe(258);
  });

  it('streams recorded thought parts as reasoning deltas before the tool calls', async () => {
    replayStream('google-stream-no-args-tool-call.chunks.txt');
    const stream = await provider().chatModel('gemini-3-flash-preview').stream(user('read the theme'));
    const parts = await collect(stream.parts);
    expect(parts[1]).toMatchObject({ type: 'reasoning-delta', delta: expect.stringMatching(/^\*\*Processing/) });
    const firstTool = parts.findIndex((p) => p.type === 'tool-call-delta');
    expect(firstTool).toBeGreaterThan(1);
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { promptTokens: 249, completionTokens: 241, totalTokens: 490, reasoningTokens: 183 },
    });
  });

  it('sends a JSON schema as a converted responseSchema and returns the JSON text', async () => {
    replayJson('doc-structured-output.json');
    const result = await provider()
      .chatModel('gemini-2.5-flash')
      .generate({
        ...user('Extract: John Doe, 30'),
        responseFormat: {
          type: 'json_schema',
          json_schema: {
            name: 'person',
            strict: true,
            schema: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                age: { type: 'integer', minimum: 0 },
                email: { type: ['string', 'null'], format: 'email' },
              },
              required: ['name', 'age', 'email'],
              additionalProperties: false,
            },
          },
        },
      });
    expect(sentBody(0).generationConfig).toMatchInlineSnapshot(`
      {
        "responseMimeType": "application/json",
        "responseSchema": {
          "properties": {
            "age": {
              "minimum": 0,
              "type": "integer",
            },
            "email": {
              "nullable": true,
              "type": "string",
            },
            "name": {
              "type": "string",
            },
          },
          "required": [
            "name",
            "age",
            "email",
          ],
          "type": "object",
        },
      }
    `);
    expect(JSON.parse(result.choices[0]?.message.content ?? '')).toEqual({ name: 'John Doe', age: 30, email: null });

    replayJson('doc-structured-output.json');
    await provider()
      .chatModel('gemini-2.5-flash')
      .generate({ ...user('json please'), responseFormat: { type: 'json_object' } });
    expect(sentBody(1).generationConfig).toEqual({
      responseMimeType: 'application/json',
    });
  });

  it('turns a recorded 429 with RetryInfo into a RateLimitError with retryAfter', async () => {
    upstream.handle((_, res) => sendJson(res, 429, readFixture('google', 'google-429-retry-info.json')));
    const failure = await provider()
      .chatModel('gemini-2.5-flash')
      .generate(user('x'))
      .catch((e: unknown) => e);
    expect(RateLimitError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({
      status: 429,
      retryAfter: 34.4,
      isRetryable: true,
      message: expect.stringContaining('You exceeded your current quota'),
    });
    const streamFailure = await provider()
      .chatModel('gemini-2.5-flash')
      .stream(user('x'))
      .catch((e: unknown) => e);
    expect(RateLimitError.isInstance(streamFailure)).toBe(true);
    expect(streamFailure).toMatchObject({ retryAfter: 34.4 });
  });

  it('maps Google error bodies: invalid key (400) → 401, token limit → context window', async () => {
    upstream.handle((_, res) =>
      sendJson(res, 400, {
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
        },
      }),
    );
    const badKey = await provider()
      .chatModel('gemini-2.5-flash')
      .generate(user('x'))
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(badKey)).toBe(true);
    expect(badKey).toMatchObject({ status: 401, code: 'invalid_api_key', isRetryable: false });

    upstream.handle((_, res) =>
      sendJson(res, 400, {
        error: {
          code: 400,
          message: 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
          status: 'INVALID_ARGUMENT',
        },
      }),
    );
    const tooLong = await provider()
      .chatModel('gemini-2.5-flash')
      .generate(user('x'))
      .catch((e: unknown) => e);
    expect(ContextWindowExceededError.isInstance(tooLong)).toBe(true);
  });

  it('reports a blocked prompt as a content-policy error, before and after the stream started', async () => {
    replayJson('doc-prompt-blocked.json');
    const failure = await provider()
      .chatModel('gemini-2.5-flash')
      .generate(user('something prohibited'))
      .catch((e: unknown) => e);
    expect(ContentPolicyViolationError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 400, message: expect.stringContaining('PROHIBITED_CONTENT') });

    upstream.handle((_, res) =>
      sendStream(res, [JSON.stringify(readFixture('google', 'doc-prompt-blocked.json'))], { format: 'sse' }),
    );
    const stream = await provider().chatModel('gemini-2.5-flash').stream(user('something prohibited'));
    const parts = await collect(stream.parts);
    expect(parts.at(-1)?.type).toBe('error');
    const last = parts.at(-1) as Extract<ChatStreamPart, { type: 'error' }>;
    expect(ContentPolicyViolationError.isInstance(last.error)).toBe(true);
  });

  it('maps safety and length finish reasons', async () => {
    upstream.handle((_, res) =>
      sendJson(res, 200, {
        candidates: [
          { index: 0, finishReason: 'SAFETY' },
          { index: 1, content: { role: 'model', parts: [{ text: 'Once upon' }] }, finishReason: 'MAX_TOKENS' },
          { index: 2, content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'MALFORMED_FUNCTION_CALL' },
        ],
      }),
    );
    const result = await provider()
      .chatModel('gemini-2.5-flash')
      .generate({ ...user('x'), n: 3 });
    expect(result.choices.map((c) => [c.finishReason, c.rawFinishReason, c.message.content])).toEqual([
      ['content_filter', 'SAFETY', null],
      ['length', 'MAX_TOKENS', 'Once upon'],
      ['other', 'MALFORMED_FUNCTION_CALL', null],
    ]);
    expect(result.usage).toEqual({});
  });

  it('fails fast without a network call when no key is set, naming both variables', async () => {
    const keyless = createGemini({ baseURL: upstream.url, env: {} });
    const failure = await keyless
      .chatModel('gemini-2.5-flash')
      .generate(user('x'))
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 401, code: 'missing_credentials' });
    expect((failure as Error).message).toContain('GEMINI_API_KEY or GOOGLE_API_KEY');
    expect(upstream.requests).toHaveLength(0);

    replayJson('google-text.json');
    await createGemini({ env: { GOOGLE_API_KEY: 'env-key', GEMINI_BASE_URL: `${upstream.url}/custom/` } })
      .chatModel('gemini-2.5-flash')
      .generate(user('x'));
    expect(upstream.requests[0]?.path).toBe('/custom/models/gemini-2.5-flash:generateContent');
    expect(upstream.requests[0]?.headers['x-goog-api-key']).toBe('env-key');
  });
});
