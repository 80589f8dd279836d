import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import type { RouteHandler } from '../route.js';
import { AuthFailureLimiter } from './auth-failures.js';
import { compose, type Stage } from './stage.js';

const args = [{}, {}, {}, {}] as unknown as [GatewayContext, IncomingMessage, ServerResponse, RequestState];

describe('compose', () => {
  it('runs stages outermost first around the handler, each deciding when to go on', async () => {
    const trace: string[] = [];
    const stage =
      (name: string): Stage =>
      async (context, request, response, state, next) => {
        trace.push(`${name} in`);
        await next(context, request, response, state);
        trace.push(`${name} out`);
      };
    const handler: RouteHandler = async () => {
      trace.push('handler');
    };
    await compose([stage('a'), stage('b')], handler)(...args);
    expect(trace).toEqual(['a in', 'b in', 'handler', 'b out', 'a out']);
  });

  it('stops when a stage throws, synchronously or not, and the outer stages see the error', async () => {
    const trace: string[] = [];
    const refuse: Stage = () => {
      throw new Error('refused');
    };
    const catcher: Stage = async (context, request, response, state, next) => {
      try {
        await next(context, request, response, state);
      } catch (error) {
        trace.push((error as Error).message);
      }
    };
    await compose([catcher, refuse], async () => {
      trace.push('handler');
    })(...args);
    expect(trace).toEqual(['refused']);
  });
});

describe('AuthFailureLimiter', () => {
  it('refuses an address after the limit within a minute, then lets it try again', () => {
    let now = 0;
    const limiter = new AuthFailureLimiter(2, () => now);
    limiter.fail('a');
    expect(limiter.retryAfter('a')).toBeUndefined();
    limiter.fail('a');
    expect(limiter.retryAfter('a')).toBe(60);
    expect(limiter.retryAfter('b')).toBeUndefined();
    now = 59_500;
    expect(limiter.retryAfter('a')).toBe(1);
    now = 60_000;
    expect(limiter.retryAfter('a')).toBeUndefined();
    limiter.fail('a');
    expect(limiter.retryAfter('a')).toBeUndefined();
  });

  it('never refuses with a limit of 0', () => {
    const limiter = new AuthFailureLimiter(0);
    for (let index = 0; index < 100; index++) limiter.fail('a');
    expect(limiter.retryAfter('a')).toBeUndefined();
  });
});
