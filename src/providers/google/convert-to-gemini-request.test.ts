import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../spec/chat.js';
import { BadRequestError } from '../../spec/errors.js';
import { type MockUpstream, readFixture, sendJson, startMockUpstream } from '../../test-support/mock-upstream.js';
import { convertToGeminiRequest, type GeminiRequestContext } from './convert-to-gemini-request.js';
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

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const context = (overrides: Partial<GeminiRequestContext> = {}): GeminiRequestContext => ({
  provider: 'gemini',
  modelId: 'gemini-2.5-flash',
  signatureCache: new ThoughtSignatureCache(),
  vertex: false,
  ...overrides,
});

const weatherTurn: ChatRequest['messages'] = [
  { role: 'user', content: 'Weather in Paris and Rome?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
    ],
  },
  { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":21}' },
  { role: 'tool', tool_call_id: 'call_2', content: 'sunny' },
];

describe('convertToGeminiRequest', () => {
  it('converts a multi-turn conversation: system, images, function calls with signatures, function responses', async () => {
    const signatureCache = new ThoughtSignatureCache();
    signatureCache.set('call_1', 'sig-from-earlier-turn');
    const { body, warnings } = await convertToGeminiRequest(
      {
        messages: [
          { role: 'system', content: 'You are a weather bot.' },
          { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this picture?' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } },
              { type: 'image_url', image_url: { url: 'gs://bucket/photo.webp' } },
            ],
          },
          { role: 'assistant', content: 'A sunny street.', reasoning_content: 'not replayable' },
          ...weatherTurn,
        ],
      },
      context({ modelId: 'gemini-3-pro-preview', signatureCache }),
    );
    expect(warnings).toEqual([]);
    expect(body).toMatchInlineSnapshot(`
      {
        "contents": [
          {
            "parts": [
              {
                "text": "What is in this picture?",
              },
              {
                "inlineData": {
                  "data": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
                  "mimeType": "image/png",
                },
              },
              {
                "fileData": {
                  "fileUri": "gs://bucket/photo.webp",
                  "mimeType": "image/webp",
                },
              },
            ],
            "role": "user",
          },
          {
            "parts": [
              {
                "text": "A sunny street.",
              },
            ],
            "role": "model",
          },
          {
            "parts": [
              {
                "text": "Weather in Paris and Rome?",
              },
            ],
            "role": "user",
          },
          {
            "parts": [
              {
                "functionCall": {
                  "args": {
                    "city": "Paris",
                  },
                  "name": "weather",
                },
                "thoughtSignature": "sig-from-earlier-turn",
              },
              {
                "functionCall": {
                  "args": {
                    "city": "Rome",
                  },
                  "name": "weather",
                },
              },
            ],
            "role": "model",
          },
          {
            "parts": [
              {
                "functionResponse": {
                  "name": "weather",
                  "response": {
                    "temperature": 21,
                  },
                },
              },
              {
                "functionResponse": {
                  "name": "weather",
                  "response": {
                    "content": "sunny",
                  },
                },
              },
            ],
            "role": "user",
          },
        ],
        "systemInstruction": {
          "parts": [
            {
              "text": "You are a weather bot.",
            },
            {
              "text": "Use metric units.",
            },
          ],
        },
      }
    `);
  });

  it('uses explicit signatures from providerOptions, else the documented placeholder on Gemini 3 (with a warning)', async () => {
    const explicit = await convertToGeminiRequest(
      { messages: weatherTurn, providerOptions: { gemini: { thoughtSignatures: { call_1: 'explicit-sig' } } } },
      context({ modelId: 'gemini-3-flash-preview' }),
    );
    const modelTurn = (body: Record<string, unknown>) => (body.contents as { parts: object[] }[])[1]?.parts[0];
    expect(modelTurn(explicit.body)).toMatchObject({ thoughtSignature: 'explicit-sig' });
    expect(explicit.warnings).toEqual([]);

    const unknown = await convertToGeminiRequest(
      { messages: weatherTurn },
      context({ modelId: 'gemini-3-flash-preview' }),
    );
    expect(modelTurn(unknown.body)).toMatchObject({ thoughtSignature: 'skip_thought_signature_validator' });
    expect(unknown.warnings).toEqual([{ type: 'other', message: expect.stringContaining('weather') }]);

    const older = await convertToGeminiRequest({ messages: weatherTurn }, context({ modelId: 'gemini-2.5-flash' }));
    expect(modelTurn(older.body)).not.toHaveProperty('thoughtSignature');
  });

  it('maps tool choice, warns about settings Gemini lacks, and passes provider options', async () => {
    const { body, warnings } = await convertToGeminiRequest(
      {
        messages: [{ role: 'user', content: 'hi' }],
        tools: [
          { type: 'function', function: { name: 'now', strict: true, parameters: { type: 'object', properties: {} } } },
          { type: 'function', function: { name: 'other' } },
        ],
        toolChoice: { type: 'function', function: { name: 'now' } },
        parallelToolCalls: false,
        user: 'user-42',
        stop: ['1', '2', '3', '4', '5', '6'],
        logprobs: true,
        topLogprobs: 3,
        providerOptions: {
          gemini: {
            topK: 40,
            safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
            labels: { team: 'a' },
            unknownThing: 1,
          },
        },
      },
      context(),
    );
    expect(body.tools).toEqual([{ functionDeclarations: [{ name: 'now' }, { name: 'other' }] }]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['now'] } });
    expect(body.generationConfig).toEqual({
      topK: 40,
      stopSequences: ['1', '2', '3', '4', '5'],
      responseLogprobs: true,
      logprobs: 3,
    });
    expect(body.safetySettings).toEqual([{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }]);
    expect(body).not.toHaveProperty('labels');
    expect(warnings.map((w) => w.setting)).toEqual([
      'providerOptions.gemini.unknownThing',
      'tools[].function.strict',
      'parallel_tool_calls',
      'stop',
      'user',
      'providerOptions.gemini.labels',
    ]);

    const vertex = await convertToGeminiRequest(
      {
        messages: [{ role: 'user', content: 'hi' }],
        toolChoice: 'none',
        tools: [{ type: 'function', function: { name: 'now' } }],
        providerOptions: { vertex: { labels: { team: 'a' }, streamFunctionCallArguments: true } },
      },
      context({ provider: 'vertex', vertex: true }),
    );
    expect(vertex.body.labels).toEqual({ team: 'a' });
    expect(vertex.body.toolConfig).toEqual({
      functionCallingConfig: { mode: 'NONE', streamFunctionCallArguments: true },
    });
  });

  it('rejects a tool result whose call is unknown, and arguments that are not a JSON object', async () => {
    const orphan = await convertToGeminiRequest(
      { messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] },
      context(),
    ).catch((e: unknown) => e);
    expect(BadRequestError.isInstance(orphan)).toBe(true);
    expect((orphan as Error).message).toContain('nope');
    const badArgs = await convertToGeminiRequest(
      {
        messages: [
          {
            role: 'assistant',
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1,2]' } }],
          },
        ],
      },
      context(),
    ).catch((e: unknown) => e);
    expect(BadRequestError.isInstance(badArgs)).toBe(true);
  });

  it('folds the system prompt into the first user turn for Gemma and drops thinking for models without it', async () => {
    const { body, warnings } = await convertToGeminiRequest(
      {
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'user', content: 'hi' },
        ],
        reasoningEffort: 'high',
      },
      context({ modelId: 'gemma-3-27b-it' }),
    );
    expect(body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Be terse.\n\n' }, { text: 'hi' }] }] });
    expect(warnings).toEqual([expect.objectContaining({ setting: 'reasoning_effort' })]);
  });
});

describe('gemini image URLs', () => {
  it('refuses an http image on a private address before calling Gemini', async () => {
    upstream.handle((_, res) => sendJson(res, 200, readFixture('google', 'google-text.json')));
    const failure = await createGemini({ apiKey: 'k', baseURL: upstream.url, env: {} })
      .chatModel('gemini-2.5-flash')
      .generate({
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `${upstream.url}/cat.png` } }] }],
      })
      .catch((e: unknown) => e);
    expect(BadRequestError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'unsafe_url', status: 400 });
    expect(upstream.requests).toHaveLength(0);
  });

  it('fetches an allowed http image and sends its bytes as inlineData', async () => {
    upstream.handle((request, res) => {
      if (request.path === '/cat.png') {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(PNG);
        return;
      }
      sendJson(res, 200, readFixture('google', 'google-text.json'));
    });
    await createGemini({ apiKey: 'k', baseURL: upstream.url, env: {}, imageFetch: { allowPrivateAddresses: true } })
      .chatModel('gemini-2.5-flash')
      .generate({
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `${upstream.url}/cat.png` } }] }],
      });
    expect(upstream.requests.map((r) => r.path)).toEqual(['/cat.png', '/models/gemini-2.5-flash:generateContent']);
    expect(upstream.requests[1]?.body).toEqual({
      contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: PNG.toString('base64') } }] }],
    });
  });
});
