/**
 * The request log's attempt trail on every model route: one request through each inbound API, with that API's
 * official client where there is one, then `/admin/requests/{id}` shows the row and the backend attempt it made.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import {
  answerWith,
  type BillingGateway,
  MASTER_KEY,
  startBillingGateway,
  writeGatewayConfig,
} from './billing-harness.js';

type Json = Record<string, unknown>;

describe('request log attempt trail on every model route', () => {
  let upstream: MockUpstream;
  let gateway: BillingGateway;
  let key: string;

  beforeAll(async () => {
    upstream = await startMockUpstream(answerWith());
    gateway = await startBillingGateway({
      env: { LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-log-routes-')), CACHE_ENABLED: 'false' },
      configFile: writeGatewayConfig(upstream.url),
      observe: true,
    });
    key = (await gateway.createKey({ name: 'routes', credits: 10 })).key;
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  /** The id of the newest request-log row of `route`, once it is written. */
  const newestOn = async (route: string): Promise<string> => {
    const rows = await gateway.requestLogRows<Json>((listed) => listed.some((row) => row.route === route));
    return String(rows.find((row) => row.route === route)?.id);
  };

  const detail = async (id: string): Promise<Json> => {
    const response = await fetch(`${gateway.url}/admin/requests/${id}`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Json;
  };

  const ollama = () => new Ollama({ host: gateway.url, headers: { Authorization: `Bearer ${key}` } });

  const calls: [route: string, format: string, call: () => Promise<unknown>][] = [
    [
      '/v1/chat/completions',
      'openai-chat',
      () =>
        gateway.client(key).chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] }),
    ],
    [
      '/v1/completions',
      'openai-completions',
      () => gateway.client(key).completions.create({ model: 'mock-1', prompt: 'hi' }),
    ],
    ['/v1/responses', 'openai-responses', () => gateway.client(key).responses.create({ model: 'mock-1', input: 'hi' })],
    [
      '/v1/messages',
      'anthropic-messages',
      () =>
        new Anthropic({ apiKey: key, baseURL: gateway.url, maxRetries: 0 }).messages.create({
          model: 'mock-1',
          max_tokens: 16,
          messages: [{ role: 'user', content: 'hi' }],
        }),
    ],
    [
      '/v1/embeddings',
      'openai-embeddings',
      () => gateway.client(key).embeddings.create({ model: 'embed-1', input: 'hi' }),
    ],
    [
      '/api/chat',
      'ollama-chat',
      () => ollama().chat({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }], stream: false }),
    ],
    ['/api/generate', 'ollama-generate', () => ollama().generate({ model: 'mock-1', prompt: 'hi', stream: false })],
    ['/api/embed', 'ollama-embed', () => ollama().embed({ model: 'embed-1', input: 'hi' })],
    ['/api/embeddings', 'ollama-embed', () => ollama().embeddings({ model: 'embed-1', prompt: 'hi' })],
  ];

  it.each(calls)('%s records its row with the attempt it made', async (route, format, call) => {
    await call();
    const id = await newestOn(route);
    const row = await detail(id);
    const model = format.includes('embed') ? 'embed-1' : 'mock-1';
    expect([row.route, row.format, row.status, row.backend, row.attempts]).toEqual([route, format, 200, 'local', 1]);
    expect(row.attempts_detail).toEqual([
      {
        backend: 'local',
        model,
        status: 200,
        latency_ms: expect.any(Number),
        error_code: null,
        error_message: null,
      },
    ]);
  });
});
