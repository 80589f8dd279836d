import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../spec/chat.js';
import { collect, type MockUpstream, startMockUpstream } from '../../test-support/mock-upstream.js';
import { anthropicReplay } from '../../test-support/replay-anthropic.js';
import { RICH_MESSAGES } from '../../test-support/rich-messages.js';
import { createAnthropic } from './anthropic-provider.js';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');
const config = { provider: 'anthropic', defaultMaxTokens: 4096 };

const RICH_REQUEST: ChatRequest = {
  messages: RICH_MESSAGES,
  maxTokens: 3000,
  tools: [
    {
      type: 'function',
      function: { name: 'add', parameters: { type: 'object' } },
      cache_control: { type: 'ephemeral' },
    },
  ],
  providerOptions: {
    anthropic: {
      thinking: { type: 'enabled', budget_tokens: 2048 },
      extraTools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 2 }],
      extraBody: { service_tier: 'auto' },
    },
  },
};

describe('anthropic adapter: thinking, cache control, documents and rich tool results', () => {
  it('replays signed and redacted thinking, keeps every cache breakpoint, documents, and tool-result blocks', () => {
    const { body, warnings } = convertToAnthropicRequest(RICH_REQUEST, 'claude-x', false, config);
    expect(warnings).toEqual([]);
    expect(body).toMatchInlineSnapshot(`
      {
        "max_tokens": 3000,
        "messages": [
          {
            "content": [
              {
                "cache_control": {
                  "type": "ephemeral",
                },
                "citations": {
                  "enabled": true,
                },
                "source": {
                  "data": "JVBERi0=",
                  "media_type": "application/pdf",
                  "type": "base64",
                },
                "title": "Spec",
                "type": "document",
              },
              {
                "source": {
                  "data": "Plain notes.",
                  "media_type": "text/plain",
                  "type": "text",
                },
                "title": "Notes",
                "type": "document",
              },
              {
                "source": {
                  "type": "url",
                  "url": "https://example.com/cat.png",
                },
                "type": "image",
              },
              {
                "text": "What is 2+2? Use the tool.",
                "type": "text",
              },
            ],
            "role": "user",
          },
          {
            "content": [
              {
                "signature": "sig-1",
                "thinking": "The user wants the tool.",
                "type": "thinking",
              },
              {
                "data": "opaque-blob",
                "type": "redacted_thinking",
              },
              {
                "text": "Calling it.",
                "type": "text",
              },
              {
                "id": "toolu_1",
                "input": {
                  "a": 2,
                  "b": 2,
                },
                "name": "add",
                "type": "tool_use",
              },
            ],
            "role": "assistant",
          },
          {
            "content": [
              {
                "cache_control": {
                  "type": "ephemeral",
                },
                "content": [
                  {
                    "text": "overflow",
                    "type": "text",
                  },
                  {
                    "source": {
                      "data": "iVBORw0=",
                      "media_type": "image/png",
                      "type": "base64",
                    },
                    "type": "image",
                  },
                ],
                "is_error": true,
                "tool_use_id": "toolu_1",
                "type": "tool_result",
              },
            ],
            "role": "user",
          },
        ],
        "model": "claude-x",
        "service_tier": "auto",
        "system": [
          {
            "text": "You are terse.",
            "type": "text",
          },
          {
            "cache_control": {
              "ttl": "1h",
              "type": "ephemeral",
            },
            "text": "Long shared context.",
            "type": "text",
          },
        ],
        "thinking": {
          "budget_tokens": 2048,
          "type": "enabled",
        },
        "tools": [
          {
            "cache_control": {
              "type": "ephemeral",
            },
            "input_schema": {
              "type": "object",
            },
            "name": "add",
          },
          {
            "max_uses": 2,
            "name": "web_search",
            "type": "web_search_20250305",
          },
        ],
      }
    `);
  });

  it('keeps thinking on when the tool loop replays the signed thinking block, turns it off when it does not', () => {
    const signed = convertToAnthropicRequest(
      { messages: RICH_MESSAGES.slice(1), reasoningEffort: 'medium' },
      'claude-x',
      false,
      config,
    );
    expect(signed.body.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 });
    const unsigned = convertToAnthropicRequest(
      {
        messages: RICH_MESSAGES.slice(1).map((message) =>
          message.role === 'assistant' ? { ...message, reasoning: [{ type: 'thinking', thinking: 'x' }] } : message,
        ),
        reasoningEffort: 'medium',
      },
      'claude-x',
      false,
      config,
    );
    expect(unsigned.body.thinking).toBeUndefined();
  });
});

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});
const model = () => createAnthropic({ baseURL: `${upstream.url}/v1`, apiKey: 'k', env: {} }).chatModel('claude-x');

describe('anthropic adapter: thinking signatures from recorded traffic', () => {
  it('streams the thinking text, then its signature as its own part, and cache-write tokens in usage', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-clear-thinking.1'));
    const result = await model().stream({ messages: [{ role: 'user', content: 'x' }] });
    const parts = await collect(result.parts);
    const reasoning = parts.filter((part) => part.type === 'reasoning-delta' || part.type === 'reasoning-signature');
    expect(reasoning.at(-1)).toEqual({
      type: 'reasoning-signature',
      choiceIndex: 0,
      signature: expect.stringMatching(/^.{40,}$/),
    });
    expect(reasoning.slice(0, -1).every((part) => part.type === 'reasoning-delta')).toBe(true);
    expect(parts.at(-1)).toMatchObject({ type: 'usage', usage: { cacheWriteTokens: expect.any(Number) } });
  });

  it('returns thinking blocks with their signatures on a generated message', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-clear-thinking.1'));
    const result = await model().generate({ messages: [{ role: 'user', content: 'x' }] });
    const reasoning = result.choices[0]?.message.reasoning;
    expect(reasoning?.[0]).toEqual({
      type: 'thinking',
      thinking: expect.any(String),
      signature: expect.stringMatching(/^.{40,}$/),
    });
  });
});
