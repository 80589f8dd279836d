/**
 * Every provider that speaks OpenAI's wire format upstream (OpenAI, Azure and the OpenAI-compatible vendors),
 * through the running gateway, driven by the official `openai` client. Each provider gets its own mock upstream
 * replaying the recordings in its `__fixtures__` folder; one gateway serves them all, configured the way a user
 * would: a base-URL environment variable where the provider has one, else a YAML backend with an endpoint.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bodyOf, type MockUpstream, sendJson, startMockUpstream } from '../../../src/test-support/mock-upstream.js';
import { openaiReplay } from '../../../src/test-support/replay-openai.js';
import { type Harness, startGateway } from '../gateway-harness.js';
import { cases, type Recording } from './openai-wire-cases.js';
import {
  apiErrorOf,
  assembleStream,
  errorBody,
  fixtureDir,
  recordingClient,
  weatherTool,
  writeConfig,
} from './provider-e2e-support.js';

/** The fixture folder each provider's recordings live in (the vendors reuse recordings copied there). */
const folder = (id: string) => fixtureDir(id);

function recordedText(id: string, recording: Recording, stream: boolean): string {
  if (recording.content !== undefined) return recording.content;
  const dir = folder(id);
  if (!stream) {
    const body = JSON.parse(readFileSync(join(dir, `${recording.base}.json`), 'utf8')) as {
      choices: { message: { content: string } }[];
    };
    return body.choices[0]?.message.content ?? '';
  }
  return readFileSync(join(dir, `${recording.base}.chunks.txt`), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content)
    .join('');
}

const mocks = new Map<string, MockUpstream>();
let gateway: Harness;

const mock = (id: string) => mocks.get(id) as MockUpstream;

beforeAll(async () => {
  for (const { id } of cases) mocks.set(id, await startMockUpstream());
  // Providers without a base-URL variable (Groq, Mistral, DeepSeek, Meta, any OpenAI-compatible server) are YAML
  // backends with an endpoint; their keys still come from the environment, as users set them.
  const config = writeConfig(`backends:
  - name: groq-cloud
    type: groq
    config: { endpoint: "\${GROQ_MOCK}/openai/v1" }
  - name: mistral-eu
    type: mistral
    config: { endpoint: "\${MISTRAL_MOCK}/v1" }
  - name: deepseek-api
    type: deepseek
    config: { endpoint: "\${DEEPSEEK_MOCK}/v1" }
  - name: llama-api
    type: meta
    config: { endpoint: "\${META_MOCK}/compat/v1" }
  - name: local-vllm
    type: vllm
    config: { endpoint: "\${COMPAT_MOCK}/v1", apiKey: vllm-test }
`);
  gateway = await startGateway({
    configFile: config,
    env: {
      OPENAI_BASE_URL: `${mock('openai').url}/v1`,
      OPENAI_API_KEY: 'sk-openai-test',
      AZURE_OPENAI_ENDPOINT: mock('azure').url,
      AZURE_OPENAI_API_KEY: 'azure-test-key',
      GROQ_MOCK: mock('groq').url,
      GROQ_API_KEY: 'gsk-test',
      MISTRAL_MOCK: mock('mistral').url,
      MISTRAL_API_KEY: 'mistral-test',
      DEEPSEEK_MOCK: mock('deepseek').url,
      DEEPSEEK_API_KEY: 'deepseek-test',
      TOGETHER_API_BASE: `${mock('together').url}/v1`,
      TOGETHER_API_KEY: 'together-test',
      FIREWORKS_API_BASE: `${mock('fireworks').url}/inference/v1`,
      FIREWORKS_API_KEY: 'fw-test',
      META_MOCK: mock('meta').url,
      META_API_KEY: 'meta-test',
      LLAMAGATE_API_BASE: `${mock('llamagate').url}/v1`,
      LLAMAGATE_API_KEY: 'lg-test',
      GATEWAYZ_API_BASE: mock('gatewayz').url,
      GATEWAYZ_API_KEY: 'gatewayz-test',
      COMPAT_MOCK: mock('openai-compatible').url,
    },
  });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([...mocks.values()].map((upstream) => upstream.close()));
});

beforeEach(() => {
  gateway.gateway.context.cache?.clear();
  for (const upstream of mocks.values()) {
    upstream.requests.length = 0;
    upstream.handle((request, response) =>
      sendJson(response, 404, { error: { message: `unexpected ${request.method} ${request.path}` } }),
    );
  }
});

function chatParams(model: string, recording: Recording): OpenAI.ChatCompletionCreateParamsNonStreaming {
  return {
    model,
    messages: [
      { role: 'user', content: recording.tools ? 'What is the weather in San Francisco?' : 'Invent a holiday.' },
    ],
    ...(recording.tools ? { tools: [weatherTool] } : {}),
  };
}

describe.each(cases)('$id through the gateway (OpenAI wire format upstream)', (wire) => {
  const model = `${wire.id}/${wire.model}`;

  function expectNativeRequest(path: string, stream: boolean) {
    const request = mock(wire.id).requests.at(-1);
    expect(mock(wire.id).requests).toHaveLength(1);
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(path);
    for (const [name, value] of Object.entries(wire.query ?? {}))
      expect(request?.url.searchParams.get(name)).toBe(value);
    expect(request?.headers[wire.auth[0]]).toBe(wire.auth[1]);
    const body = bodyOf(request);
    expect(body.model).toBe(wire.upstreamModel);
    if (stream) {
      expect(body.stream).toBe(true);
      if (wire.dropsStreamOptions) expect(body.stream_options).toBeUndefined();
      else expect(body.stream_options).toMatchObject({ include_usage: true });
    } else {
      expect(body.stream).not.toBe(true);
    }
  }

  async function expectGenerate(recording: Recording) {
    mock(wire.id).handle(openaiReplay(folder(wire.id), recording.base));
    const completion = await gateway.client().chat.completions.create(chatParams(model, recording));
    expectNativeRequest(wire.chatPath, false);
    const choice = completion.choices[0];
    expect(completion.object).toBe('chat.completion');
    expect(choice?.finish_reason).toBe(recording.finish);
    if (recording.toolCall === undefined) {
      expect(choice?.message.content).toBe(recordedText(wire.id, recording, false));
      expect(choice?.message.tool_calls).toBeUndefined();
    } else {
      const call = choice?.message.tool_calls?.[0];
      expect(choice?.message.tool_calls).toHaveLength(1);
      expect(call?.type).toBe('function');
      expect(call?.id).toBe(recording.toolCall.id);
      expect(call?.type === 'function' ? call.function : undefined).toEqual({
        name: recording.toolCall.name,
        arguments: recording.toolCall.arguments,
      });
    }
    const [prompt, completionTokens, total] = recording.usage;
    expect(completion.usage).toMatchObject({
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: total,
    });
  }

  async function expectStream(recording: Recording) {
    mock(wire.id).handle(openaiReplay(folder(wire.id), recording.base));
    const { client, bodies } = recordingClient(gateway);
    const stream = await client.chat.completions.create({
      ...chatParams(model, recording),
      stream: true,
      stream_options: { include_usage: true },
    });
    const assembled = await assembleStream(stream);
    expectNativeRequest(wire.chatPath, true);
    expect(assembled.chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    if (recording.toolCall === undefined) {
      expect(assembled.text).toBe(recordedText(wire.id, recording, true));
      expect(assembled.toolCalls).toEqual([]);
    } else {
      expect(assembled.toolCalls).toEqual([recording.toolCall]);
      expect(JSON.parse(assembled.toolCalls[0]?.arguments ?? '')).toBeTypeOf('object');
    }
    expect(assembled.finishReasons).toEqual([recording.finish]);
    // include_usage: exactly one usage chunk, last, with no choices, carrying the recorded counts.
    expect(assembled.usageChunks).toHaveLength(1);
    const last = assembled.chunks.at(-1);
    expect(last?.choices).toEqual([]);
    const [prompt, completionTokens, total] = recording.usage;
    expect(last?.usage).toMatchObject({
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: total,
    });
    // The client stopped at the gateway's one `[DONE]`, which ends the SSE body.
    const raw = await bodies[0];
    expect(raw?.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(raw?.match(/\[DONE\]/g)).toHaveLength(1);
  }

  it(`answers a chat completion as ${wire.chat.toolCall ? 'a tool call' : 'text'} (${wire.chat.base}.json)`, () =>
    expectGenerate(wire.chat));

  it(`streams ${wire.stream.toolCall ? 'a tool call' : 'text'} with a usage chunk and [DONE] (${wire.stream.base}.chunks.txt)`, () =>
    expectStream(wire.stream));

  if (wire.extra !== undefined) {
    const extra = wire.extra;
    it(`${extra.stream ? 'streams' : 'answers'} ${extra.toolCall ? 'a tool call' : 'text'} (${extra.base})`, () =>
      extra.stream ? expectStream(extra) : expectGenerate(extra));
  }

  const embeddings = wire.embeddings;
  if (embeddings !== undefined) {
    it(`serves embeddings from ${embeddings.base}.json (client default: base64 from the gateway)`, async () => {
      const dir = folder(embeddings.folder ?? wire.id);
      mock(wire.id).handle(openaiReplay(dir, embeddings.base));
      const recorded = JSON.parse(readFileSync(join(dir, `${embeddings.base}.json`), 'utf8')) as {
        data: { embedding: number[] }[];
      };
      // No encoding_format: the openai client asks for base64 and decodes it into float32 values.
      const result = await gateway.client().embeddings.create({
        model,
        input: ['sunny day at the beach', 'rainy day in the city'],
      });
      const request = mock(wire.id).requests[0];
      expect(mock(wire.id).requests).toHaveLength(1);
      expect(request?.path).toBe(embeddings.path);
      expect(request?.headers[wire.auth[0]]).toBe(wire.auth[1]);
      expect(bodyOf(request)).toMatchObject({ input: ['sunny day at the beach', 'rainy day in the city'] });
      expect(result.data).toHaveLength(embeddings.vectors);
      expect(result.data.map((item) => item.embedding)).toEqual(
        recorded.data.map((item) => Array.from(new Float32Array(item.embedding))),
      );
      // Vectors travel upstream as floats whatever the client asked for; the gateway encodes base64 itself.
      expect(bodyOf(request).encoding_format).not.toBe('base64');
      expect(result.data.map((item) => item.index)).toEqual([0, 1]);
      expect(result.usage.prompt_tokens).toBe(embeddings.promptTokens);
    });
  } else {
    it('answers embeddings with 400 embeddings_not_supported, without calling the upstream', async () => {
      const error = await apiErrorOf(gateway.client().embeddings.create({ model, input: 'hello' }));
      expect(error.status).toBe(400);
      expect(errorBody(error)).toMatchObject({ type: 'invalid_request_error', code: 'embeddings_not_supported' });
      expect(mock(wire.id).requests).toHaveLength(0);
    });
  }

  const failure = wire.error;
  if (failure !== undefined) {
    it(`maps the upstream error recording ${failure.base}.json to ${failure.status} ${failure.code}`, async () => {
      mock(wire.id).handle(openaiReplay(folder(wire.id), failure.base, { status: failure.status }));
      const error = await apiErrorOf(
        gateway.client().chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }),
      );
      expect(mock(wire.id).requests[0]?.path).toBe(wire.chatPath);
      expect(error.status).toBe(failure.status);
      expect(errorBody(error)).toMatchObject({ type: failure.type, code: failure.code });
      expect(error.message).toContain(failure.message);
    });
  }
});
