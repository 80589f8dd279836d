/**
 * `llamagate/server` on its own: startGateway() loads config, opens billing and observability (metrics, the
 * request log, tracing from the OTEL_* variables) as `llamagate serve` does, and serves, in a few lines.
 */
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type StartGatewayOptions, startGateway } from '../../src/server/index.js';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith } from './billing-harness.js';

let upstream: MockUpstream;
/** An OTLP/HTTP receiver: the names of the spans the gateway exports to it. */
let receiver: Server;
const spanNames: string[] = [];

beforeAll(async () => {
  upstream = await startMockUpstream();
  upstream.handle(answerWith());
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const payload = JSON.parse(body.toString('utf8')) as {
        resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[];
      };
      for (const resource of payload.resourceSpans)
        for (const scope of resource.scopeSpans) spanNames.push(...scope.spans.map((span) => span.name));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
});
afterAll(async () => {
  receiver?.close();
  await upstream?.close();
});

describe('startGateway', () => {
  it('serves OpenAI clients, the admin API, metrics, the request log and traces, and closes cleanly', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'lg-start-'));
    const configFile = join(directory, 'llamagate.yaml');
    writeFileSync(
      configFile,
      `defaultBackend: local
backends:
  - name: local
    type: openai-compatible
    config: { endpoint: "${upstream.url}/v1" }
prices:
  "mock-*": { input: "10.00", output: "30.00" }
`,
    );
    const gateway = await startGateway({
      configFile,
      env: {
        LLAMAGATE_DATA_DIR: directory,
        LLAMAGATE_MASTER_KEY: 'lg-master',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
        // Spans wait in the batch far longer than the test: only close() shutting tracing down sends them.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      },
      dotenvFile: false,
      port: 0,
      host: '127.0.0.1',
      logger: createLogger({ debug: false, silent: true }),
    });
    const master = { authorization: 'Bearer lg-master' };
    let keyId: string;
    try {
      expect(gateway.url).toBe(`http://127.0.0.1:${gateway.port}`);
      expect(gateway.billing).toBeDefined();
      expect(gateway.observability?.metrics).toBeDefined();
      expect(gateway.observability?.tracing).toBeDefined();
      const created = await fetch(`${gateway.url}/admin/keys`, {
        method: 'POST',
        headers: { ...master, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'embedded', credits: 1 }),
      });
      expect(created.status).toBe(201);
      const { key, id } = (await created.json()) as { key: string; id: string };
      keyId = id;
      const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      const { data, response } = await client.chat.completions
        .create({ model: 'mock-1', messages: [{ role: 'user', content: 'Hi' }] })
        .withResponse();
      expect(data.choices[0]?.message.content).toBe('Hello there!');
      expect(response.headers.get('x-llamagate-cost')).toBe('0.002500');
      const requestId = response.headers.get('x-request-id');

      // /metrics answers the master key (and no one else) and counts the request.
      expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
      const chatSamples = async () => {
        const metrics = await fetch(`${gateway.url}/metrics`, { headers: master });
        expect(metrics.status).toBe(200);
        return (await metrics.text())
          .split('\n')
          .filter((line) => line.startsWith('llamagate_requests_total{') && line.includes('/v1/chat/completions'));
      };
      await expect
        .poll(chatSamples, { timeout: 10_000 })
        .toEqual([
          'llamagate_requests_total{route="/v1/chat/completions",format="openai-chat",model="mock-1",backend="local",status_class="2xx",error_type="none"} 1',
        ]);

      // The request-log row, once the batching writer has stored it (it is queued when the response closes).
      const logged = async () => {
        const answer = await fetch(`${gateway.url}/admin/requests`, { headers: master });
        expect(answer.status).toBe(200);
        return ((await answer.json()) as { data: Record<string, unknown>[] }).data;
      };
      await expect.poll(async () => (await logged()).length, { timeout: 10_000 }).toBe(1);
      const [row] = await logged();
      expect(row).toMatchObject({
        id: requestId,
        key_id: keyId,
        route: '/v1/chat/completions',
        format: 'openai-chat',
        model: 'mock-1',
        backend: 'local',
        status: 200,
        error_type: null,
        stream: false,
        input_tokens: 100,
        output_tokens: 50,
        cost_usd: '0.002500',
        attempts: 1,
      });
    } finally {
      await gateway.close();
    }
    await expect(fetch(`${gateway.url}/health`)).rejects.toThrow();
    // close() shut tracing down, which exported the batched spans: the request's and its upstream attempt's.
    expect(spanNames).toContain('POST /v1/chat/completions');
    expect(spanNames).toContain('chat mock-1');
  });

  it('rejects when a port is taken, leaving nothing listening', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'lg-start-taken-'));
    const taken = (receiver.address() as AddressInfo).port;
    const options: StartGatewayOptions = {
      env: { LLAMAGATE_DATA_DIR: directory, LLAMAGATE_MASTER_KEY: 'lg-master' },
      dotenvFile: false,
      host: '127.0.0.1',
      logger: createLogger({ debug: false, silent: true }),
    };
    await expect(startGateway({ ...options, port: taken })).rejects.toThrow(
      `Port ${taken} is already in use on 127.0.0.1`,
    );
    // The gateway's own port opens, then METRICS_PORT cannot: the listening server is closed again.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const free = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    await expect(
      startGateway({ ...options, port: free, env: { ...options.env, METRICS_PORT: String(taken) } }),
    ).rejects.toThrow('EADDRINUSE');
    await expect(fetch(`http://127.0.0.1:${free}/health`)).rejects.toThrow();
  });
});
