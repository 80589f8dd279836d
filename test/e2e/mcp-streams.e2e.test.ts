/**
 * The MCP tool loop's streams end to end: the tool-progress extension (server-everything's
 * `trigger-long-running-operation` sends `notifications/progress`) in OpenAI chat chunks and Anthropic events,
 * and the loop through `/v1/messages` driven by the official `@anthropic-ai/sdk`, streaming and not, with the
 * exact event sequence (one text block across rounds, no leaked tool turn, one `message_stop`).
 */
import Anthropic from '@anthropic-ai/sdk';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { everythingStdio, faultStdio } from '../mcp/mcp-test-servers.js';
import { startToolCallingUpstream, type ToolCallingUpstream } from '../mcp/tool-calling-upstream.js';
import { waitFor, writeGatewayConfig } from './billing-harness.js';
import { type Harness, startGateway } from './gateway-harness.js';

let upstream: ToolCallingUpstream;
let gateway: Harness;
const KEY = 'gateway-secret';

beforeAll(async () => {
  upstream = await startToolCallingUpstream();
  const servers = [faultStdio(), everythingStdio()].map(
    (server) =>
      `    - { name: ${server.name}, command: ${JSON.stringify(server.command)}, args: ${JSON.stringify(server.args)}${server.cwd === undefined ? '' : `, cwd: ${JSON.stringify(server.cwd)}`} }`,
  );
  const mcp = ['mcp:', '  enabled: true', '  exposeTools: requested', '  servers:', ...servers, ''].join('\n');
  gateway = await startGateway({
    env: { API_KEY: KEY, CACHE_ENABLED: 'false' },
    configFile: writeGatewayConfig(upstream.url, mcp),
  });
  await waitFor(async () => {
    const response = await fetch(`${gateway.url}/v1/mcp/servers`, { headers: { authorization: `Bearer ${KEY}` } });
    const body = (await response.json()) as { servers: { status: string }[] };
    return body.servers.every((server) => server.status === 'connected') ? true : undefined;
  }, 45_000);
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const longRunning = [
  { calls: [{ name: 'mcp__everything__trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }] },
  { text: 'Finished.' },
];

/** SSE events of a raw response: `[event name | undefined, parsed data]`. */
async function sseEvents(response: Response): Promise<[string | undefined, Record<string, unknown>][]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.includes('data: [DONE]'))
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1] ?? '{}';
      return [event, JSON.parse(data) as Record<string, unknown>];
    });
}

describe('the tool-progress extension', () => {
  beforeEach(() => upstream.script(longRunning));

  const chat = (headers: Record<string, string>) =>
    fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({
        model: 'mock-1',
        stream: true,
        messages: [{ role: 'user', content: 'run it' }],
        tools: [{ type: 'function', function: { name: 'mcp.everything.trigger-long-running-operation' } }],
      }),
    });

  it('streams the call’s start, the server’s progress notifications and its end in OpenAI chunks', async () => {
    const chunks = (await sseEvents(await chat({ 'x-llamagate-tool-progress': 'true' }))).map(([, data]) => data);
    const progress = chunks.filter((chunk) => chunk.llamagate_tool_progress !== undefined);
    const steps = progress.map((chunk) => chunk.llamagate_tool_progress as Record<string, unknown>);
    const name = 'mcp.everything.trigger-long-running-operation';
    expect(steps[0]).toEqual({ name, call_id: 'call_0_0', status: 'started' });
    expect(steps.at(-1)).toEqual({ name, call_id: 'call_0_0', status: 'ok', duration_ms: expect.any(Number) });
    // The server reports steps 1, 2 and 3 of 3; the last one races its own result (the SDK drops it when the
    // result wins), so only the first two are certain.
    const notified = steps.slice(1, -1);
    expect(notified.slice(0, 2)).toEqual([
      { name, call_id: 'call_0_0', status: 'progress', progress: 1, total: 3 },
      { name, call_id: 'call_0_0', status: 'progress', progress: 2, total: 3 },
    ]);
    expect(notified.length === 2 || notified[2]?.progress === 3).toBe(true);
    // Each is an ordinary chunk with an empty delta: no content, no tool call, no finish.
    for (const chunk of progress) {
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.choices).toEqual([
        {
          index: 0,
          delta: expect.not.objectContaining({ content: expect.anything() }),
          logprobs: null,
          finish_reason: null,
        },
      ]);
    }
    const finishes = chunks.flatMap((chunk) =>
      (chunk.choices as { finish_reason: string | null }[]).map((choice) => choice.finish_reason).filter(Boolean),
    );
    expect(finishes).toEqual(['stop']);
    expect(upstream.chats()[1]?.messages.at(-1)).toMatchObject({
      role: 'tool',
      content: 'Long running operation completed. Duration: 0.3 seconds, Steps: 3.',
    });
  });

  it('is off unless asked for (MCP_TOOL_PROGRESS=false by default)', async () => {
    const chunks = (await sseEvents(await chat({}))).map(([, data]) => data);
    expect(chunks.some((chunk) => chunk.llamagate_tool_progress !== undefined)).toBe(false);
    expect(
      chunks
        .flatMap((chunk) => (chunk.choices as { delta: { content?: string } }[]).map((c) => c.delta.content ?? ''))
        .join(''),
    ).toBe('Finished.');
  });

  it('appears in Anthropic streams as llamagate_tool_progress events, which the SDK skips', async () => {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json', 'x-llamagate-tool-progress': 'true' },
      body: JSON.stringify({
        model: 'mock-1',
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: 'run it' }],
        tools: [{ name: 'mcp.everything.trigger-long-running-operation', input_schema: { type: 'object' } }],
      }),
    });
    const events = await sseEvents(response);
    const progress = events.filter(([event]) => event === 'llamagate_tool_progress');
    const statuses = progress.map(([, data]) => (data.tool_progress as { status: string }).status);
    expect(statuses.slice(0, 3)).toEqual(['started', 'progress', 'progress']);
    expect(statuses.at(-1)).toBe('ok');
    expect(events.filter(([event]) => event === 'message_stop')).toHaveLength(1);
    upstream.script(longRunning);
    const sdk = new Anthropic({
      apiKey: KEY,
      baseURL: gateway.url,
      maxRetries: 0,
      defaultHeaders: { 'x-llamagate-tool-progress': 'true' },
    });
    const final = await sdk.messages
      .stream({
        model: 'mock-1',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'run it' }],
        tools: [{ name: 'mcp.everything.trigger-long-running-operation', input_schema: { type: 'object' } }],
      })
      .finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Finished.' }]);
  });
});

describe('the tool-progress extension in the Responses API', () => {
  beforeEach(() => upstream.script(longRunning));

  it('appears as llamagate.tool_progress events before the one response.completed', async () => {
    const response = await fetch(`${gateway.baseURL}/responses`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
        'x-llamagate-tool-progress': 'true',
      },
      body: JSON.stringify({
        model: 'mock-1',
        stream: true,
        input: 'run it',
        tools: [
          { type: 'function', name: 'mcp.everything.trigger-long-running-operation', parameters: { type: 'object' } },
        ],
      }),
    });
    const events = (await sseEvents(response)).map(([event]) => event);
    const progress = events.filter((event) => event === 'llamagate.tool_progress');
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(events.filter((event) => event === 'response.completed')).toHaveLength(1);
    expect(events.lastIndexOf('llamagate.tool_progress')).toBeLessThan(events.indexOf('response.completed'));
  });
});

describe('progress through the /mcp hub (MCP SDK client)', () => {
  it.each(['legacy', 'auto'] as const)(
    'passes the server’s progress notifications on (%s negotiation)',
    async (mode) => {
      const client = new Client({ name: 'progress-test', version: '1.0.0' }, { versionNegotiation: { mode } });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${KEY}` } },
        }),
      );
      try {
        const steps: { progress: number; total?: number }[] = [];
        const result = await client.callTool(
          { name: 'everything__trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
          {
            onprogress: (step) =>
              steps.push({ progress: step.progress, ...(step.total === undefined ? {} : { total: step.total }) }),
          },
        );
        expect(result.content).toEqual([
          { type: 'text', text: 'Long running operation completed. Duration: 0.3 seconds, Steps: 3.' },
        ]);
        // The last step races the result upstream (see above): the first two are certain.
        expect(steps.slice(0, 2)).toEqual([
          { progress: 1, total: 3 },
          { progress: 2, total: 3 },
        ]);
      } finally {
        await client.close();
      }
    },
  );
});

describe('the tool loop through /v1/messages (@anthropic-ai/sdk)', () => {
  const client = () => new Anthropic({ apiKey: KEY, baseURL: gateway.url, maxRetries: 0, timeout: 15_000 });
  const request = {
    model: 'mock-1',
    max_tokens: 100,
    messages: [{ role: 'user' as const, content: 'ping the echo tool' }],
    tools: [{ name: 'mcp.fault.echo', input_schema: { type: 'object' as const } }],
  };

  beforeEach(() =>
    upstream.script([
      { text: 'Let me check. ', calls: [{ name: 'mcp__fault__echo', arguments: { text: 'pong' } }] },
      { text: 'It said pong.' },
    ]),
  );

  it('answers one message with the text of both rounds and no tool_use block', async () => {
    const message = await client().messages.create(request);
    expect(message.content).toEqual([{ type: 'text', text: 'Let me check. It said pong.' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 200, output_tokens: 100 });
    expect(upstream.chats()[1]?.messages.at(-1)).toMatchObject({ role: 'tool', content: 'pong' });
  });

  it('streams one message: the exact event sequence, one text block across rounds, one message_stop', async () => {
    const stream = await client().messages.create({ ...request, stream: true });
    const events: string[] = [];
    let text = '';
    for await (const event of stream) {
      switch (event.type) {
        case 'content_block_start':
          events.push(`${event.type}:${event.index}:${event.content_block.type}`);
          break;
        case 'content_block_delta':
          events.push(`${event.type}:${event.index}:${event.delta.type}`);
          if (event.delta.type === 'text_delta') text += event.delta.text;
          break;
        case 'message_delta':
          events.push(`${event.type}:${event.delta.stop_reason}:${event.usage.output_tokens}`);
          break;
        default:
          events.push(event.type);
      }
    }
    expect(events).toEqual([
      'message_start',
      'content_block_start:0:text',
      'content_block_delta:0:text_delta',
      'content_block_delta:0:text_delta',
      'content_block_delta:0:text_delta',
      'content_block_delta:0:text_delta',
      'content_block_delta:0:text_delta',
      'content_block_delta:0:text_delta',
      'content_block_stop',
      'message_delta:end_turn:100',
      'message_stop',
    ]);
    expect(text).toBe('Let me check. It said pong.');
  });

  it('gives the SDK’s stream helper a final message without the tool turn', async () => {
    const final = await client().messages.stream(request).finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Let me check. It said pong.' }]);
    expect(final.stop_reason).toBe('end_turn');
  });
});
