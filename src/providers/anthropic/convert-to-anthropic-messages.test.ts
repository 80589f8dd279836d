import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../spec/errors.js';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js';

describe('convertToAnthropicMessages', () => {
  it('hoists system and developer messages into one system prompt, warning when one came late', () => {
    const prompt = convertToAnthropicMessages([
      { role: 'system', content: 'Rule one.' },
      { role: 'developer', content: [{ type: 'text', text: 'Rule two.' }] },
      { role: 'user', content: 'Hi' },
      { role: 'system', content: 'Rule three.' },
    ]);
    expect(prompt.system).toBe('Rule one.\n\nRule two.\n\nRule three.');
    expect(prompt.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
    expect(prompt.warnings).toEqual([
      {
        type: 'other',
        message: 'anthropic takes one system prompt; system messages after the first turn were moved to it',
      },
    ]);
  });

  it('merges consecutive messages of one role and puts tool results first in their user turn', () => {
    const prompt = convertToAnthropicMessages([
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
      {
        role: 'assistant',
        content: 'calling',
        tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '' } }],
      },
      { role: 'user', content: 'by the way' },
      { role: 'tool', tool_call_id: 't1', content: 'done' },
    ]);
    expect(prompt.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'calling' },
          { type: 'tool_use', id: 't1', name: 'f', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: 'done' },
          { type: 'text', text: 'by the way' },
        ],
      },
    ]);
  });

  it('sends data-URL images as base64 and http(s) images as URL sources', () => {
    const prompt = convertToAnthropicMessages([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
        ],
      },
    ]);
    expect(prompt.messages[0]?.content).toEqual([
      { type: 'text', text: 'Compare' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('rejects image URLs of other schemes', () => {
    expect(() =>
      convertToAnthropicMessages([
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] },
      ]),
    ).toThrow(BadRequestError);
  });

  it('drops replayed reasoning without an error or warning, and trims a trailing prefill', () => {
    const prompt = convertToAnthropicMessages([
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: 'A', reasoning_content: 'thought about it' },
      { role: 'user', content: 'Q2' },
      { role: 'assistant', content: 'The answer is ' },
    ]);
    expect(prompt.warnings).toEqual([]);
    expect(JSON.stringify(prompt.messages)).not.toContain('thought about it');
    expect(prompt.messages.at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'The answer is' }] });
  });

  it('leaves out empty text, warns about names and broken tool arguments', () => {
    const prompt = convertToAnthropicMessages([
      { role: 'user', content: 'Hi', name: 'alice' },
      { role: 'assistant', content: '' },
      { role: 'user', content: '  ' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '[1' } }],
      },
    ]);
    expect(prompt.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] },
    ]);
    expect(prompt.warnings.map((warning) => warning.setting ?? warning.message)).toEqual([
      'The arguments of an earlier f tool call are not a JSON object; they were replaced by {}',
      'name',
    ]);
  });

  it('gives its own server tool blocks back as issued, in place; another provider’s as text', () => {
    const call = { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'fog' } };
    const found = { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] };
    const prompt = convertToAnthropicMessages([
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: [
          { type: 'provider', provider: 'anthropic', block: call, text: '[web_search]' },
          { type: 'provider', provider: 'anthropic', block: found, text: '[web_search result]' },
          { type: 'text', text: 'Foggy.' },
          { type: 'provider', provider: 'other', block: { type: 'search' }, text: '[searched]' },
        ],
      },
    ]);
    expect(prompt.messages[1]?.content).toEqual([
      call,
      found,
      { type: 'text', text: 'Foggy.' },
      { type: 'text', text: '[searched]' },
    ]);
  });

  it('gives a container upload back as issued', () => {
    const upload = { type: 'container_upload', file_id: 'file_1' };
    const prompt = convertToAnthropicMessages([
      {
        role: 'user',
        content: [
          { type: 'provider', provider: 'anthropic', block: upload, text: '' },
          { type: 'text', text: 'Plot it.' },
        ],
      },
    ]);
    expect(prompt.messages[0]?.content).toEqual([upload, { type: 'text', text: 'Plot it.' }]);
  });

  it('sends a document given as content with its images as Anthropic image blocks', () => {
    const prompt = convertToAnthropicMessages([
      {
        role: 'user',
        content: [
          {
            type: 'document',
            source: {
              type: 'content',
              content: [
                { type: 'text', text: 'Fog.', cache_control: { type: 'ephemeral' } },
                { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } },
              ],
            },
          },
        ],
      },
    ]);
    expect(prompt.messages[0]?.content).toEqual([
      {
        type: 'document',
        source: {
          type: 'content',
          content: [
            { type: 'text', text: 'Fog.', cache_control: { type: 'ephemeral' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA==' } },
          ],
        },
      },
    ]);
  });

  it('refuses a conversation with nothing to send', () => {
    expect(() => convertToAnthropicMessages([{ role: 'system', content: 'only rules' }])).toThrow(
      /at least one user or assistant message/,
    );
  });
});
