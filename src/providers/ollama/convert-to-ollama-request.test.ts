import { describe, expect, it } from 'vitest';
import type { ChatRequest, FunctionTool } from '../../spec/chat.js';
import { BadRequestError } from '../../spec/errors.js';
import { convertToOllamaRequest } from './convert-to-ollama-request.js';
import { mapOllamaFinishReason } from './map-ollama-finish-reason.js';

const tool = (name: string, extra: Partial<FunctionTool['function']> = {}): FunctionTool => ({
  type: 'function',
  function: { name, parameters: { type: 'object', properties: { q: { type: 'string' } } }, ...extra },
});
const base: ChatRequest = { messages: [{ role: 'user', content: 'hi' }] };
const convert = (request: Partial<ChatRequest>, stream = false, model = 'llama3.2') =>
  convertToOllamaRequest({ ...base, ...request }, model, { stream });

describe('convertToOllamaRequest', () => {
  it('sends no options object when nothing is set, and stream as asked', async () => {
    const { body, warnings } = await convert({}, true);
    expect(body).toEqual({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: true });
    expect(warnings).toEqual([]);
  });

  it('toolChoice none omits the tools; auto keeps them as function definitions', async () => {
    const none = await convert({ tools: [tool('a')], toolChoice: 'none' });
    expect(none.body.tools).toBeUndefined();
    expect(none.warnings).toEqual([]);
    const auto = await convert({ tools: [tool('a', { description: 'A' })], toolChoice: 'auto' });
    expect(auto.body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'a',
          description: 'A',
          parameters: { type: 'object', properties: { q: { type: 'string' } } },
        },
      },
    ]);
  });

  it('toolChoice required keeps all tools with a warning; a named choice sends only that tool', async () => {
    const required = await convert({ tools: [tool('a'), tool('b')], toolChoice: 'required' });
    expect((required.body.tools as unknown[]).length).toBe(2);
    expect(required.warnings).toEqual([
      expect.objectContaining({ type: 'unsupported-setting', setting: 'toolChoice' }),
    ]);
    const named = await convert({
      tools: [tool('a'), tool('b')],
      toolChoice: { type: 'function', function: { name: 'b' } },
    });
    expect((named.body.tools as Array<{ function: { name: string } }>).map((t) => t.function.name)).toEqual(['b']);
    expect(named.warnings.map((w) => w.setting)).toEqual(['toolChoice']);
    await expect(
      convert({ tools: [tool('a')], toolChoice: { type: 'function', function: { name: 'zzz' } } }),
    ).rejects.toSatisfy((e) => BadRequestError.isInstance(e));
  });

  it('gives a tool without parameters the empty object schema Ollama requires, and warns on strict', async () => {
    const { body, warnings } = await convert({
      tools: [{ type: 'function', function: { name: 'now', strict: true } }],
    });
    expect(body.tools).toEqual([
      { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } },
    ]);
    expect(warnings.map((w) => w.setting)).toEqual(['tools[].function.strict']);
  });

  it('warns for every setting Ollama cannot honour instead of dropping it silently', async () => {
    const { body, warnings } = await convert(
      {
        n: 2,
        user: 'u1',
        logprobs: true,
        topLogprobs: 2,
        parallelToolCalls: false,
        messages: [{ role: 'user', content: 'hi', name: 'alice' }],
      },
      true,
    );
    expect(warnings.map((w) => w.setting).sort()).toEqual(
      ['logprobs', 'messages[].name', 'n', 'parallelToolCalls', 'user'].sort(),
    );
    expect(body.logprobs).toBeUndefined();
  });

  it('forwards logprobs when not streaming (Ollama ChatRequest has logprobs/top_logprobs)', async () => {
    const { body, warnings } = await convert({ logprobs: true, topLogprobs: 3 });
    expect(body).toMatchObject({ logprobs: true, top_logprobs: 3 });
    expect(warnings).toEqual([]);
  });

  it('maps reasoning effort to a think level only for models that take levels', async () => {
    expect((await convert({ reasoningEffort: 'minimal' }, false, 'gpt-oss:120b')).body.think).toBe('low');
    expect((await convert({ reasoningEffort: 'medium' }, false, 'deepseek-r1')).body.think).toBe(true);
    expect((await convert({}, false, 'deepseek-r1')).body.think).toBeUndefined();
  });

  it('validates providerOptions.ollama and warns on keys it does not know', async () => {
    await expect(convert({ providerOptions: { ollama: { keep_alive: true } } })).rejects.toMatchObject({
      status: 400,
      param: 'providerOptions.ollama',
    });
    const { warnings } = await convert({ providerOptions: { ollama: { num_ctx: 4096 }, other: { x: 1 } } });
    expect(warnings.map((w) => w.setting)).toEqual(['providerOptions.ollama.num_ctx']);
  });

  it('rejects assistant tool arguments that are not a JSON object (Ollama needs an object)', async () => {
    const history = (args: string): Partial<ChatRequest> => ({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: args } }] },
        { role: 'tool', tool_call_id: 'unknown', content: 'r' },
      ],
    });
    await expect(convert(history('[1,2]'))).rejects.toMatchObject({ status: 400, param: 'messages' });
    const { body } = await convert(history(''));
    expect(body.messages).toEqual([
      { role: 'user', content: 'x' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: {} } }] },
      // An unknown tool_call_id leaves tool_name out rather than guessing.
      { role: 'tool', content: 'r' },
    ]);
  });
});

describe('mapOllamaFinishReason', () => {
  it('maps stop, length, tool calls and the rest', () => {
    expect(mapOllamaFinishReason('stop', false)).toBe('stop');
    expect(mapOllamaFinishReason(undefined, false)).toBe('stop');
    expect(mapOllamaFinishReason('length', false)).toBe('length');
    expect(mapOllamaFinishReason('stop', true)).toBe('tool_calls');
    expect(mapOllamaFinishReason('unload', false)).toBe('other');
  });
});
