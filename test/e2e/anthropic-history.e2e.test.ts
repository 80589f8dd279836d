/**
 * Anthropic clients replaying history that only Anthropic can produce: server tool calls and their results
 * (web search, web fetch, code execution, tool search) and documents given as inline content or a file id.
 * An Anthropic backend gets the client's bytes; the others get what they can read (the blocks as text, the
 * document's content) or, for a file id they cannot resolve, the client a 400 naming the block.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bodyOf, type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { anthropicReplay } from '../../src/test-support/replay-anthropic.js';
import { ollamaReplay } from '../../src/test-support/replay-ollama.js';
import { openaiReplay } from '../../src/test-support/replay-openai.js';
import { type Harness, startGateway } from './gateway-harness.js';

const fixtures = (provider: string) =>
  fileURLToPath(new URL(`../../src/providers/${provider}/__fixtures__`, import.meta.url));

/** An earlier answer of Anthropic's, as the SDK returned it, replayed as the assistant turn. */
function answer(name: string): Anthropic.ContentBlockParam[] {
  const message = JSON.parse(readFileSync(join(fixtures('anthropic'), name), 'utf8')) as Anthropic.Message;
  return message.content as Anthropic.ContentBlockParam[];
}

const upstreams: Record<'ollama' | 'openai' | 'anthropic', MockUpstream> = {} as never;
let gateway: Harness;

beforeAll(async () => {
  upstreams.ollama = await startMockUpstream(ollamaReplay(fixtures('ollama'), 'doc-chat'));
  upstreams.openai = await startMockUpstream(openaiReplay(fixtures('openai-compatible'), 'xai-text'));
  upstreams.anthropic = await startMockUpstream(anthropicReplay(fixtures('anthropic'), 'anthropic-text'));
  const file = join(mkdtempSync(join(tmpdir(), 'lg-anthropic-history-')), 'llamagate.yaml');
  writeFileSync(
    file,
    `defaultBackend: local
healthCheckInterval: 0
backends:
  - { name: local, type: ollama, config: { endpoint: "${upstreams.ollama.url}" } }
  - { name: oai, type: openai-compatible, config: { endpoint: "${upstreams.openai.url}/v1", apiKey: sk-oai } }
  - { name: claude, type: anthropic, config: { endpoint: "${upstreams.anthropic.url}/v1", apiKey: sk-ant } }
models:
  claude-local: local/llama3.2
  claude-oai: oai/grok-3-mini
`,
  );
  gateway = await startGateway({ configFile: file });
});
afterAll(async () => {
  await gateway.close();
  for (const upstream of Object.values(upstreams)) await upstream.close();
});
beforeEach(() => {
  for (const upstream of Object.values(upstreams)) upstream.requests.length = 0;
});

const client = () => new Anthropic({ apiKey: 'unused', baseURL: gateway.url, maxRetries: 0, timeout: 15_000 });

/** A 1×1 PNG. */
const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

const searched: Anthropic.MessageParam[] = [
  { role: 'user', content: 'What is in the tech news today?' },
  { role: 'assistant', content: answer('anthropic-web-search-tool.1.json') },
  { role: 'user', content: 'And what did the code do?' },
  { role: 'assistant', content: answer('anthropic-code-execution-20250825.1.json') },
  { role: 'user', content: 'Fetch that page, then find a weather tool.' },
  { role: 'assistant', content: answer('anthropic-web-fetch-tool.1.json') },
  { role: 'assistant', content: answer('anthropic-tool-search-regex.1.json') },
  {
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: 'toolu_01X4r989CAhzqnFqDJn1gVvp', content: '64°F, foggy' },
      {
        type: 'document',
        title: 'Field notes',
        source: {
          type: 'content',
          content: [
            { type: 'text', text: 'Fog rolls in at noon.' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PIXEL } },
          ],
        },
      },
      { type: 'container_upload', file_id: 'file_011CPd1Z6BYn7kiMFWUA8f2w' },
      { type: 'text', text: 'Summarise everything.' },
    ],
  },
];

describe('history with server tool blocks and inline documents', () => {
  it('reaches an Anthropic backend as the client sent it', async () => {
    let sent = '';
    const sdk = new Anthropic({
      apiKey: 'unused',
      baseURL: gateway.url,
      maxRetries: 0,
      fetch: (url, init) => {
        sent = String(init?.body);
        return fetch(url, init);
      },
    });
    const message = await sdk.messages.create({
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 256,
      messages: searched,
      tools: [{ type: 'web_search_20250305', name: 'web_search' }],
    });
    expect(message.type).toBe('message');
    expect(upstreams.anthropic.requests[0]?.rawBody.toString('utf8')).toBe(sent);
  });

  it.each(['claude-oai', 'claude-local'])(
    'reaches %s as text it can read: what each server tool did and found, the document inline',
    async (model) => {
      const message = await client().messages.create({ model, max_tokens: 256, messages: searched });
      expect(message.content.map((block) => block.type)).toContain('text');
      const upstream = model === 'claude-oai' ? upstreams.openai : upstreams.ollama;
      const prompt = JSON.stringify(bodyOf(upstream.requests[0]).messages);
      for (const said of [
        '[web_search {\\"query\\":\\"tech news today September 26 2024\\"}]',
        '[web_search result]\\n- Latest News - Apple Developer (https://developer.apple.com/news/)',
        '[bash_code_execution result]\\nexit code 0\\nstdout:\\nThe 10th Fibonacci number is: 55',
        '[text_editor_code_execution result]\\nfile created',
        '[web_fetch result]\\nhttps://en.wikipedia.org/wiki/Maglemosian_culture',
        '[tool_search result]\\ntools found: get_temp_data',
        'Fog rolls in at noon.',
      ]) {
        expect(prompt).toContain(said);
      }
      expect(prompt).not.toContain('encrypted_content');
      expect(prompt).not.toContain('srvtoolu_');
      expect(prompt).not.toContain('file_011CPd1Z6BYn7kiMFWUA8f2w');
    },
  );

  it("answers a file-id document for a backend that cannot resolve it with a 400 in Anthropic's shape", async () => {
    const failure = await client()
      .messages.create({
        model: 'claude-oai',
        max_tokens: 64,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'document', source: { type: 'file', file_id: 'file_011CNha8iCJcU1wXNR6q4V8w' } },
              { type: 'text', text: 'Summarise this.' },
            ],
          },
        ],
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.BadRequestError);
    expect((failure as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: expect.stringContaining('document block with file source "file_011CNha8iCJcU1wXNR6q4V8w"'),
      },
    });
    expect(upstreams.openai.requests).toHaveLength(0);
  });
});
