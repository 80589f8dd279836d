import { describe, expect, it } from 'vitest';
import { decodeAnthropicRequest } from './decode-anthropic-request.js';

const minimal = { model: 'claude-x', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] };

describe('server tool blocks and documents in history', () => {
  it('keeps server tool blocks of earlier turns as provider parts with a text rendering, and inline documents', () => {
    const call = { type: 'server_tool_use', id: 'srvtoolu_1', name: 'code_execution', input: { code: 'print(1)' } };
    const ran = {
      type: 'code_execution_tool_result',
      tool_use_id: 'srvtoolu_1',
      content: { type: 'code_execution_result', stdout: '1\n', stderr: '', return_code: 0, content: [] },
      caller: { type: 'direct' },
    };
    const failed = {
      type: 'web_fetch_tool_result',
      tool_use_id: 'srvtoolu_2',
      content: { type: 'web_fetch_tool_result_error', error_code: 'url_not_accessible' },
    };
    const used = { type: 'tool_use', id: 'toolu_1', name: 'f', input: {}, caller: { type: 'direct' } };
    const document = { type: 'document', source: { type: 'content', content: 'Inline.' }, title: 'T' };
    const decoded = decodeAnthropicRequest({
      ...minimal,
      messages: [
        { role: 'user', content: 'Run it.' },
        { role: 'assistant', content: [call, ran, failed, { type: 'text', text: 'Done.' }, used] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' },
            document,
            { type: 'container_upload', file_id: 'file_1' },
          ],
        },
      ],
    });
    expect(decoded.request.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'provider', provider: 'anthropic', block: call, text: '[code_execution {"code":"print(1)"}]' },
          {
            type: 'provider',
            provider: 'anthropic',
            block: ran,
            text: '[code_execution result]\nexit code 0\nstdout:\n1\n',
          },
          {
            type: 'provider',
            provider: 'anthropic',
            block: failed,
            text: '[web_fetch result]\nerror: url_not_accessible',
          },
          { type: 'text', text: 'Done.' },
        ],
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'ok' },
      {
        role: 'user',
        content: [
          { type: 'document', title: 'T', source: { type: 'content', content: 'Inline.' } },
          { type: 'provider', provider: 'anthropic', block: { type: 'container_upload', file_id: 'file_1' }, text: '' },
        ],
      },
    ]);
  });

  it.each([
    [
      { role: 'assistant', content: [{ type: 'server_tool_use', name: 'web_search', input: {} }] },
      'messages.0.content.0.id: Field required',
    ],
    [
      { role: 'assistant', content: [{ type: 'web_search_tool_result', tool_use_id: 's', content: [], x: 1 }] },
      'messages.0.content.0.x: Extra inputs are not permitted',
    ],
    [
      { role: 'user', content: [{ type: 'web_search_tool_result', tool_use_id: 's', content: [] }] },
      "messages.0.content.0.type: Input tag should be 'text', 'image', 'document', 'tool_result' or 'container_upload'",
    ],
    [
      { role: 'user', content: [{ type: 'document', source: { type: 'content', content: [{ type: 'document' }] } }] },
      "messages.0.content.0.source.content.0.type: Input tag should be 'text' or 'image'",
    ],
  ])('rejects a malformed server tool block or document (%#) naming the field', (message, text) => {
    expect(() => decodeAnthropicRequest({ ...minimal, messages: [message] })).toThrow(text);
  });
});
