import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../spec/chat.js';
import { BadRequestError } from '../../spec/errors.js';
import { prepareBedrockRequest } from './prepare-bedrock-request.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const server = createServer((_, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  res.end(PNG);
});
let imageUrl = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  imageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cat.png`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const weather = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

const toolHistory: ChatMessage[] = [
  { role: 'user', content: 'Weather in Paris and Rome?' },
  {
    role: 'assistant',
    content: '',
    tool_calls: [
      { id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'tooluse_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ],
  },
  { role: 'tool', tool_call_id: 'tooluse_1', content: '18°C' },
  { role: 'tool', tool_call_id: 'tooluse_2', content: [{ type: 'text', text: '24°C' }] },
  { role: 'user', content: 'Which is warmer?' },
];

describe('prepareBedrockRequest: messages', () => {
  it('puts system and developer text in system, merges turns, and writes tool traffic as toolUse/toolResult', async () => {
    const { body, warnings } = await prepareBedrockRequest(
      {
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
          ...toolHistory,
        ],
        tools: [weather],
        toolChoice: 'auto',
      },
      'anthropic.claude-3-5-haiku-20241022-v1:0',
      {},
    );
    expect(warnings).toEqual([]);
    expect(body).toMatchInlineSnapshot(`
      {
        "messages": [
          {
            "content": [
              {
                "text": "Weather in Paris and Rome?",
              },
            ],
            "role": "user",
          },
          {
            "content": [
              {
                "toolUse": {
                  "input": {
                    "city": "Paris",
                  },
                  "name": "get_weather",
                  "toolUseId": "tooluse_1",
                },
              },
              {
                "toolUse": {
                  "input": {
                    "city": "Rome",
                  },
                  "name": "get_weather",
                  "toolUseId": "tooluse_2",
                },
              },
            ],
            "role": "assistant",
          },
          {
            "content": [
              {
                "toolResult": {
                  "content": [
                    {
                      "text": "18°C",
                    },
                  ],
                  "toolUseId": "tooluse_1",
                },
              },
              {
                "toolResult": {
                  "content": [
                    {
                      "text": "24°C",
                    },
                  ],
                  "toolUseId": "tooluse_2",
                },
              },
              {
                "text": "Which is warmer?",
              },
            ],
            "role": "user",
          },
        ],
        "system": [
          {
            "text": "You are terse.",
          },
          {
            "text": "Use metric units.",
          },
        ],
        "toolConfig": {
          "toolChoice": {
            "auto": {},
          },
          "tools": [
            {
              "toolSpec": {
                "inputSchema": {
                  "json": {
                    "properties": {
                      "city": {
                        "type": "string",
                      },
                    },
                    "type": "object",
                  },
                },
                "name": "get_weather",
              },
            },
          ],
        },
      }
    `);
  });

  it('sends data-URL images as bytes and fetches http images (private addresses only when allowed)', async () => {
    const messages: ChatMessage[] = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare' },
          {
            type: 'image_url',
            image_url: { url: `data:image/jpeg;base64,${Buffer.from('jpeg!').toString('base64')}` },
          },
          { type: 'image_url', image_url: { url: imageUrl } },
        ],
      },
    ];
    const { body } = await prepareBedrockRequest({ messages }, 'm', { imageFetch: { allowPrivateAddresses: true } });
    expect((body.messages as Array<{ content: unknown[] }>)[0]?.content).toEqual([
      { text: 'Compare' },
      { image: { format: 'jpeg', source: { bytes: Buffer.from('jpeg!').toString('base64') } } },
      { image: { format: 'png', source: { bytes: PNG.toString('base64') } } },
    ]);
    const refused = await prepareBedrockRequest({ messages }, 'm', {}).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'unsafe_url' });
  });

  it('rejects image types Bedrock cannot read and tool arguments that are not a JSON object', async () => {
    const svg = await prepareBedrockRequest(
      {
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/svg+xml;base64,PHN2Zy8+' } }] },
        ],
      },
      'm',
      {},
    ).catch((error: unknown) => error);
    expect(BadRequestError.isInstance(svg)).toBe(true);
    const badArgs = await prepareBedrockRequest(
      {
        messages: [
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            tool_calls: [{ id: 't', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } }],
          },
        ],
        tools: [weather],
      },
      'm',
      {},
    ).catch((error: unknown) => error);
    expect(badArgs).toMatchObject({ status: 400, message: expect.stringContaining('not a JSON object') });
  });
});

describe('prepareBedrockRequest: tool choice and settings', () => {
  it('leaves tools out for tool_choice "none", with a warning', async () => {
    const { body, warnings } = await prepareBedrockRequest(
      { messages: [{ role: 'user', content: 'x' }], tools: [weather], toolChoice: 'none' },
      'm',
      {},
    );
    expect(body.toolConfig).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ setting: 'tool_choice' })]);
  });

  it('keeps the tools for tool_choice "none" when the history has tool calls (Bedrock requires them)', async () => {
    const { body, warnings } = await prepareBedrockRequest(
      { messages: toolHistory, tools: [weather], toolChoice: 'none' },
      'm',
      {},
    );
    expect(body.toolConfig).toEqual({ tools: [expect.objectContaining({ toolSpec: expect.anything() })] });
    expect(warnings[0]?.message).toContain('history');
  });

  it('writes tool history as text when the request declares no tools', async () => {
    const { body, warnings } = await prepareBedrockRequest({ messages: toolHistory }, 'm', {});
    expect(body.toolConfig).toBeUndefined();
    const messages = body.messages as Array<{ role: string; content: Array<{ text?: string }> }>;
    expect(messages[1]?.content[0]?.text).toBe('[called tool get_weather with {"city":"Paris"}]');
    expect(messages[2]?.content[0]?.text).toBe('[result of tool call tooluse_1: 18°C]');
    expect(JSON.stringify(body)).not.toContain('toolUse');
    expect(warnings).toHaveLength(1);
  });

  it('downgrades a forced tool choice to auto when Claude thinks, and warns about dropped settings', async () => {
    const { body, warnings } = await prepareBedrockRequest(
      {
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ ...weather, function: { ...weather.function, strict: true } }],
        toolChoice: 'required',
        parallelToolCalls: false,
        reasoningEffort: 'high',
        maxTokens: 1000,
        topP: 0.9,
      },
      'us.anthropic.claude-sonnet-4-20250514-v1:0',
      {},
    );
    expect(body.inferenceConfig).toEqual({ maxTokens: 1000 + 16384 });
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 16384 } });
    expect((body.toolConfig as Record<string, unknown>).toolChoice).toEqual({ auto: {} });
    expect(warnings.map((warning) => warning.setting)).toEqual([
      'topP',
      'tools[].function.strict',
      'parallel_tool_calls',
      'tool_choice',
    ]);
  });

  it('passes providerOptions.bedrock through and maps user to request metadata', async () => {
    const { body, warnings } = await prepareBedrockRequest(
      {
        messages: [{ role: 'user', content: 'x' }],
        user: 'user-42',
        providerOptions: {
          bedrock: {
            additionalModelRequestFields: { top_k: 5 },
            guardrailConfig: { guardrailIdentifier: 'g1', guardrailVersion: '1' },
          },
          openai: { ignored: true },
        },
      },
      'm',
      {},
    );
    expect(body.additionalModelRequestFields).toEqual({ top_k: 5 });
    expect(body.guardrailConfig).toEqual({ guardrailIdentifier: 'g1', guardrailVersion: '1' });
    expect(body.requestMetadata).toEqual({ user: 'user-42' });
    expect(warnings).toEqual([]);
    const odd = await prepareBedrockRequest({ messages: [{ role: 'user', content: 'x' }], user: 'ü<script>' }, 'm', {});
    expect(odd.body.requestMetadata).toBeUndefined();
    expect(odd.warnings).toEqual([expect.objectContaining({ setting: 'user' })]);
  });
});
