import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { RequestState } from './gateway-context.js';
import { createLogger } from './logger.js';
import { hundredths, requestLineWriter } from './request-log.js';

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, lines };
}

const withoutTime = (line: string | undefined) =>
  line
    ?.replace(/"time":\d+/, '"time":0')
    .replace(/"latencyMs":[\d.]+/, '"latencyMs":0')
    .replace(/"latency":[\d.]+/, '"latency":0');

const states: [string, RequestState, { method: string; status: number }][] = [
  [
    'a served completion',
    {
      id: '01a1fe1b-bb47-707b-bf10-bd3bcad80be5',
      path: '/v1/chat/completions',
      startedAt: performance.now() - 12.3456,
      clientIp: '127.0.0.1',
      signal: new AbortController().signal,
      model: 'bench-model',
      backend: 'bench',
      usage: { promptTokens: 12, completionTokens: 10 },
      cache: 'MISS',
    },
    { method: 'POST', status: 200 },
  ],
  [
    'a failed stream with text that needs escaping',
    {
      id: 'trace-123',
      path: '/v1/"chat"\\completions',
      startedAt: performance.now(),
      clientIp: '::ffff:10.0.0.7',
      signal: new AbortController().signal,
      model: 'odd "model" \\ name\n\u2028é',
      stream: true,
      timeToFirstChunkMs: 0.126,
      usage: { promptTokens: Number.NaN },
      errorCode: 'upstream_timeout',
    },
    { method: 'POST', status: 499 },
  ],
  [
    'a bare 404',
    { id: 'x', path: '/nope', startedAt: performance.now(), clientIp: 'unknown', signal: new AbortController().signal },
    { method: 'GET', status: 404 },
  ],
];

describe('request log line', () => {
  it.each(states)('writes %s exactly as pino would print the same fields', (_, state, request) => {
    const direct = capture();
    const logger = createLogger({ debug: false, destination: direct.stream });
    const viaPino = capture();
    const reference = pino({ level: 'info', base: { service: 'llamagate' } }, viaPino.stream);
    requestLineWriter(logger)(state, request);
    requestLineWriter(reference)(state, request);
    expect(direct.lines).toHaveLength(1);
    expect(viaPino.lines).toHaveLength(1);
    expect(withoutTime(direct.lines[0])).toBe(withoutTime(viaPino.lines[0]));
    const parsed = JSON.parse(direct.lines[0] as string) as Record<string, unknown>;
    expect(parsed).toMatchObject({ level: 30, service: 'llamagate', requestId: state.id, msg: 'request' });
    // LlamaGate's field names, beside ours.
    expect(parsed).toMatchObject({ request_id: state.id, ip: state.clientIp, latency: parsed.latencyMs });
    expect(parsed.model).toBe(state.model);
    expect(parsed.path).toBe(state.path);
  });

  it('escapes a long client-chosen model name like pino does (long texts are not remembered)', () => {
    const direct = capture();
    const viaPino = capture();
    const state: RequestState = {
      ...(states[0]?.[1] as RequestState),
      model: `${'"quoted" \\ '.repeat(40)}\u0000end`,
    };
    requestLineWriter(createLogger({ debug: false, destination: direct.stream }))(state, {
      method: 'POST',
      status: 404,
    });
    requestLineWriter(pino({ level: 'info', base: { service: 'llamagate' } }, viaPino.stream))(state, {
      method: 'POST',
      status: 404,
    });
    expect(withoutTime(direct.lines[0])).toBe(withoutTime(viaPino.lines[0]));
    expect((JSON.parse(direct.lines[0] as string) as { model: string }).model).toBe(state.model);
  });

  it('writes nothing when info is off', () => {
    const direct = capture();
    const logger = createLogger({ debug: false, destination: direct.stream });
    logger.level = 'warn';
    requestLineWriter(logger)(states[0]?.[1] as RequestState, { method: 'GET', status: 200 });
    expect(direct.lines).toHaveLength(0);
  });
});

describe('hundredths', () => {
  it('prints a value rounded to hundredths exactly as JavaScript prints the rounded number', () => {
    const values = [0, 0.004, 0.005, 0.07, 0.1, 0.126, 1, 1.5, 2.675, 12.3456, 99.999, 100, 1234.5678, 1_800_000.129];
    for (let i = 0; i < 5000; i++) values.push(Math.random() * 10 ** Math.floor(Math.random() * 8));
    for (const value of values) expect(hundredths(value), String(value)).toBe(String(Math.round(value * 100) / 100));
  });

  it('prints null for values that are not finite, like JSON', () => {
    expect(hundredths(Number.NaN)).toBe('null');
    expect(hundredths(Number.POSITIVE_INFINITY)).toBe('null');
  });
});
