/**
 * OpenTelemetry end to end: the gateway exports over OTLP/HTTP to an in-process receiver (a plain node http
 * server decoding the exporter's JSON), and the test asserts span names, GenAI attributes and parent links —
 * the client's traceparent continued by the server span, each upstream attempt a child client span whose own
 * context the upstream received; finish reasons of plain and streamed answers; message content only when
 * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`, redacted like the request log's bodies.
 */
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith, MASTER_KEY, startBillingGateway, writeGatewayConfig } from './billing-harness.js';

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

/** An OTLP/HTTP receiver collecting the spans it is sent, and a gateway exporting to it. */
async function startTracedGateway(env: Record<string, string>) {
  const spans: OtlpSpan[] = [];
  const contentTypes: string[] = [];
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      contentTypes.push(String(request.headers['content-type']));
      const payload = JSON.parse(body.toString('utf8')) as {
        resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const resource of payload.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const { port } = receiver.address() as AddressInfo;
  const upstream = await startMockUpstream(answerWith());
  const gateway = await startBillingGateway({
    env: {
      LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-trace-')),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      METRICS_ENABLED: 'false',
      REQUEST_LOG_ENABLED: 'false',
      ...env,
    },
    configFile: writeGatewayConfig(upstream.url),
    observe: true,
  });
  return {
    spans,
    contentTypes,
    upstream,
    gateway,
    async close() {
      await gateway.close();
      await upstream.close();
      receiver.close();
    },
  };
}

type Traced = Awaited<ReturnType<typeof startTracedGateway>>;

function spanNamed(spans: readonly OtlpSpan[], name: string, traceId?: string): OtlpSpan {
  const span = spans.find(
    (candidate) => candidate.name === name && (traceId === undefined || candidate.traceId === traceId),
  );
  if (span === undefined) throw new Error(`no span ${name}; spans: ${spans.map((candidate) => candidate.name)}`);
  return span;
}

/** A caller trace id per request, so each request's spans can be told apart. */
function callerTrace(traceId: string) {
  return { traceparent: `00-${traceId}-00f067aa0ba902b7-01` };
}

describe('tracing over OTLP/HTTP', () => {
  let traced: Traced;

  beforeAll(async () => {
    traced = await startTracedGateway({});
  });
  afterAll(async () => {
    await traced?.close();
  });

  it('continues the caller trace: server span, then a GenAI client span per attempt, context sent upstream', async () => {
    const { gateway, spans, contentTypes, upstream } = traced;
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
    const streamTrace = '5bf92f3577b34da6a3ce929d0e0e4737';
    const stream = await gateway
      .client(MASTER_KEY, { defaultHeaders: callerTrace(streamTrace) })
      .chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(streamed).toBe('Hello there!');
    // Closing the gateway shuts the tracer down, which exports what is still buffered.
    await gateway.close();

    expect(contentTypes[0]).toBe('application/json');
    const server = spanNamed(spans, 'POST /v1/chat/completions', traceId);
    const attempt = spanNamed(spans, 'chat mock-1', traceId);
    expect([server.traceId, server.parentSpanId, server.kind]).toEqual([traceId, callerSpan, 2]);
    expect([attempt.traceId, attempt.parentSpanId, attempt.kind]).toEqual([traceId, server.spanId, 3]);
    expect(attributes(server)).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/chat/completions',
      'http.response.status_code': 200,
      'gen_ai.request.model': 'mock-1',
    });
    // No message content unless asked for.
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

    // A stream's finish reasons come from its final parts.
    const streamAttempt = spanNamed(spans, 'chat mock-1', streamTrace);
    expect(attributes(streamAttempt)).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai-compatible',
      'gen_ai.request.model': 'mock-1',
      'gen_ai.response.model': 'mock-1',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 50,
      'gen_ai.response.finish_reasons': ['stop'],
      'llamagate.backend': 'local',
    });
  });
});

describe('tracing with message content (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true)', () => {
  let traced: Traced;

  beforeAll(async () => {
    traced = await startTracedGateway({
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
      LOG_REDACT_PATTERNS: 'hunter[0-9]+',
    });
  });
  afterAll(async () => {
    await traced?.close();
  });

  it('puts the redacted input and output messages on the answering attempt span, streamed or not', async () => {
    const { gateway, spans } = traced;
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'my password is hunter42 and my key sk-abcdefghijklmnopqrstuv' },
      {
        role: 'assistant' as const,
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function' as const,
            function: { name: 'login', arguments: '{"user":"ann","password":"open-sesame"}' },
          },
        ],
      },
      { role: 'tool' as const, tool_call_id: 'call_1', content: 'ok' },
    ];
    const plainTrace = '6bf92f3577b34da6a3ce929d0e0e4738';
    await gateway
      .client(MASTER_KEY, { defaultHeaders: callerTrace(plainTrace) })
      .chat.completions.create({ model: 'mock-1', messages });
    const streamTrace = '7bf92f3577b34da6a3ce929d0e0e4739';
    const stream = await gateway
      .client(MASTER_KEY, { defaultHeaders: callerTrace(streamTrace) })
      .chat.completions.create({ model: 'mock-1', messages, stream: true });
    for await (const _ of stream) {
      // drained
    }
    await gateway.close();

    const expectedInput = [
      { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'my password is [REDACTED] and my key [REDACTED]' }] },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'call_1', name: 'login', arguments: { user: 'ann', password: '[REDACTED]' } }],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'ok' }] },
    ];
    const expectedOutput = [
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello there!' }], finish_reason: 'stop' },
    ];
    for (const traceId of [plainTrace, streamTrace]) {
      const attempt = attributes(spanNamed(spans, 'chat mock-1', traceId));
      const input = String(attempt['gen_ai.input.messages']);
      expect(input).not.toContain('hunter42');
      expect(input).not.toContain('open-sesame');
      expect(input).not.toContain('sk-abcdefghijklmnopqrstuv');
      expect([traceId, JSON.parse(input)]).toEqual([traceId, expectedInput]);
      expect([traceId, JSON.parse(String(attempt['gen_ai.output.messages']))]).toEqual([traceId, expectedOutput]);
      expect(attempt['gen_ai.response.finish_reasons']).toEqual(['stop']);
    }
    const server = attributes(spanNamed(spans, 'POST /v1/chat/completions', plainTrace));
    expect(Object.keys(server).filter((key) => key.includes('messages'))).toEqual([]);
  });
});
