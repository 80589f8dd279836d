import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fixtureDirs, replyWith, sequence, streamWith } from '../test-support/client-mocks.js';
import { bodyOf, type MockUpstream, startMockUpstream } from '../test-support/mock-upstream.js';
import { openaiReplay } from '../test-support/replay-openai.js';
import { LlamaGate } from './llamagate-client.js';
import { tool } from './tool-loop.js';

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
    env: { OPENAI_API_KEY: 'sk-openai', OPENAI_BASE_URL: `${upstream.url}/v1`, GROQ_API_KEY: 'gsk' },
    providers: { groq: { baseURL: `${upstream.url}/openai/v1` } },
  });
const messages = [{ role: 'user' as const, content: 'What is the weather in Paris?' }];
const callWeather = (city: string, id = 'call_1') => ({
  tool_calls: [
    { id, type: 'function' as const, function: { name: 'get_weather', arguments: JSON.stringify({ city }) } },
  ],
});

function weatherTool(calls: string[] = []) {
  return tool({
    description: 'Current weather for a city',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      calls.push(city);
      if (city === 'Atlantis') throw new Error('no such city');
      return { city, celsius: 21 };
    },
  });
}

describe('tool loop', () => {
  it('runs the model/tool loop locally and returns every step', async () => {
    upstream.handle(sequence(replyWith(callWeather('Paris')), replyWith({ content: 'It is 21°C in Paris.' })));
    const calls: string[] = [];
    const response = await gate().completion({
      model: 'gpt-4o-mini',
      messages,
      tools: { get_weather: weatherTool(calls) },
    });
    expect(calls).toEqual(['Paris']);
    expect(response.text).toBe('It is 21°C in Paris.');
    expect(response.steps.map((step) => step.finishReason)).toEqual(['tool_calls', 'stop']);
    expect(response.steps[0]?.toolResults).toEqual([
      {
        toolCallId: 'call_1',
        toolName: 'get_weather',
        input: { city: 'Paris' },
        output: { city: 'Paris', celsius: 21 },
      },
    ]);
    expect(response.usage.totalTokens).toBe(379 * 2);
    expect(bodyOf(upstream.requests[0]).tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather for a city',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
            additionalProperties: false,
          },
        },
      },
    ]);
    expect(bodyOf(upstream.requests[1]).messages).toEqual([
      messages[0],
      { role: 'assistant', content: null, tool_calls: callWeather('Paris').tool_calls },
      { role: 'tool', tool_call_id: 'call_1', content: '{"city":"Paris","celsius":21}' },
    ]);
  });

  it('stops at maxSteps with the last tool calls executed', async () => {
    upstream.handle(replyWith(callWeather('Paris')));
    const calls: string[] = [];
    const response = await gate().completion({
      model: 'gpt-4o-mini',
      messages,
      tools: { get_weather: weatherTool(calls) },
      maxSteps: 2,
    });
    expect(upstream.requests).toHaveLength(2);
    expect(calls).toEqual(['Paris', 'Paris']);
    expect(response.finishReason).toBe('tool_calls');
    expect(response.toolCalls[0]?.function.name).toBe('get_weather');
    expect(response.steps).toHaveLength(2);
    expect(response.steps[1]?.toolResults).toHaveLength(1);
  });

  it('tells the model about invalid arguments and failing tools instead of throwing', async () => {
    upstream.handle(
      sequence(
        replyWith({
          tool_calls: [
            ...callWeather('Atlantis', 'call_a').tool_calls,
            { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"town":"Paris"}' } },
          ],
        }),
        replyWith({ content: 'Sorry.' }),
      ),
    );
    const response = await gate().completion({ model: 'gpt-4o-mini', messages, tools: { get_weather: weatherTool() } });
    expect(response.steps[0]?.toolResults.map((result) => result.error)).toEqual([
      'no such city',
      expect.stringMatching(/^Invalid arguments/),
    ]);
    const toolMessages = (bodyOf(upstream.requests[1]).messages as { role: string; content: string }[]).filter(
      (message) => message.role === 'tool',
    );
    expect(toolMessages.map((message) => JSON.parse(message.content).error)).toEqual([
      'no such city',
      expect.stringMatching(/^Invalid arguments/),
    ]);
  });

  it('returns tool calls to the caller when a tool has no execute', async () => {
    upstream.handle(replyWith(callWeather('Paris')));
    const response = await gate().completion({
      model: 'gpt-4o-mini',
      messages,
      tools: { get_weather: tool({ parameters: z.object({ city: z.string() }) }) },
    });
    expect(upstream.requests).toHaveLength(1);
    expect(response.toolCalls).toEqual(callWeather('Paris').tool_calls);
    expect(response.steps[0]?.toolResults).toEqual([]);
  });

  it('streams every step, with tool results on the chunk that closes a step', async () => {
    upstream.handle(sequence(openaiReplay(fixtureDirs.groq, 'groq-tool-call'), streamWith(['It is ', '21°C.'])));
    const weather = tool({ parameters: z.object({}), execute: () => ({ celsius: 21 }) });
    const stream = gate().completion({
      model: 'groq/llama-3.3-70b-versatile',
      messages,
      tools: { weather },
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.find((chunk) => chunk.toolCallDeltas.length > 0)?.toolCallDeltas).toEqual([
      { index: 0, id: 'tk85n1k4m', name: 'weather', argumentsDelta: '{}' },
    ]);
    const closing = chunks.find((chunk) => chunk.toolResults !== undefined);
    expect(closing).toMatchObject({ step: 0, finishReason: 'tool_calls', toolResults: [{ output: { celsius: 21 } }] });
    expect(
      chunks
        .filter((chunk) => chunk.step === 1)
        .map((chunk) => chunk.delta)
        .join(''),
    ).toBe('It is 21°C.');
    const response = await stream.finalResponse();
    expect(response.text).toBe('It is 21°C.');
    expect(response.steps.map((step) => step.toolCalls.length)).toEqual([1, 0]);
    expect(bodyOf(upstream.requests[1]).messages).toContainEqual({
      role: 'tool',
      tool_call_id: 'tk85n1k4m',
      content: '{"celsius":21}',
    });
  });
});
