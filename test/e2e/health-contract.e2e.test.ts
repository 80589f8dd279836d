/**
 * LlamaGate's documented contract for a gateway whose Ollama is down or up (issue 18, item 23): `/health` in
 * LlamaGate's shape, `/health/ready` without contradictory fields, `/v1/models` saying the backend is down, and
 * request log lines with LlamaGate's field names.
 */
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, sendJson, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { type Harness, startGateway } from './gateway-harness.js';

let down: Harness;
let ollama: MockUpstream;
let up: Harness;

beforeAll(async () => {
  // Port 9 (discard) refuses connections on loopback.
  down = await startGateway({ env: { OLLAMA_HOST: 'http://127.0.0.1:9' } });
  ollama = await startMockUpstream((request, response) => {
    if (request.path === '/api/tags') return sendJson(response, 200, { models: [{ name: 'llama3.2:latest' }] });
    if (request.path === '/api/version') return sendJson(response, 200, { version: '0.9.0' });
    return sendJson(response, 500, { error: 'broken' });
  });
  up = await startGateway({ env: { OLLAMA_HOST: ollama.url } });
});
afterAll(async () => {
  await Promise.all([down.close(), up.close()]);
  await ollama.close();
});

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as unknown });
const withoutTimes = (body: unknown) =>
  JSON.parse(
    JSON.stringify(body)
      .replace(/"(timestamp|checkedAt)":"[^"]+"/g, '"$1":"…"')
      .replace(/"latencyMs":\d+/g, '"latencyMs":0'),
  ) as unknown;

describe('Ollama unreachable', () => {
  it('/health: 503 with ollama_host, "error":"Ollama unreachable" and the detail beside it', async () => {
    expect(withoutTimes(await json(await fetch(`${down.url}/health`)))).toMatchInlineSnapshot(`
      {
        "body": {
          "backend": "ollama",
          "detail": "Could not reach ollama at http://127.0.0.1:9: ECONNREFUSED",
          "error": "Ollama unreachable",
          "ollama": "disconnected",
          "ollama_host": "http://127.0.0.1:9",
          "status": "unhealthy",
          "timestamp": "…",
        },
        "status": 503,
      }
    `);
  });

  it('/health/ready: a backend that fails its check is "down" and "unhealthy", never "down" and "healthy"', async () => {
    expect(withoutTimes(await json(await fetch(`${down.url}/health/ready`)))).toMatchInlineSnapshot(`
      {
        "body": {
          "backends": {
            "ollama": {
              "checkedAt": "…",
              "error": "Could not reach ollama at http://127.0.0.1:9: ECONNREFUSED",
              "inFlight": 0,
              "latencyMs": 0,
              "state": "unhealthy",
              "status": "down",
            },
          },
          "status": "not_ready",
        },
        "status": 503,
      }
    `);
  });

  it('/v1/models: a 503 saying the backend is down instead of an empty list', async () => {
    const error = await down
      .client()
      .models.list()
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(503);
    expect((error as APIError).error).toMatchObject({ type: 'service_unavailable_error', code: 'service_unavailable' });
    expect((error as APIError).message).toMatch(/^503 Ollama unreachable: .*ECONNREFUSED/);
    // The Ollama API's own listing says the same in Ollama's error shape.
    expect(await json(await fetch(`${down.url}/api/tags`))).toMatchObject({
      status: 503,
      body: { error: expect.stringMatching(/^Ollama unreachable/) },
    });
  });
});

describe('Ollama up', () => {
  it('/health: 200 with ollama_host', async () => {
    const { status, body } = await json(await fetch(`${up.url}/health`));
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'healthy', ollama: 'connected', ollama_host: ollama.url });
  });

  it('/health/ready: up and healthy', async () => {
    const { body } = await json(await fetch(`${up.url}/health/ready`));
    expect(body).toMatchObject({ status: 'ready', backends: { ollama: { status: 'up', state: 'healthy' } } });
  });

  it('/v1/models lists the models', async () => {
    const page = await up.client().models.list();
    expect(page.data.map((model) => model.id)).toEqual(['llama3.2:latest']);
  });

  it('the request line carries request_id, latency and ip beside requestId, latencyMs and clientIp', async () => {
    const response = await fetch(`${up.url}/health/live`, { headers: { 'x-request-id': 'contract-1' } });
    expect(response.status).toBe(200);
    // The gateway's own id is the request's identity; the client's X-Request-ID is logged beside it.
    const line = up.logs.find((entry) => entry.clientRequestId === 'contract-1' && entry.msg === 'request');
    expect(line?.request_id).toBe(line?.requestId);
    expect(line?.requestId).toBe(response.headers.get('x-llamagate-request-id'));
    expect(line).toMatchObject({
      clientRequestId: 'contract-1',
      ip: '127.0.0.1',
      clientIp: '127.0.0.1',
      method: 'GET',
      path: '/health/live',
      status: 200,
    });
    expect(line?.latency).toBe(line?.latencyMs);
    expect(typeof line?.latency).toBe('number');
  });
});
