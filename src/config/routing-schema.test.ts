import { describe, expect, it } from 'vitest';
import {
  modelsSchema,
  poolMemberSchema,
  routeSchema,
  routingSettingsSchema,
  strategySchema,
} from './routing-schema.js';

describe('routing schemas', () => {
  it('has defaults for every routing setting, and reads durations', () => {
    expect(routingSettingsSchema.parse(undefined)).toEqual({
      maxRetries: 0,
      backoff: { initialDelay: 250, maxDelay: 8_000, multiplier: 2, jitter: 'full', maxRetryAfter: 60_000 },
      cooldown: { failures: 3, period: 30_000, maxPeriod: 300_000 },
      latency: { smoothing: 0.3, explore: 0.05 },
      healthCheckTimeout: 3_000,
    });
    const parsed = routingSettingsSchema.parse({ maxRetries: '2', cooldown: { period: '150ms' }, seed: 4 });
    expect(parsed).toMatchObject({ maxRetries: 2, cooldown: { failures: 3, period: 150 }, seed: 4 });
    expect(() => routingSettingsSchema.parse({ latency: { explore: 2 } })).toThrow(/between 0 and 1/);
  });

  it('normalises strategy names other gateways use', () => {
    expect(
      ['weighted', 'round_robin', 'Least-Busy', 'random', 'lowest-latency', 'failover', 'cheapest'].map((name) =>
        strategySchema.parse(name),
      ),
    ).toEqual(['weighted', 'round-robin', 'least-busy', 'weighted', 'latency', 'priority', 'cost']);
    expect(() => strategySchema.parse('magic')).toThrow(/strategy must be one of weighted, round-robin/);
  });

  it('reads pool members as names or { name, weight }', () => {
    expect(poolMemberSchema.parse('a')).toEqual({ name: 'a', weight: 1 });
    expect(poolMemberSchema.parse({ name: 'b', weight: 70 })).toEqual({ name: 'b', weight: 70 });
    expect(() => poolMemberSchema.parse({ name: 'b', weight: 0 })).toThrow(/greater than 0/);
  });

  it('reads model aliases as a mapping (full, single deployment, string) or a LiteLLM-style list', () => {
    expect(
      modelsSchema.parse({
        fast: {
          strategy: 'latency',
          fallback: true,
          deployments: [{ backend: 'groq', model: 'llama-3.1-8b-instant' }, 'local/llama3.2', 'openai'],
        },
        smart: { backend: 'anthropic-backend', model: 'claude-3-5-sonnet-20241022' },
        cheap: 'groq/llama-3.1-8b-instant',
      }),
    ).toEqual({
      fast: {
        strategy: 'latency',
        fallback: true,
        deployments: [
          { backend: 'groq', model: 'llama-3.1-8b-instant', weight: 1 },
          { backend: 'local', model: 'llama3.2', weight: 1 },
          { backend: 'openai', model: undefined, weight: 1 },
        ],
      },
      smart: { deployments: [{ backend: 'anthropic-backend', model: 'claude-3-5-sonnet-20241022', weight: 1 }] },
      cheap: { deployments: [{ backend: 'groq', model: 'llama-3.1-8b-instant', weight: 1 }] },
    });
    expect(
      modelsSchema.parse([
        { name: 'fast', backend: 'a', model: 'm1', weight: 3, strategy: 'weighted' },
        { name: 'fast', backend: 'b', model: 'm2' },
      ]),
    ).toEqual({
      fast: {
        strategy: 'weighted',
        deployments: [
          { backend: 'a', model: 'm1', weight: 3 },
          { backend: 'b', model: 'm2', weight: 1 },
        ],
      },
    });
    expect(() => modelsSchema.parse({ empty: { deployments: [] } })).toThrow();
  });

  it('reads routes with upper-cased methods and requires an absolute path', () => {
    expect(routeSchema.parse({ path: '/v1/chat/completions', methods: ['post'], backend: 'p' })).toMatchObject({
      methods: ['POST'],
    });
    expect(() => routeSchema.parse({ path: 'v1/chat', backend: 'p' })).toThrow(/route paths start with/);
  });
});
