/**
 * Gemini (Google AI Studio) and Vertex AI through the running gateway, driven by the official `openai` client.
 * Each has its own mock upstream answering `:generateContent`, `:streamGenerateContent?alt=sse`,
 * `:batchEmbedContents` / `:predict` in Google's wire format from the adapter's recordings. Gemini is pointed at
 * its mock with GEMINI_BASE_URL; Vertex has no base-URL variable, so it is a YAML backend with an endpoint.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  bodyOf,
  type MockUpstream,
  readChunks,
  sendJson,
  startMockUpstream,
} from '../../../src/test-support/mock-upstream.js';
import { googleReplay } from '../../../src/test-support/replay-google.js';
import { type Harness, startGateway } from '../gateway-harness.js';
import {
  apiErrorOf,
  assembleStream,
  errorBody,
  fixtureDir,
  readJsonFixture,
  recordingClient,
  weatherTool,
  writeConfig,
} from './provider-e2e-support.js';

const fixtures = fixtureDir('google');

interface GoogleCase {
  id: 'gemini' | 'vertex';
  /** Path prefix of model methods on the upstream. */
  modelsPath: string;
  auth: [header: string, value: string];
  embedding: { model: string; base: string; method: string; promptTokens: number };
}

const cases: GoogleCase[] = [
  {
    id: 'gemini',
    modelsPath: '/v1beta/models',
    auth: ['x-goog-api-key', 'gemini-test-key'],
    embedding: {
      model: 'gemini-embedding-001',
      base: 'doc-batch-embed',
      method: 'batchEmbedContents',
      promptTokens: 0,
    },
  },
  {
    id: 'vertex',
    modelsPath: '/v1/projects/e2e-project/locations/europe-west4/publishers/google/models',
    auth: ['authorization', 'Bearer ya29.vertex-test-token'],
    embedding: {
      model: 'text-embedding-005',
      base: 'doc-vertex-predict-embedding',
      method: 'predict',
      promptTokens: 10,
    },
  },
];

const mocks = new Map<string, MockUpstream>();
let gateway: Harness;
const mock = (id: string) => mocks.get(id) as MockUpstream;

beforeAll(async () => {
  for (const { id } of cases) mocks.set(id, await startMockUpstream());
  const config = writeConfig(`backends:
  - name: vertex-eu
    type: vertex
    config: { endpoint: "\${VERTEX_MOCK}", projectId: e2e-project, location: europe-west4 }
`);
  gateway = await startGateway({
    configFile: config,
    env: {
      GEMINI_BASE_URL: `${mock('gemini').url}/v1beta`,
      GEMINI_API_KEY: 'gemini-test-key',
      VERTEX_MOCK: mock('vertex').url,
      GOOGLE_VERTEX_ACCESS_TOKEN: 'ya29.vertex-test-token',
    },
  });
});
afterAll(async () => {
  await gateway?.close();
  await Promise.all([...mocks.values()].map((upstream) => upstream.close()));
});
beforeEach(() => {
  gateway.gateway.context.cache?.clear();
  for (const upstream of mocks.values()) upstream.requests.length = 0;
});

/** The answer text of a recorded stream: text parts that are not thoughts, in order. */
function recordedStreamText(name: string): string {
  return readChunks('google', name)
    .flatMap(
      (line) =>
        (JSON.parse(line) as { candidates?: { content?: { parts?: { text?: string; thought?: boolean }[] } }[] })
          .candidates?.[0]?.content?.parts ?? [],
    )
    .filter((part) => part.thought !== true)
    .map((part) => part.text ?? '')
    .join('');
}

describe.each(cases)('$id through the gateway (Google wire format upstream)', (google) => {
  const model = `${google.id}/gemini-2.5-flash`;

  function expectNativeRequest(method: string) {
    expect(mock(google.id).requests).toHaveLength(1);
    const request = mock(google.id).requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`${google.modelsPath}/gemini-2.5-flash:${method}`);
    expect(request?.headers[google.auth[0]]).toBe(google.auth[1]);
    if (method === 'streamGenerateContent') expect(request?.url.searchParams.get('alt')).toBe('sse');
    return bodyOf(request);
  }

  it('answers a chat completion from google-text.json', async () => {
    mock(google.id).handle(googleReplay(fixtures, 'google-text'));
    const completion = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'How many r are in strawberry?' }],
      max_tokens: 512,
    });
    const body = expectNativeRequest('generateContent');
    expect(body.contents).toEqual([{ role: 'user', parts: [{ text: 'How many r are in strawberry?' }] }]);
    expect(body.generationConfig).toMatchObject({ maxOutputTokens: 512 });
    expect(completion.choices[0]?.message.content).toBe(
      "There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.",
    );
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    // completion counts the thinking tokens (28 + 244), as OpenAI's do for reasoning models.
    expect(completion.usage).toMatchObject({
      prompt_tokens: 9,
      completion_tokens: 272,
      total_tokens: 281,
      completion_tokens_details: { reasoning_tokens: 244 },
    });
  });

  it('streams google-text.chunks.txt: text, stop, one usage chunk, [DONE]', async () => {
    mock(google.id).handle(googleReplay(fixtures, 'google-text'));
    const { client, bodies } = recordingClient(gateway);
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'How many r are in strawberry?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const assembled = await assembleStream(stream);
    expectNativeRequest('streamGenerateContent');
    expect(assembled.text).toBe(recordedStreamText('google-text.chunks.txt'));
    expect(assembled.text).toContain('strawberry');
    expect(assembled.finishReasons).toEqual(['stop']);
    expect(assembled.usageChunks).toHaveLength(1);
    expect(assembled.chunks.at(-1)?.choices).toEqual([]);
    expect(assembled.chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: 9,
      completion_tokens: 208,
      total_tokens: 217,
    });
    expect((await bodies[0])?.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('answers a functionCall as an OpenAI tool call (google-tool-call.json)', async () => {
    mock(google.id).handle(googleReplay(fixtures, 'google-tool-call'));
    const completion = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'What is the weather in San Francisco?' }],
      tools: [weatherTool],
    });
    const body = expectNativeRequest('generateContent');
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          expect.objectContaining({ name: 'weather', description: 'Current weather for a place' }),
        ],
      },
    ]);
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.tool_calls).toHaveLength(1);
    const call = choice?.message.tool_calls?.[0];
    expect(call?.id).toMatch(/\S/);
    expect(call?.type === 'function' ? call.function : undefined).toEqual({
      name: 'weather',
      arguments: '{"location":"San Francisco"}',
    });
    expect(completion.usage).toMatchObject({ prompt_tokens: 29, total_tokens: 937 });
  });

  it('streams a functionCall as one tool call (google-tool-call.chunks.txt)', async () => {
    mock(google.id).handle(googleReplay(fixtures, 'google-tool-call'));
    const stream = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'What is the weather in San Francisco?' }],
      tools: [weatherTool],
      stream: true,
      stream_options: { include_usage: true },
    });
    const assembled = await assembleStream(stream);
    expectNativeRequest('streamGenerateContent');
    expect(assembled.toolCalls).toHaveLength(1);
    expect(assembled.toolCalls[0]?.id).toMatch(/\S/);
    expect(assembled.toolCalls[0]).toMatchObject({ name: 'weather', arguments: '{"location":"San Francisco"}' });
    expect(assembled.text).toBe('');
    expect(assembled.finishReasons).toEqual(['tool_calls']);
    expect(assembled.chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 29, total_tokens: 89 });
  });

  it(`serves embeddings through :${google.embedding.method} (${google.embedding.base}.json)`, async () => {
    mock(google.id).handle(googleReplay(fixtures, google.embedding.base));
    const recorded = readJsonFixture('google', `${google.embedding.base}.json`) as {
      embeddings?: { values: number[] }[];
      predictions?: { embeddings: { values: number[] } }[];
    };
    const vectors =
      recorded.embeddings?.map((item) => item.values) ??
      recorded.predictions?.map((item) => item.embeddings.values) ??
      [];
    const result = await gateway.client().embeddings.create({
      model: `${google.id}/${google.embedding.model}`,
      input: ['sunny day at the beach', 'rainy day in the city'],
    });
    expect(mock(google.id).requests).toHaveLength(1);
    const request = mock(google.id).requests[0];
    expect(request?.path).toBe(`${google.modelsPath}/${google.embedding.model}:${google.embedding.method}`);
    expect(request?.headers[google.auth[0]]).toBe(google.auth[1]);
    expect(JSON.stringify(bodyOf(request))).toContain('rainy day in the city');
    // The openai client asked for base64 (its default) and decoded float32 values.
    expect(result.data.map((item) => item.embedding)).toEqual(
      vectors.map((vector) => Array.from(new Float32Array(vector))),
    );
    expect(result.data).toHaveLength(2);
    expect(result.usage.prompt_tokens).toBe(google.embedding.promptTokens);
  });

  it('maps the recorded 429 RESOURCE_EXHAUSTED to 429 with retry-after from its RetryInfo', async () => {
    mock(google.id).handle((_, response) =>
      sendJson(response, 429, readJsonFixture('google', 'google-429-retry-info.json')),
    );
    const error = await apiErrorOf(
      gateway.client().chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(mock(google.id).requests[0]?.path).toBe(`${google.modelsPath}/gemini-2.5-flash:generateContent`);
    expect(error.status).toBe(429);
    expect(errorBody(error)).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    expect(error.message).toContain('You exceeded your current quota');
    // RetryInfo says 34.4s; Retry-After is whole seconds, rounded up.
    expect(error.headers?.get('retry-after')).toBe('35');
  });
});

describe('gemini without credentials', () => {
  it('answers 401 naming GEMINI_API_KEY and never calls the upstream', async () => {
    const bare = await startGateway({ env: { GEMINI_BASE_URL: `${mock('gemini').url}/v1beta` } });
    try {
      const error = await apiErrorOf(
        bare.client().chat.completions.create({
          model: 'gemini/gemini-2.5-flash',
          messages: [{ role: 'user', content: 'x' }],
        }),
      );
      expect(error.status).toBe(401);
      expect(errorBody(error)).toMatchObject({ type: 'invalid_request_error', code: 'missing_credentials' });
      expect(error.message).toContain('GEMINI_API_KEY');
      expect(mock('gemini').requests).toHaveLength(0);
    } finally {
      await bare.close();
    }
  });
});
