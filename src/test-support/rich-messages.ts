import type { ChatMessage } from '../spec/chat.js';

/** A conversation using everything Anthropic's format adds to the neutral model. */
export const RICH_MESSAGES: ChatMessage[] = [
  {
    role: 'system',
    content: [
      { type: 'text', text: 'You are terse.' },
      { type: 'text', text: 'Long shared context.', cache_control: { type: 'ephemeral', ttl: '1h' } },
    ],
  },
  {
    role: 'user',
    content: [
      {
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' },
        title: 'Spec',
        citations: { enabled: true },
        cache_control: { type: 'ephemeral' },
      },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Plain notes.' }, title: 'Notes' },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      { type: 'text', text: 'What is 2+2? Use the tool.' },
    ],
  },
  {
    role: 'assistant',
    reasoning: [
      { type: 'thinking', thinking: 'The user wants the tool.', signature: 'sig-1' },
      { type: 'redacted_thinking', data: 'opaque-blob' },
    ],
    content: 'Calling it.',
    tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":2}' } }],
  },
  {
    role: 'tool',
    tool_call_id: 'toolu_1',
    is_error: true,
    content: [
      { type: 'text', text: 'overflow' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0=' } },
    ],
    cache_control: { type: 'ephemeral' },
  },
];
