/**
 * Anthropic's `stop_sequence` through the gateway (decision 0014), driven by the official SDK: named by the
 * upstream when it says which (vLLM's `stop_reason` on an OpenAI-compatible server), found at the end of the
 * output when the backend keeps it there, else null with `end_turn`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, sendJson, sendStream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { type Harness, startGateway } from './gateway-harness.js';

let vllm: MockUpstream;
let ollama: MockUpstream;
let gateway: Harness;

/** The answer text for a request: the user's last message says what to answer. */
const answerFor = (body: unknown): string => {
  const messages = (body as { messages?: { content: unknown }[] }).messages ?? [];
  return JSON.stringify(messages.at(-1)?.content ?? '').includes('keep')
    ? 'Once upon a time. THE END'
    : 'Once upon a time.';
};

beforeAll(async () => {
  // vLLM names the stop string it stopped on in `stop_reason`.
  vllm = await startMockUpstream(async (request, response) => {
    const body = request.body as { stream?: boolean; model: string };
    const base = { id: 'cmpl-1', created: 1, model: body.model };
    if (body.stream !== true) {
      sendJson(response, 200, {
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'One, two' },
            finish_reason: 'stop',
            stop_reason: ', three',
          },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
      });
      return;
    }
    const chunk = (delta: object, finish: string | null, stop?: string) =>
      JSON.stringify({
        ...base,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta, finish_reason: finish, ...(stop === undefined ? {} : { stop_reason: stop }) }],
      });
    await sendStream(
      response,
      [chunk({ role: 'assistant', content: 'One, two' }, null), chunk({}, 'stop', ', three')],
      {
        format: 'sse',
        done: true,
      },
    );
  });
  // Ollama says only `done_reason: stop`; this one keeps the stop sequence in the output when asked to.
  ollama = await startMockUpstream(async (request, response) => {
    const body = request.body as { stream?: boolean };
    const content = answerFor(request.body);
    const done = {
      model: 'llama3.2',
      created_at: '2024-01-01T00:00:00Z',
      done: true,
      done_reason: 'stop',
      prompt_eval_count: 5,
      eval_count: 6,
    };
    if (body.stream === false) {
      sendJson(response, 200, { ...done, message: { role: 'assistant', content } });
      return;
    }
    await sendStream(
      response,
      [
        JSON.stringify({
          model: 'llama3.2',
          created_at: '2024-01-01T00:00:00Z',
          message: { role: 'assistant', content },
          done: false,
        }),
        JSON.stringify({ ...done, message: { role: 'assistant', content: '' } }),
      ],
      { format: 'ndjson' },
    );
  });
  const file = join(mkdtempSync(join(tmpdir(), 'lg-stop-sequences-')), 'llamagate.yaml');
  writeFileSync(
    file,
    `defaultBackend: local
healthCheckInterval: 0
backends:
  - { name: local, type: ollama, config: { endpoint: "${ollama.url}" } }
  - { name: vllm, type: openai-compatible, config: { endpoint: "${vllm.url}/v1", apiKey: k } }
models:
  claude-vllm: vllm/qwen3
  claude-local: local/llama3.2
`,
  );
  gateway = await startGateway({ configFile: file });
});
afterAll(async () => {
  await gateway.close();
  await vllm.close();
  await ollama.close();
});

const client = () => new Anthropic({ apiKey: 'unused', baseURL: gateway.url, maxRetries: 0, timeout: 15_000 });
const ask = (model: string, content: string) => ({
  model,
  max_tokens: 64,
  stop_sequences: [', three', 'THE END'],
  messages: [{ role: 'user' as const, content }],
});

describe('stop_sequence through the gateway', () => {
  it('is the one the upstream named, answered and streamed', async () => {
    const message = await client().messages.create(ask('claude-vllm', 'Count.'));
    expect([message.stop_reason, message.stop_sequence]).toEqual(['stop_sequence', ', three']);
    const streamed = await client().messages.stream(ask('claude-vllm', 'Count.')).finalMessage();
    expect([streamed.stop_reason, streamed.stop_sequence]).toEqual(['stop_sequence', ', three']);
    expect(streamed.content).toEqual([{ type: 'text', text: 'One, two' }]);
  });

  it('is the one the output ends with when the backend keeps it there, answered and streamed', async () => {
    const message = await client().messages.create(ask('claude-local', 'Tell it and keep the end.'));
    expect([message.stop_reason, message.stop_sequence]).toEqual(['stop_sequence', 'THE END']);
    const streamed = await client().messages.stream(ask('claude-local', 'Tell it and keep the end.')).finalMessage();
    expect([streamed.stop_reason, streamed.stop_sequence]).toEqual(['stop_sequence', 'THE END']);
  });

  it('is null with end_turn when the upstream does not say and the output does not show it', async () => {
    const message = await client().messages.create(ask('claude-local', 'Tell it.'));
    expect([message.stop_reason, message.stop_sequence]).toEqual(['end_turn', null]);
    const streamed = await client().messages.stream(ask('claude-local', 'Tell it.')).finalMessage();
    expect([streamed.stop_reason, streamed.stop_sequence]).toEqual(['end_turn', null]);
  });
});
