/**
 * One gateway with every hosted provider configured at once (each pointed at its own mock upstream speaking
 * that provider's wire format). The same request, word for word, goes to each provider by changing only the
 * first word of the model string, `<provider>/e2e-model`; streaming included. Each answer must come from that
 * provider's mock, at its native path, and only from it.
 */
import type { ServerResponse } from 'node:http';
import type OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type MockHandler,
  type MockUpstream,
  type RecordedRequest,
  startMockUpstream,
} from '../../../src/test-support/mock-upstream.js';
import { anthropicReplay } from '../../../src/test-support/replay-anthropic.js';
import { bedrockReplay } from '../../../src/test-support/replay-bedrock.js';
import { cohereReplay } from '../../../src/test-support/replay-cohere.js';
import { googleReplay } from '../../../src/test-support/replay-google.js';
import { ollamaReplay } from '../../../src/test-support/replay-ollama.js';
import { openaiReplay } from '../../../src/test-support/replay-openai.js';
import { type Harness, startGateway } from '../gateway-harness.js';
import { assembleStream, fixtureDir, weatherTool, writeConfig } from './provider-e2e-support.js';

interface Target {
  id: string;
  /** Path of the non-streaming call; the streaming one where it differs. */
  path: string;
  streamPath?: string;
  handler: MockHandler;
  /** Prompt tokens of the recordings: they tell which recording (so which provider) answered. */
  promptTokens: number;
  streamPromptTokens?: number;
}

const byStreamFlag =
  (json: MockHandler, stream: MockHandler): MockHandler =>
  (request: RecordedRequest, response: ServerResponse) =>
    (request.body as { stream?: unknown } | undefined)?.stream === true
      ? stream(request, response)
      : json(request, response);

const openaiWire = (id: string, base: string) => openaiReplay(fixtureDir(id), base);
const vertexModels = '/v1/projects/e2e-project/locations/us-east5/publishers/google/models';

const targets: Target[] = [
  { id: 'openai', path: '/v1/chat/completions', handler: openaiWire('openai', 'openai-text'), promptTokens: 16 },
  {
    id: 'azure',
    path: '/openai/deployments/e2e-model/chat/completions',
    handler: byStreamFlag(openaiWire('azure', 'openai-text'), openaiWire('azure', 'azure-model-router.1')),
    promptTokens: 16,
    streamPromptTokens: 15,
  },
  {
    id: 'anthropic',
    path: '/v1/messages',
    handler: anthropicReplay(fixtureDir('anthropic'), 'anthropic-text'),
    promptTokens: 12,
  },
  {
    id: 'gemini',
    path: '/v1beta/models/e2e-model:generateContent',
    streamPath: '/v1beta/models/e2e-model:streamGenerateContent',
    handler: googleReplay(fixtureDir('google'), 'google-text'),
    promptTokens: 9,
  },
  {
    id: 'vertex',
    path: `${vertexModels}/e2e-model:generateContent`,
    streamPath: `${vertexModels}/e2e-model:streamGenerateContent`,
    handler: googleReplay(fixtureDir('google'), 'google-tool-call'),
    promptTokens: 29,
  },
  {
    id: 'bedrock',
    path: '/model/e2e-model/converse',
    streamPath: '/model/e2e-model/converse-stream',
    handler: bedrockReplay(fixtureDir('bedrock'), 'amazon-bedrock-text'),
    promptTokens: 22,
  },
  { id: 'cohere', path: '/v2/chat', handler: cohereReplay(fixtureDir('cohere'), 'cohere-text'), promptTokens: 507 },
  { id: 'groq', path: '/openai/v1/chat/completions', handler: openaiWire('groq', 'groq-text'), promptTokens: 45 },
  { id: 'mistral', path: '/v1/chat/completions', handler: openaiWire('mistral', 'mistral-text'), promptTokens: 13 },
  {
    id: 'deepseek',
    path: '/v1/chat/completions',
    handler: openaiWire('deepseek', 'deepseek-tool-call'),
    promptTokens: 339,
  },
  {
    id: 'together',
    path: '/v1/chat/completions',
    handler: openaiWire('together', 'groq-tool-call'),
    promptTokens: 218,
    streamPromptTokens: 210,
  },
  {
    id: 'fireworks',
    path: '/inference/v1/chat/completions',
    handler: openaiWire('fireworks', 'mistral-text'),
    promptTokens: 13,
  },
  {
    id: 'meta',
    path: '/compat/v1/chat/completions',
    handler: openaiWire('meta', 'mistral-tool-call'),
    promptTokens: 124,
  },
  { id: 'llamagate', path: '/v1/chat/completions', handler: openaiWire('llamagate', 'xai-text'), promptTokens: 12 },
  {
    id: 'gatewayz',
    path: '/v1/chat/completions',
    handler: openaiWire('gatewayz', 'deepseek-tool-call'),
    promptTokens: 339,
  },
  { id: 'ollama', path: '/api/chat', handler: ollamaReplay(fixtureDir('ollama'), 'doc-chat'), promptTokens: 26 },
  {
    id: 'openai-compatible',
    path: '/v1/chat/completions',
    handler: openaiWire('openai-compatible', 'xai-tool-call'),
    promptTokens: 307,
  },
];

const mocks = new Map<string, MockUpstream>();
let gateway: Harness;
const url = (id: string) => (mocks.get(id) as MockUpstream).url;

beforeAll(async () => {
  for (const target of targets) mocks.set(target.id, await startMockUpstream(target.handler));
  const config = writeConfig(`backends:
  - { name: groq, type: groq, config: { endpoint: "${url('groq')}/openai/v1" } }
  - { name: mistral, type: mistral, config: { endpoint: "${url('mistral')}/v1" } }
  - { name: deepseek, type: deepseek, config: { endpoint: "${url('deepseek')}/v1" } }
  - { name: meta, type: meta, config: { endpoint: "${url('meta')}/compat/v1" } }
  - { name: vllm, type: openai-compatible, config: { endpoint: "${url('openai-compatible')}/v1" } }
  - { name: vertex, type: vertex, config: { endpoint: "${url('vertex')}", projectId: e2e-project, location: us-east5 } }
  - { name: bedrock, type: bedrock, config: { endpoint: "${url('bedrock')}", region: us-east-1 } }
`);
  gateway = await startGateway({
    configFile: config,
    env: {
      OPENAI_BASE_URL: `${url('openai')}/v1`,
      OPENAI_API_KEY: 'k',
      AZURE_OPENAI_ENDPOINT: url('azure'),
      AZURE_OPENAI_API_KEY: 'k',
      ANTHROPIC_BASE_URL: `${url('anthropic')}/v1`,
      ANTHROPIC_API_KEY: 'k',
      GEMINI_BASE_URL: `${url('gemini')}/v1beta`,
      GEMINI_API_KEY: 'k',
      GOOGLE_VERTEX_ACCESS_TOKEN: 'k',
      AWS_BEARER_TOKEN_BEDROCK: 'k',
      COHERE_BASE_URL: `${url('cohere')}/v2`,
      COHERE_API_KEY: 'k',
      GROQ_API_KEY: 'k',
      MISTRAL_API_KEY: 'k',
      DEEPSEEK_API_KEY: 'k',
      TOGETHER_API_BASE: `${url('together')}/v1`,
      TOGETHER_API_KEY: 'k',
      FIREWORKS_API_BASE: `${url('fireworks')}/inference/v1`,
      FIREWORKS_API_KEY: 'k',
      META_API_KEY: 'k',
      LLAMAGATE_API_BASE: `${url('llamagate')}/v1`,
      LLAMAGATE_API_KEY: 'k',
      GATEWAYZ_API_BASE: url('gatewayz'),
      GATEWAYZ_API_KEY: 'k',
      OLLAMA_HOST: url('ollama'),
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

/** The one request every provider gets; only the first word of `model` changes. */
const request = {
  model: 'PROVIDER/e2e-model',
  messages: [{ role: 'user', content: 'What is the weather in San Francisco?' }],
  tools: [weatherTool],
  max_tokens: 256,
} satisfies OpenAI.ChatCompletionCreateParamsNonStreaming;

const withProvider = (id: string) => request.model.replace(/^[^/]+/, id);

/** Exactly one upstream call, on this provider's mock only, at its native path. */
function expectOnly(target: Target, path: string) {
  const called = [...mocks].filter(([, upstream]) => upstream.requests.length > 0).map(([id]) => id);
  expect(called).toEqual([target.id]);
  expect(mocks.get(target.id)?.requests).toHaveLength(1);
  expect(mocks.get(target.id)?.requests[0]?.path).toBe(path);
}

describe.each(targets)('model "$id/e2e-model"', (target) => {
  it('answers from this provider only', async () => {
    const model = withProvider(target.id);
    expect(model).toBe(`${target.id}/e2e-model`);
    const completion = await gateway.client().chat.completions.create({ ...request, model });
    expectOnly(target, target.path);
    const choice = completion.choices[0];
    expect(completion.object).toBe('chat.completion');
    expect(Boolean(choice?.message.content) || (choice?.message.tool_calls?.length ?? 0) > 0).toBe(true);
    expect(['stop', 'length', 'tool_calls']).toContain(choice?.finish_reason);
    expect(completion.usage?.prompt_tokens).toBe(target.promptTokens);
  });

  it('streams from this provider only', async () => {
    const stream = await gateway.client().chat.completions.create({
      ...request,
      model: withProvider(target.id),
      stream: true,
      stream_options: { include_usage: true },
    });
    const assembled = await assembleStream(stream);
    expectOnly(target, target.streamPath ?? target.path);
    expect(assembled.text !== '' || assembled.toolCalls.length > 0).toBe(true);
    expect(assembled.finishReasons).toHaveLength(1);
    expect(assembled.usageChunks).toHaveLength(1);
    expect(assembled.chunks.at(-1)?.usage?.prompt_tokens).toBe(target.streamPromptTokens ?? target.promptTokens);
  });

  it('continues a conversation that holds a tool call and its result from another provider', async () => {
    const completion = await gateway.client().chat.completions.create({
      ...request,
      model: withProvider(target.id),
      messages: [
        ...request.messages,
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_e2e_weather_1',
              type: 'function',
              function: { name: 'weather', arguments: '{"location":"San Francisco"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_e2e_weather_1', content: '{"temperatureCelsius":18}' },
      ],
    });
    expectOnly(target, target.path);
    expect(completion.usage?.prompt_tokens).toBe(target.promptTokens);
    // The native body carries the earlier call's arguments and the tool result, in whatever shape it uses.
    const sent = mocks.get(target.id)?.requests[0]?.rawBody.toString('utf8') ?? '';
    expect(sent).toContain('San Francisco');
    expect(sent).toContain('temperatureCelsius');
  });
});
