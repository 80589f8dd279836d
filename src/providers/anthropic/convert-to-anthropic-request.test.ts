import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../spec/chat.js';
import { BadRequestError } from '../../spec/errors.js';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';

const config = { provider: 'anthropic', defaultMaxTokens: 4096 };
const user = [{ role: 'user' as const, content: 'Hi' }];
const convert = (request: Partial<ChatRequest>, stream = false) =>
  convertToAnthropicRequest({ messages: user, ...request }, 'claude-x', stream, config);
const tool = (name: string) => ({ type: 'function' as const, function: { name } });

describe('convertToAnthropicRequest', () => {
  it('maps sampling settings, user and stream, and warns for every dropped one', () => {
    const { body, warnings } = convert(
      {
        maxTokens: 100,
        temperature: 1.5,
        topP: 0.9,
        stop: ['\n', 'END'],
        seed: 1,
        frequencyPenalty: 0.1,
        presencePenalty: 0.1,
        logprobs: true,
        topLogprobs: 2,
        n: 2,
        user: 'u-1',
        providerOptions: { anthropic: { topK: 40 }, openai: { ignored: true } },
      },
      true,
    );
    expect(body).toEqual({
      model: 'claude-x',
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      temperature: 1,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      stream: true,
    });
    expect(warnings.map((warning) => warning.setting)).toEqual([
      'temperature',
      'stop',
      'seed',
      'frequencyPenalty',
      'presencePenalty',
      'logprobs',
      'topLogprobs',
      'n',
    ]);
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
    [
      { type: 'function', function: { name: 'b' } },
      { type: 'tool', name: 'b' },
    ],
  ] as const)('maps tool choice %j', (choice, expected) => {
    expect(convert({ tools: [tool('a'), tool('b')], toolChoice: choice }).body.tool_choice).toEqual(expected);
  });

  it('disables parallel tool use with or without an explicit choice, and drops a choice without tools', () => {
    expect(convert({ tools: [tool('a')], parallelToolCalls: false }).body.tool_choice).toEqual({
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    const withoutTools = convert({ toolChoice: 'required' });
    expect(withoutTools.body.tool_choice).toBeUndefined();
    expect(withoutTools.warnings[0]?.setting).toBe('toolChoice');
  });

  it('keeps a user tool named json apart from the JSON answer tool', () => {
    const { body, jsonToolName } = convert({ tools: [tool('json')], responseFormat: { type: 'json_object' } });
    expect(jsonToolName).toBe('json_response');
    expect((body.tools as { name: string }[]).map((t) => t.name)).toEqual(['json', 'json_response']);
    expect(body.tool_choice).toEqual({ type: 'any' });
  });

  it('forces only the JSON tool when the user turned tools off', () => {
    const { body } = convert({ tools: [tool('a')], toolChoice: 'none', responseFormat: { type: 'json_object' } });
    expect(body.tools).toEqual([
      {
        name: 'json',
        description: 'Respond with a JSON object that is the complete answer.',
        input_schema: { type: 'object' },
      },
    ]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'json', disable_parallel_tool_use: true });
  });

  it('maps reasoning effort to budgets and keeps max_tokens above the budget', () => {
    expect(convert({ reasoningEffort: 'low' }).body).toMatchObject({
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    const high = convert({ reasoningEffort: 'high', maxTokens: 1000 });
    expect(high.body).toMatchObject({ max_tokens: 17384, thinking: { type: 'enabled', budget_tokens: 16384 } });
    expect(high.warnings[0]?.message).toContain('max_tokens was raised');
    expect(convert({ providerOptions: { anthropic: { thinkingBudgetTokens: 2000 } } }).body.thinking).toEqual({
      type: 'enabled',
      budget_tokens: 2000,
    });
  });

  it('with thinking: drops low top_p and top_k, and relaxes forced tool choice to auto', () => {
    const { body, warnings } = convert({
      reasoningEffort: 'medium',
      topP: 0.5,
      tools: [tool('a')],
      toolChoice: 'required',
      providerOptions: { anthropic: { topK: 5 } },
    });
    expect(body.top_p).toBeUndefined();
    expect(body.top_k).toBeUndefined();
    expect(body.tool_choice).toEqual({ type: 'auto' });
    expect(warnings.map((warning) => warning.setting)).toEqual(['topP', 'topK', 'toolChoice']);
  });

  it('turns thinking off when continuing a tool loop whose thinking blocks cannot be replayed', () => {
    const { body, warnings } = convert({
      reasoningEffort: 'high',
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'w', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 't', content: 'sunny' },
      ],
    });
    expect(body.thinking).toBeUndefined();
    expect(body.max_tokens).toBe(4096);
    expect(warnings[0]?.message).toContain('thinking was turned off');
  });

  it('sends the betas of the provider options as the anthropic-beta header', () => {
    expect(convert({ providerOptions: { anthropic: { betas: ['a-2025-01-01', 'b'] } } }).headers).toEqual({
      'anthropic-beta': 'a-2025-01-01,b',
    });
    expect(convert({}).headers).toBeUndefined();
  });

  it('rejects invalid anthropic provider options', () => {
    expect(() => convert({ providerOptions: { anthropic: { structuredOutputs: 'magic' } } })).toThrow(BadRequestError);
  });
});
