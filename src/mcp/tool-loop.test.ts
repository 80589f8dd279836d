import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { faultStdio } from '../../test/mcp/mcp-test-servers.js';
import { type ScriptedRound, scriptedModel } from '../../test/mcp/scripted-model.js';
import { mcpSchema } from '../config/mcp-schema.js';
import type { ChatRequest, ChatStreamPart } from '../spec/chat.js';
import type { ChatCallContext } from '../spec/chat-call.js';
import { McpManager } from './mcp-manager.js';
import { createToolLoop } from './tool-loop.js';

const context: ChatCallContext = { requestId: 'req-loop', keyId: 'key-9', model: 'scripted', stream: false };
const ask = (text: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: 'user', content: text }],
  ...extra,
});
const echo = (text: string) => ({ name: 'mcp__fault__echo', arguments: { text } });

let manager: McpManager;
const baseSettings = { enabled: true, defaultToolTimeout: '3s', maxToolResultSize: 2000, denyTools: ['fault.crash'] };

async function settings(extra: Record<string, unknown> = {}): Promise<void> {
  await manager.reload(mcpSchema.parse({ ...baseSettings, servers: [faultStdio()], ...extra }));
  await manager.waitReady(40_000);
}

function run(rounds: ScriptedRound[], _request: ChatRequest, callContext: ChatCallContext = context) {
  const model = scriptedModel(rounds);
  return { model, call: createToolLoop(manager)(model, callContext) };
}

async function collect(parts: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const list: ChatStreamPart[] = [];
  for await (const part of parts) list.push(part);
  return list;
}

beforeAll(async () => {
  manager = new McpManager(mcpSchema.parse({ ...baseSettings, servers: [faultStdio()] }));
  manager.start();
  await manager.waitReady(40_000);
}, 60_000);
afterAll(() => manager.close());
beforeEach(() => settings(), 60_000);

describe('tool loop, non-streaming', () => {
  it('runs the MCP call, feeds the result back and returns the final answer with usage summed', async () => {
    const { model, call } = run([{ calls: [echo('hi there')] }, { text: 'The tool said hi there.' }], ask('echo'));
    const result = await call.generate(ask('echo'), {});
    expect(result.choices[0]?.message).toEqual({ role: 'assistant', content: 'The tool said hi there.' });
    expect(result.choices[0]?.finishReason).toBe('stop');
    expect(result.usage).toEqual({ promptTokens: 20, completionTokens: 10, totalTokens: 30 });
    expect(model.requests).toHaveLength(2);
    const offered = model.requests[0]?.tools?.find((tool) => tool.function.name === 'mcp__fault__echo');
    expect(offered?.function.parameters).toMatchObject({ type: 'object', properties: { text: { type: 'string' } } });
    expect(model.requests[1]?.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_0_0',
            type: 'function',
            function: { name: 'mcp__fault__echo', arguments: '{"text":"hi there"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_0_0', content: 'hi there' },
    ]);
    expect(manager.records().at(-1)).toMatchObject({
      source: 'chat',
      request_id: 'req-loop',
      key_id: 'key-9',
      server: 'fault',
      tool: 'echo',
      outcome: 'ok',
      bytes: 8,
    });
  });

  it('tells the model about isError results, denied tools, bad arguments and timeouts instead of failing', async () => {
    await settings({ servers: [{ ...faultStdio(), timeout: '300ms' }] });
    const { model, call } = run(
      [
        {
          calls: [
            { name: 'mcp__fault__fail', arguments: {} },
            { name: 'mcp__fault__crash', arguments: {} },
            { name: 'mcp__fault__echo', arguments: '{not json' },
            { name: 'mcp__fault__slow', arguments: { ms: 3000 } },
            { name: 'mcp__fault__huge', arguments: { bytes: 50_000 } },
          ],
        },
        { text: 'done' },
      ],
      ask('x'),
    );
    await manager.waitReady(40_000);
    expect(model.requests).toHaveLength(0);
    const result = await call.generate(ask('x'), {});
    expect(result.choices[0]?.message.content).toBe('done');
    const tools = model.requests[1]?.messages
      .filter((message) => message.role === 'tool')
      .map((message) => message.content as string);
    expect(tools?.[0]).toBe('Error from mcp.fault.fail: the disk is on fire');
    expect(tools?.[1]).toBe('Error: Refused: the tool mcp.fault.crash is denied by MCP_DENY_TOOLS (fault.crash)');
    expect(tools?.[2]).toBe('Error: the arguments for mcp.fault.echo are not a JSON object: {not json');
    expect(tools?.[3]).toMatch(/^Error: The tool mcp\.fault\.slow did not answer within 0\.3s/);
    expect(tools?.[4]).toMatch(
      /\[truncated by LlamaGate: the result was 50000 bytes; the limit is 2000 \(MCP_MAX_TOOL_RESULT_SIZE\)\]$/,
    );
    expect(model.requests[0]?.tools?.map((tool) => tool.function.name)).not.toContain('mcp__fault__crash');
  }, 60_000);

  it('in a round that calls both kinds, returns only the client calls and runs no MCP call', async () => {
    const clientTool = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } };
    const before = manager.records().length;
    const { model, call } = run(
      [{ text: 'Checking.', calls: [echo('x'), { name: 'get_weather', arguments: { city: 'Oslo' } }] }],
      ask('w'),
    );
    const result = await call.generate(ask('w', { tools: [clientTool] }), {});
    expect(result.choices[0]).toMatchObject({
      finishReason: 'tool_calls',
      message: {
        content: 'Checking.',
        toolCalls: [{ id: 'call_0_1', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
      },
    });
    expect(result.choices[0]?.message.toolCalls).toHaveLength(1);
    expect(manager.records().length).toBe(before);
    expect(model.requests[0]?.tools?.[0]).toEqual(clientTool);
  });

  it('stops at MCP_MAX_TOOL_CALLS_PER_ROUND, MCP_MAX_TOTAL_TOOL_CALLS and MCP_MAX_TOOL_ROUNDS with 422 and the code', async () => {
    await settings({ maxToolCallsPerRound: 2 });
    let { call } = run([{ calls: [echo('1'), echo('2'), echo('3')] }], ask('x'));
    await expect(call.generate(ask('x'), {})).rejects.toMatchObject({
      status: 422,
      code: 'too_many_tool_calls_per_round',
      message: 'The model called 3 MCP tools in one round; the limit is 2 (MCP_MAX_TOOL_CALLS_PER_ROUND)',
    });
    await settings({ maxTotalToolCalls: 3 });
    ({ call } = run([{ calls: [echo('1'), echo('2')] }], ask('x')));
    await expect(call.generate(ask('x'), {})).rejects.toMatchObject({
      status: 422,
      code: 'max_total_tool_calls_exceeded',
    });
    await settings({ maxToolRounds: 2 });
    const looping = run([{ calls: [echo('again')] }], ask('x'));
    await expect(looping.call.generate(ask('x'), {})).rejects.toMatchObject({
      status: 422,
      code: 'max_tool_rounds_exceeded',
      message: 'The model still called MCP tools after 2 tool rounds; the limit is 2 (MCP_MAX_TOOL_ROUNDS)',
    });
    expect(looping.model.requests).toHaveLength(3);
  });

  it('with MCP_EXPOSE_TOOLS=requested offers only the tools a request names, schema filled in', async () => {
    await settings({ exposeTools: 'requested' });
    let { model, call } = run([{ text: 'no tools' }], ask('x'));
    const untouched = ask('x', { temperature: 0.5 });
    await call.generate(untouched, {});
    expect(model.requests[0]).toEqual(untouched);
    ({ model, call } = run([{ text: 'ok' }], ask('x')));
    await call.generate(ask('x', { tools: [{ type: 'function', function: { name: 'mcp.fault.echo' } }] }), {});
    expect(model.requests[0]?.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'mcp__fault__echo',
          description: 'Echoes text (MCP tool mcp.fault.echo)',
          parameters: expect.objectContaining({ properties: { text: { type: 'string' } } }),
        },
      },
    ]);
    ({ model, call } = run([{ text: 'ok' }], ask('x')));
    await call.generate(ask('x', { mcpTools: [{ serverLabel: 'fault', allowedTools: ['echo', 'whoami'] }] }), {});
    expect(model.requests[0]?.tools?.map((tool) => tool.function.name)).toEqual([
      'mcp__fault__echo',
      'mcp__fault__whoami',
    ]);
    expect(model.requests[0]?.mcpTools).toBeUndefined();
    ({ call } = run([{ text: 'ok' }], ask('x')));
    await expect(
      call.generate(ask('x', { mcpTools: [{ serverLabel: 'fault', allowedTools: ['crash'] }] }), {}),
    ).rejects.toMatchObject({
      status: 403,
      code: 'mcp_tool_not_allowed',
    });
  });

  it('applies a virtual key restriction list (deny by default)', async () => {
    const { model, call } = run(
      [{ calls: [echo('x'), { name: 'mcp__fault__fail', arguments: {} }] }, { text: 'ok' }],
      ask('x'),
      {
        ...context,
        mcpToolGlobs: ['fault.echo'],
      },
    );
    await call.generate(ask('x'), {});
    expect(model.requests[0]?.tools?.map((tool) => tool.function.name)).toEqual(['mcp__fault__echo']);
    expect(model.requests[1]?.messages.at(-1)).toMatchObject({
      content: 'Error: Refused: the tool mcp.fault.fail is not allowed for this API key',
    });
  });

  it('reads mcp:// references into the user message, and names a resource that cannot be read', async () => {
    const { model, call } = run([{ text: 'ok' }], ask('x'));
    await call.generate(ask('What is in mcp://fault/fault://notes?', { toolChoice: 'none' }), {});
    expect(model.requests[0]?.messages[0]).toEqual({
      role: 'user',
      content:
        'What is in mcp://fault/fault://notes?\n\n<mcp-resources>\n[mcp://fault/fault://notes]\nThe secret word is pineapple.\n</mcp-resources>',
    });
    await expect(call.generate(ask('see mcp://nowhere/x'), {})).rejects.toMatchObject({
      status: 400,
      message: 'Cannot read mcp://nowhere/x: no MCP server is named "nowhere"',
    });
    await expect(call.generate(ask('see mcp://fault/fault://missing'), {})).rejects.toMatchObject({
      status: 502,
      code: 'mcp_resource_error',
      message: expect.stringContaining('Cannot read mcp://fault/fault://missing:'),
    });
  });
});

describe('tool loop, streaming', () => {
  it('streams every round’s text with one final finish, no leaked tool turn, usage summed', async () => {
    const { call } = run([{ text: 'Let me check. ', calls: [echo('hi')] }, { text: 'It said hi.' }], ask('x'));
    const stream = await call.stream(ask('x'), {});
    expect(await collect(stream.parts)).toEqual([
      { type: 'response-metadata', id: 'chatcmpl-0', model: 'scripted' },
      { type: 'text-delta', choiceIndex: 0, delta: 'Let ' },
      { type: 'text-delta', choiceIndex: 0, delta: 'me ' },
      { type: 'text-delta', choiceIndex: 0, delta: 'check. ' },
      { type: 'text-delta', choiceIndex: 0, delta: 'It ' },
      { type: 'text-delta', choiceIndex: 0, delta: 'said ' },
      { type: 'text-delta', choiceIndex: 0, delta: 'hi.' },
      { type: 'finish', choiceIndex: 0, finishReason: 'stop' },
      { type: 'usage', usage: { promptTokens: 20, completionTokens: 10, totalTokens: 30 } },
    ]);
  });

  it('rejects before the stream starts when a limit is hit before anything was shown', async () => {
    await settings({ maxToolCallsPerRound: 1 });
    const { call } = run([{ calls: [echo('1'), echo('2')] }], ask('x'));
    await expect(call.stream(ask('x'), {})).rejects.toMatchObject({
      status: 422,
      code: 'too_many_tool_calls_per_round',
    });
  });

  it('ends with an error part when a limit is hit after text was streamed', async () => {
    await settings({ maxToolRounds: 1 });
    const { call } = run([{ text: 'Working. ', calls: [echo('again')] }], ask('x'));
    const parts = await collect((await call.stream(ask('x'), {})).parts);
    expect(parts.map((part) => part.type)).toEqual(['response-metadata', 'text-delta', 'text-delta', 'error']);
    expect(parts.at(-1)).toMatchObject({ error: { code: 'max_tool_rounds_exceeded', status: 422 } });
  });

  it('hands a mixed round’s client calls to the client with finish tool_calls', async () => {
    const clientTool = { type: 'function' as const, function: { name: 'get_weather' } };
    const { call } = run([{ calls: [echo('x'), { name: 'get_weather', arguments: { city: 'Oslo' } }] }], ask('x'));
    const parts = await collect((await call.stream(ask('x', { tools: [clientTool] }), {})).parts);
    expect(parts.slice(1)).toEqual([
      {
        type: 'tool-call-delta',
        choiceIndex: 0,
        toolCallIndex: 0,
        id: 'call_0_1',
        name: 'get_weather',
        argumentsDelta: '{"city":"Oslo"}',
      },
      { type: 'finish', choiceIndex: 0, finishReason: 'tool_calls' },
      { type: 'usage', usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 } },
    ]);
  });
});
