/**
 * Amazon Bedrock through the running gateway, driven by the official `openai` client. The mock upstream speaks
 * Bedrock Runtime: Converse as JSON, ConverseStream as binary `application/vnd.amazon.eventstream` frames, and
 * InvokeModel for Titan embeddings, all from the adapter's recordings. Bedrock has no base-URL variable, so it
 * is a YAML backend with an endpoint; requests are SigV4-signed with dummy keys from the environment.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bodyOf, type MockUpstream, startMockUpstream } from '../../../src/test-support/mock-upstream.js';
import { bedrockReplay } from '../../../src/test-support/replay-bedrock.js';
import { type Harness, startGateway } from '../gateway-harness.js';
import {
  apiErrorOf,
  assembleStream,
  errorBody,
  fixtureDir,
  readJsonFixture,
  recordingClient,
  writeConfig,
} from './provider-e2e-support.js';

const fixtures = fixtureDir('bedrock');
const modelId = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
const model = `bedrock/${modelId}`;
/** Bedrock ids carry `:` (and ARNs `/`), so the adapter encodes the whole id into the path. */
const modelPath = `/model/${encodeURIComponent(modelId)}`;

const configYaml = `backends:
  - name: aws-us
    type: bedrock
    config: { endpoint: "\${BEDROCK_MOCK}", region: us-east-1 }
`;

let upstream: MockUpstream;
let gateway: Harness;

beforeAll(async () => {
  upstream = await startMockUpstream();
  gateway = await startGateway({
    configFile: writeConfig(configYaml),
    env: {
      BEDROCK_MOCK: upstream.url,
      AWS_ACCESS_KEY_ID: 'AKIAE2ETESTKEY',
      AWS_SECRET_ACCESS_KEY: 'e2e-test-secret',
    },
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
  gateway.gateway.context.cache?.clear();
});

function expectSignedRequest(path: string) {
  expect(upstream.requests).toHaveLength(1);
  const request = upstream.requests[0];
  expect(request?.method).toBe('POST');
  expect(request?.path).toBe(path);
  expect(String(request?.headers.authorization)).toMatch(
    /^AWS4-HMAC-SHA256 Credential=AKIAE2ETESTKEY\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=.+, Signature=[0-9a-f]{64}$/,
  );
  expect(request?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  return bodyOf(request);
}

describe('bedrock through the gateway (Converse API upstream)', () => {
  it('answers a chat completion through /converse (amazon-bedrock-text.json)', async () => {
    upstream.handle(bedrockReplay(fixtures, 'amazon-bedrock-text'));
    const completion = await gateway.client().chat.completions.create({
      model,
      messages: [
        { role: 'system', content: 'Count carefully.' },
        { role: 'user', content: 'How many r are in strawberry?' },
      ],
      max_tokens: 300,
    });
    const body = expectSignedRequest(`${modelPath}/converse`);
    expect(body).toMatchObject({
      system: [{ text: 'Count carefully.' }],
      messages: [{ role: 'user', content: [{ text: 'How many r are in strawberry?' }] }],
      inferenceConfig: { maxTokens: 300 },
    });
    expect(completion.choices[0]?.message.content).toBe(
      'Let me count the "r"s in "strawberry":\n\ns-t-**r**-a-w-b-e-**r**-**r**-y\n\nThere are **3** "r"s in "strawberry."',
    );
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 22, completion_tokens: 57, total_tokens: 79 });
  });

  it('streams /converse-stream event-stream frames as chunks, usage last, then [DONE]', async () => {
    upstream.handle(bedrockReplay(fixtures, 'amazon-bedrock-text'));
    const { client, bodies } = recordingClient(gateway);
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'How many r are in strawberry?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const assembled = await assembleStream(stream);
    expectSignedRequest(`${modelPath}/converse-stream`);
    expect(assembled.text.startsWith('Let me count the "r"s in "')).toBe(true);
    expect(assembled.text).toContain('strawberry');
    expect(assembled.finishReasons).toEqual(['stop']);
    expect(assembled.usageChunks).toHaveLength(1);
    expect(assembled.chunks.at(-1)?.choices).toEqual([]);
    expect(assembled.chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: 22,
      completion_tokens: 55,
      total_tokens: 77,
    });
    expect((await bodies[0])?.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('answers a toolUse block as an OpenAI tool call (amazon-bedrock-tool-call.1.json)', async () => {
    upstream.handle(bedrockReplay(fixtures, 'amazon-bedrock-tool-call.1'));
    const completion = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'List the files.' }],
      tools: [
        {
          type: 'function',
          function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } } } },
        },
      ],
    });
    const body = expectSignedRequest(`${modelPath}/converse`);
    expect(body.toolConfig).toMatchObject({ tools: [{ toolSpec: { name: 'bash' } }] });
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]?.message.tool_calls).toEqual([
      { id: 'tool-use-id', type: 'function', function: { name: 'bash', arguments: '{"command":"ls -l"}' } },
    ]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 });
  });

  it('streams a toolUse block: start frame gives id and name, deltas give the arguments', async () => {
    upstream.handle(bedrockReplay(fixtures, 'amazon-bedrock-tool-call.1'));
    const stream = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Invent a holiday name.' }],
      tools: [
        {
          type: 'function',
          function: { name: 'test-tool', parameters: { type: 'object', properties: { value: { type: 'string' } } } },
        },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    const assembled = await assembleStream(stream);
    expectSignedRequest(`${modelPath}/converse-stream`);
    expect(assembled.toolCalls).toEqual([
      { id: 'tool-use-id', name: 'test-tool', arguments: '{"value":"Sparkle Day"}' },
    ]);
    expect(assembled.finishReasons).toEqual(['tool_calls']);
    expect(assembled.chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: 125,
      completion_tokens: 45,
      total_tokens: 170,
    });
  });

  it('serves Titan embeddings through InvokeModel, one call per input', async () => {
    upstream.handle(bedrockReplay(fixtures, 'doc-titan-embed-text-v2'));
    const recorded = readJsonFixture('bedrock', 'doc-titan-embed-text-v2.json') as { embedding: number[] };
    const result = await gateway.client().embeddings.create({
      model: 'bedrock/amazon.titan-embed-text-v2:0',
      input: ['sunny day at the beach', 'rainy day in the city'],
      encoding_format: 'float',
    });
    expect(upstream.requests.map((request) => request.path)).toEqual([
      '/model/amazon.titan-embed-text-v2%3A0/invoke',
      '/model/amazon.titan-embed-text-v2%3A0/invoke',
    ]);
    expect(upstream.requests.map((request) => bodyOf(request).inputText).sort()).toEqual([
      'rainy day in the city',
      'sunny day at the beach',
    ]);
    expect(result.data.map((item) => item.embedding)).toEqual([recorded.embedding, recorded.embedding]);
    expect(result.usage.prompt_tokens).toBe(12);
  });

  it('reports a throttlingException frame after the first text as a final error the client throws', async () => {
    upstream.handle(bedrockReplay(fixtures, 'doc-amazon-bedrock-stream-throttling'));
    const stream = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    let text = '';
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(text).toBe('Hel');
    expect(String((failure as Error | undefined)?.message)).toContain('Too many tokens');
  });
});

describe('bedrock without credentials', () => {
  it('answers 401 naming the AWS variables and never calls the upstream', async () => {
    const bare = await startGateway({ configFile: writeConfig(configYaml), env: { BEDROCK_MOCK: upstream.url } });
    try {
      const error = await apiErrorOf(
        bare.client().chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }),
      );
      expect(error.status).toBe(401);
      expect(errorBody(error)).toMatchObject({ type: 'invalid_request_error', code: 'missing_credentials' });
      expect(error.message).toContain('AWS_ACCESS_KEY_ID');
      expect(error.message).toContain('AWS_BEARER_TOKEN_BEDROCK');
      expect(upstream.requests).toHaveLength(0);
    } finally {
      await bare.close();
    }
  });
});
