/**
 * OpenTelemetry end to end: the gateway exports over OTLP/HTTP to an in-process receiver (a plain node http
 * server decoding the exporter's JSON), and the test asserts span names, GenAI attributes and parent links —
 * the client's traceparent continued by the server span, each upstream attempt a child client span whose own
 * context the upstream received.
 */
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import {
  answerWith,
  type BillingGateway,
  MASTER_KEY,
  startBillingGateway,
  writeGatewayConfig,
} from './billing-harness.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  arrayValue?: { values: OtlpValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: OtlpValue }[];
}

function plain(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.arrayValue !== undefined) return value.arrayValue.values.map(plain);
  return value;
}

function attributes(span: OtlpSpan): Record<string, unknown> {
  return Object.fromEntries(span.attributes.map((attribute) => [attribute.key, plain(attribute.value)]));
}

describe('tracing over OTLP/HTTP', () => {
  let receiver: Server;
  const spans: OtlpSpan[] = [];
  const contentTypes: string[] = [];
  let upstream: MockUpstream;
  let gateway: BillingGateway;

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        let body = Buffer.concat(chunks);
        if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        contentTypes.push(String(request.headers['content-type']));
        const payload = JSON.parse(body.toString('utf8')) as {
          resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
        };
        for (const resource of payload.resourceSpans)
          for (const scope of resource.scopeSpans) spans.push(...scope.spans);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const { port } = receiver.address() as AddressInfo;
    upstream = await startMockUpstream(answerWith());
    gateway = await startBillingGateway({
      env: {
        LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-trace-')),
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_BSP_SCHEDULE_DELAY: '50',
        METRICS_ENABLED: 'false',
        REQUEST_LOG_ENABLED: 'false',
      },
      configFile: writeGatewayConfig(upstream.url),
      observe: true,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    receiver?.close();
  });

  it('continues the caller trace: server span, then a GenAI client span per attempt, context sent upstream', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const client = gateway.client(MASTER_KEY, {
      defaultHeaders: { traceparent: `00-${traceId}-${callerSpan}-01`, tracestate: 'vendor=value' },
    });
    const answer = await client.chat.completions.create({
      model: 'mock-1',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(answer.choices[0]?.message.content).toBe('Hello there!');
    // Closing the gateway shuts the tracer down, which exports what is still buffered.
    await gateway.close();

    expect(contentTypes[0]).toBe('application/json');
    const server = spans.find((span) => span.name === 'POST /v1/chat/completions');
    const attempt = spans.find((span) => span.name === 'chat mock-1');
    if (server === undefined || attempt === undefined) throw new Error(`spans: ${spans.map((span) => span.name)}`);
    expect([server.traceId, server.parentSpanId, server.kind]).toEqual([traceId, callerSpan, 2]);
    expect([attempt.traceId, attempt.parentSpanId, attempt.kind]).toEqual([traceId, server.spanId, 3]);
    expect(attributes(server)).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/chat/completions',
      'http.response.status_code': 200,
      'gen_ai.request.model': 'mock-1',
    });
    expect(attributes(attempt)).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai-compatible',
      'gen_ai.request.model': 'mock-1',
      'gen_ai.response.model': 'mock-1',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 50,
      'gen_ai.response.finish_reasons': ['stop'],
      'llamagate.backend': 'local',
    });
    const sent = upstream.requests[0]?.headers;
    expect(sent?.traceparent).toBe(`00-${traceId}-${attempt.spanId}-01`);
    expect(sent?.tracestate).toBe('vendor=value');
  });
});
