/** Deeply nested JSON is refused with a 400 in the error shape, never a stack overflow and a 500 (issue 18, item 14). */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { type Harness, startGateway } from './gateway-harness.js';

let ollama: MockUpstream;
let gateway: Harness;

beforeAll(async () => {
  ollama = await startMockUpstream();
  gateway = await startGateway({ env: { OLLAMA_HOST: ollama.url, API_KEY: 'gateway-secret' } });
});
afterAll(async () => {
  await gateway.close();
  await ollama.close();
});

const deep = (levels: number): unknown => JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);

describe('JSON depth limit', () => {
  it('a 1000-deep tool schema is a 400 invalid_json through the official client, and reaches no upstream', async () => {
    const error = await gateway
      .client('gateway-secret')
      .chat.completions.create({
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ type: 'function', function: { name: 'f', parameters: deep(1000) as Record<string, unknown> } }],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      code: 'invalid_json',
      message: 'The request body nests arrays and objects deeper than 128 levels',
      param: 'body',
      type: 'invalid_request_error',
    });
    expect(ollama.requests).toEqual([]);
  });

  it('100 000-deep tools, response_format schema and embeddings input are 400 too', async () => {
    for (const [path, body] of [
      [
        '/v1/chat/completions',
        `{"model":"llama3.2","messages":[],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":${'['.repeat(50_000)}${']'.repeat(50_000)}}}}`,
      ],
      [
        '/v1/chat/completions',
        `{"model":"llama3.2","messages":[],"tools":[{"type":"function","function":{"name":"f","parameters":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}}]}`,
      ],
      ['/v1/embeddings', `{"model":"llama3.2","input":${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
    ] as const) {
      const response = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer gateway-secret' },
        body,
      });
      expect(response.status, path).toBe(400);
      expect(await response.json(), path).toMatchObject({
        error: { type: 'invalid_request_error', code: 'invalid_json', param: 'body' },
      });
    }
  });

  it('ordinary nesting (a 100-level schema) is accepted', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer gateway-secret' },
      body: JSON.stringify({
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'hi' }],
        metadata_probe: deep(100),
      }),
    });
    expect(response.status).not.toBe(400);
  });
});
