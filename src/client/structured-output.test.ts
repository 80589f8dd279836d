import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../spec/errors.js';
import { fixtureDirs, replyWith, sequence, streamWith } from '../test-support/client-mocks.js';
import { bodyOf, type MockUpstream, startMockUpstream } from '../test-support/mock-upstream.js';
import { anthropicReplay } from '../test-support/replay-anthropic.js';
import type { CompletionChunk } from './client-types.js';
import { LlamaGate } from './llamagate-client.js';
import { StructuredOutputError } from './structured-output.js';

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const gate = () =>
  new LlamaGate({
    env: {
      OPENAI_API_KEY: 'sk-openai',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      GROQ_API_KEY: 'gsk-groq',
      ANTHROPIC_API_KEY: 'sk-ant',
      ANTHROPIC_BASE_URL: `${upstream.url}/v1`,
    },
    providers: { groq: { baseURL: `${upstream.url}/openai/v1` } },
  });
const messages = [{ role: 'user' as const, content: 'Tell me about Paris.' }];
const City = z.object({ name: z.string(), population: z.number().int(), tags: z.array(z.string()) });

describe('structured output with zod', () => {
  it('parse() sends a native json_schema and returns the validated, typed object', async () => {
    upstream.handle(replyWith({ content: '{"name":"Paris","population":2102650,"tags":["capital"]}' }));
    const city = await gate().parse({ model: 'gpt-4o-mini', messages, schema: City });
    const population: number = city.population;
    expect(population).toBe(2102650);
    expect(city).toEqual({ name: 'Paris', population: 2102650, tags: ['capital'] });
    expect(bodyOf(upstream.requests[0]).response_format).toMatchInlineSnapshot(`
      {
        "json_schema": {
          "name": "response",
          "schema": {
            "additionalProperties": false,
            "properties": {
              "name": {
                "type": "string",
              },
              "population": {
                "maximum": 9007199254740991,
                "minimum": -9007199254740991,
                "type": "integer",
              },
              "tags": {
                "items": {
                  "type": "string",
                },
                "type": "array",
              },
            },
            "required": [
              "name",
              "population",
              "tags",
            ],
            "type": "object",
          },
          "strict": true,
        },
        "type": "json_schema",
      }
    `);
  });

  it('sends optional fields non-strict, and reads fenced JSON', async () => {
    upstream.handle(replyWith({ content: '```json\n{"name":"Paris"}\n```' }));
    const response = await gate().completion({
      model: 'gpt-4o-mini',
      messages,
      responseFormat: z.object({ name: z.string(), nickname: z.string().optional() }),
      schemaName: 'city',
    });
    expect(response.parsed).toEqual({ name: 'Paris' });
    expect(bodyOf(upstream.requests[0]).response_format).toMatchObject({
      json_schema: { name: 'city', strict: false },
    });
  });

  it("uses Anthropic's native mechanism (a forced tool) through the adapter", async () => {
    upstream.handle(anthropicReplay(fixtureDirs.anthropic, 'anthropic-json-tool.1'));
    const Weather = z.object({
      elements: z.array(z.object({ location: z.string(), temperature: z.number(), condition: z.string() })),
    });
    const weather = await gate().parse({ model: 'claude-haiku-4-5', messages, schema: Weather });
    expect(weather.elements.map((element) => element.location)).toEqual(['San Francisco', 'London', 'Paris', 'Berlin']);
    expect(bodyOf(upstream.requests[0])).toMatchObject({
      tools: [{ name: 'json', input_schema: { type: 'object', required: ['elements'] } }],
      tool_choice: { type: 'tool', name: 'json' },
    });
  });

  it('falls back to JSON mode plus validation where the model has no JSON schema support', async () => {
    upstream.handle(replyWith({ content: '{"name":"Paris","population":1,"tags":[]}' }));
    const response = await gate().completion({ model: 'groq/llama-3.1-8b-instant', messages, responseFormat: City });
    expect(response.parsed.name).toBe('Paris');
    expect(bodyOf(upstream.requests[0]).response_format).toEqual({ type: 'json_object' });
    expect(response.warnings).toEqual([expect.objectContaining({ setting: 'response_format' })]);
  });

  it('raises a ValidationError carrying the raw text when the reply does not match', async () => {
    upstream.handle(replyWith({ content: '{"name": 42}' }));
    const failure = await gate()
      .parse({ model: 'gpt-4o-mini', messages, schema: City })
      .catch((e: unknown) => e);
    expect(ValidationError.isInstance(failure)).toBe(true);
    expect(StructuredOutputError.isInstance(failure)).toBe(true);
    const error = failure as StructuredOutputError;
    expect(error).toMatchObject({ text: '{"name": 42}', status: 422, provider: 'openai', isRetryable: false });
    expect(error.upstream?.body).toBe('{"name": 42}');
    expect(error.issues.map((issue) => issue.path.join('.'))).toEqual(['name', 'population', 'tags']);

    upstream.handle(replyWith({ content: 'Paris is the capital of France.' }));
    const notJson = await gate()
      .parse({ model: 'gpt-4o-mini', messages, schema: City })
      .catch((e: unknown) => e);
    expect(notJson).toMatchObject({ code: 'validation_failed', text: 'Paris is the capital of France.' });
  });

  it('repairs once with the validation errors when asked', async () => {
    upstream.handle(
      sequence(
        replyWith({ content: '{"name":"Paris","population":"2M","tags":[]}' }),
        replyWith({ content: '{"name":"Paris","population":2102650,"tags":[]}' }),
      ),
    );
    const response = await gate().completion({ model: 'gpt-4o-mini', messages, responseFormat: City, repair: true });
    expect(response.parsed.population).toBe(2102650);
    expect(response.steps).toHaveLength(2);
    const retried = bodyOf(upstream.requests[1]).messages as { role: string; content: string }[];
    expect(retried.slice(0, 2)).toEqual([
      messages[0],
      { role: 'assistant', content: '{"name":"Paris","population":"2M","tags":[]}' },
    ]);
    expect(retried[2]?.content).toMatch(/population/);
  });

  it('streams partial objects and validates the final one', async () => {
    upstream.handle(streamWith(['{"name": "Pa', 'ris", "population": 21', '02650, "tags": ["a"', ', "b"]}']));
    const stream = gate().completion({ model: 'gpt-4o-mini', messages, responseFormat: City, stream: true });
    const partials = [];
    for await (const chunk of stream) if (chunk.partial !== undefined) partials.push(chunk.partial);
    expect(partials).toEqual([
      { name: 'Pa' },
      { name: 'Paris', population: 21 },
      { name: 'Paris', population: 2102650, tags: ['a'] },
      { name: 'Paris', population: 2102650, tags: ['a', 'b'] },
    ]);
    const response = await stream.finalResponse();
    expect(response.parsed).toEqual({ name: 'Paris', population: 2102650, tags: ['a', 'b'] });
  });

  it('fails a stream whose final object does not match, after its last chunk', async () => {
    upstream.handle(streamWith(['{"name": 1}']));
    const stream = gate().completion({ model: 'gpt-4o-mini', messages, responseFormat: City, stream: true });
    const chunks: CompletionChunk<unknown>[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) chunks.push(chunk);
    })().catch((e: unknown) => e);
    expect(ValidationError.isInstance(failure)).toBe(true);
    expect(chunks.at(-1)?.usage).toBeDefined();
  });
});
