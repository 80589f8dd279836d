import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAICompatible } from '../providers/openai-compatible/openai-compatible-provider.js';
import type { ChatMessage } from '../spec/chat.js';
import { BadRequestError } from '../spec/errors.js';
import { type MockUpstream, sendJson, startMockUpstream } from '../test-support/mock-upstream.js';
import { RICH_MESSAGES } from '../test-support/rich-messages.js';
import { toPortableMessages } from './portable-messages.js';

describe('toPortableMessages', () => {
  it('returns the same array when nothing needs narrowing', () => {
    const messages: ChatMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }];
    const portable = toPortableMessages(messages, 'ollama');
    expect(portable.messages).toBe(messages);
    expect(portable.warnings).toEqual([]);
  });

  it('drops what OpenAI-shaped providers cannot carry, one warning per kind, without touching the input', () => {
    const before = JSON.stringify(RICH_MESSAGES);
    const portable = toPortableMessages(RICH_MESSAGES, 'ollama');
    expect(JSON.stringify(RICH_MESSAGES)).toBe(before);
    expect(portable.warnings.map((warning) => warning.message)).toMatchInlineSnapshot(`
      [
        "ollama has no prompt-cache breakpoints; cache_control hints were dropped",
        "ollama takes no document input; PDF and file documents were dropped (text documents are sent as text)",
        "ollama cannot replay redacted (encrypted) reasoning blocks; they were dropped",
        "ollama has no tool error flag; failed tool results are sent as plain results",
        "ollama takes text tool results only; images in tool results were dropped",
      ]
    `);
    expect(portable.messages).toMatchInlineSnapshot(`
      [
        {
          "content": [
            {
              "text": "You are terse.",
              "type": "text",
            },
            {
              "text": "Long shared context.",
              "type": "text",
            },
          ],
          "role": "system",
        },
        {
          "content": [
            {
              "text": "Notes

      Plain notes.",
              "type": "text",
            },
            {
              "image_url": {
                "url": "https://example.com/cat.png",
              },
              "type": "image_url",
            },
            {
              "text": "What is 2+2? Use the tool.",
              "type": "text",
            },
          ],
          "role": "user",
        },
        {
          "content": "Calling it.",
          "reasoning_content": "The user wants the tool.",
          "role": "assistant",
          "tool_calls": [
            {
              "function": {
                "arguments": "{"a":2,"b":2}",
                "name": "add",
              },
              "id": "toolu_1",
              "type": "function",
            },
          ],
        },
        {
          "content": [
            {
              "text": "overflow",
              "type": "text",
            },
          ],
          "role": "tool",
          "tool_call_id": "toolu_1",
        },
      ]
    `);
  });
});

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream((_, response) =>
    sendJson(response, 200, {
      id: 'x',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    }),
  );
});
afterAll(() => upstream.close());

describe('toPortableMessages: server tool blocks and documents', () => {
  const searchCall = { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'fog' } };

  it('sends server tool blocks as their text, on lines of their own, with one warning', () => {
    const { messages, warnings } = toPortableMessages(
      [
        {
          role: 'assistant',
          content: [
            { type: 'provider', provider: 'anthropic', block: searchCall, text: '[web_search {"query":"fog"}]' },
            { type: 'provider', provider: 'anthropic', block: { type: 'x' }, text: '' },
            { type: 'text', text: 'Foggy.' },
          ],
        },
      ],
      'ollama',
    );
    expect(messages).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: '\n[web_search {"query":"fog"}]\n' },
          { type: 'text', text: 'Foggy.' },
        ],
      },
    ]);
    expect(warnings.map((warning) => warning.setting)).toEqual(['provider_block']);
  });

  it('drops a container upload (only Anthropic has the container), with the same warning', () => {
    const { messages, warnings } = toPortableMessages(
      [
        {
          role: 'user',
          content: [
            { type: 'provider', provider: 'anthropic', block: { type: 'container_upload', file_id: 'f' }, text: '' },
            { type: 'text', text: 'Plot it.' },
          ],
        },
      ],
      'ollama',
    );
    expect(messages[0]?.content).toEqual([{ type: 'text', text: 'Plot it.' }]);
    expect(warnings.map((warning) => warning.setting)).toEqual(['provider_block']);
  });

  it('sends a document given as content as its title, text and images', () => {
    const { messages, warnings } = toPortableMessages(
      [
        {
          role: 'user',
          content: [
            {
              type: 'document',
              title: 'Notes',
              source: {
                type: 'content',
                content: [
                  { type: 'text', text: 'Fog at noon.' },
                  { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } },
                ],
              },
            },
            { type: 'document', source: { type: 'content', content: 'Plain.' } },
          ],
        },
      ],
      'ollama',
    );
    expect(messages[0]?.content).toEqual([
      { type: 'text', text: 'Notes' },
      { type: 'text', text: 'Fog at noon.' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } },
      { type: 'text', text: 'Plain.' },
    ]);
    expect(warnings).toEqual([]);
  });

  it('refuses a document that is a file id, naming it', () => {
    const refuse = () =>
      toPortableMessages(
        [{ role: 'user', content: [{ type: 'document', source: { type: 'file', file_id: 'file_9' } }] }],
        'ollama',
      );
    expect(refuse).toThrow(BadRequestError);
    expect(refuse).toThrow('A document block with file source "file_9" can only be read by the provider that stores');
  });
});

describe('an OpenAI-compatible adapter given Anthropic-only content', () => {
  it('sends only OpenAI shapes upstream and returns the drops as warnings', async () => {
    const provider = createOpenAICompatible({ name: 'vllm', baseURL: `${upstream.url}/v1`, apiKey: 'k' });
    const result = await provider.chatModel('m').generate({
      messages: RICH_MESSAGES,
      tools: [{ type: 'function', function: { name: 'add' }, cache_control: { type: 'ephemeral' } }],
    });
    const sent = JSON.stringify(upstream.requests[0]?.body);
    expect(sent).not.toMatch(/cache_control|document|is_error|redacted|signature/);
    expect(result.warnings.map((warning) => warning.setting)).toEqual([
      'cache_control',
      'document',
      'redacted_thinking',
      'is_error',
      'tool_result_image',
    ]);
  });
});
