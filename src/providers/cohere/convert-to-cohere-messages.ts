import { type PortableUserMessage, toPortableMessages } from '../../provider-utils/portable-messages.js';
import type { ChatMessage, TextContentPart, ToolCall, Warning } from '../../spec/chat.js';

export interface CohereTextBlock {
  type: 'text';
  text: string;
}

export interface CohereImageBlock {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

export type CohereMessage =
  | { role: 'system'; content: string | CohereTextBlock[] }
  | { role: 'user'; content: string | (CohereTextBlock | CohereImageBlock)[] }
  | { role: 'assistant'; content?: string | CohereTextBlock[]; tool_calls?: ToolCall[]; tool_plan?: string }
  | { role: 'tool'; tool_call_id: string; content: string | CohereTextBlock[] };

function textBlocks(content: string | TextContentPart[]): string | CohereTextBlock[] {
  return typeof content === 'string' ? content : content.map((part) => ({ type: 'text', text: part.text }));
}

function userContent(content: PortableUserMessage['content']): string | (CohereTextBlock | CohereImageBlock)[] {
  if (typeof content === 'string') return content;
  return content.map((part): CohereTextBlock | CohereImageBlock => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    // Cohere takes both data URLs and http(s) URLs and fetches the latter itself, so nothing is fetched here.
    const image: CohereImageBlock['image_url'] = { url: part.image_url.url };
    if (part.image_url.detail !== undefined) image.detail = part.image_url.detail;
    return { type: 'image_url', image_url: image };
  });
}

function isEmpty(content: string | TextContentPart[] | null | undefined): boolean {
  if (content === null || content === undefined) return true;
  return typeof content === 'string' ? content.length === 0 : content.every((part) => part.text.length === 0);
}

/** Cohere sometimes answers `"null"` or `""` for tools without parameters; it rejects both when replayed. */
export function normaliseToolArguments(value: string | Record<string, unknown> | null | undefined): string {
  if (value === null || value === undefined) return '{}';
  if (typeof value !== 'string') return JSON.stringify(value);
  const trimmed = value.trim();
  return trimmed === '' || trimmed === 'null' ? '{}' : value;
}

/**
 * OpenAI-shaped messages → Cohere v2 messages. System and developer turns become `system`; an assistant
 * turn's `reasoning_content` is replayed as `tool_plan` when it called tools (the adapter reports Cohere's
 * tool plan as reasoning, so this round-trips it) and is otherwise not sent back.
 */
export function convertToCohereMessages(input: readonly ChatMessage[]): {
  messages: CohereMessage[];
  warnings: Warning[];
} {
  const result: CohereMessage[] = [];
  const { messages, warnings } = toPortableMessages(input, 'cohere');
  let namesDropped = false;
  for (const message of messages) {
    if ('name' in message && message.name !== undefined) namesDropped = true;
    switch (message.role) {
      case 'system':
      case 'developer':
        result.push({ role: 'system', content: textBlocks(message.content) });
        break;
      case 'user':
        result.push({ role: 'user', content: userContent(message.content) });
        break;
      case 'assistant': {
        const toolCalls = message.tool_calls ?? [];
        if (toolCalls.length === 0 && isEmpty(message.content)) {
          warnings.push({
            type: 'other',
            message: 'An assistant message without content or tool calls was left out: Cohere rejects empty turns',
          });
          break;
        }
        const converted: Extract<CohereMessage, { role: 'assistant' }> = { role: 'assistant' };
        if (!isEmpty(message.content) && message.content !== null && message.content !== undefined)
          converted.content = textBlocks(message.content);
        if (toolCalls.length > 0) {
          converted.tool_calls = toolCalls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.function.name, arguments: normaliseToolArguments(call.function.arguments) },
          }));
          if (message.reasoning_content) converted.tool_plan = message.reasoning_content;
        }
        result.push(converted);
        break;
      }
      case 'tool':
        result.push({ role: 'tool', tool_call_id: message.tool_call_id, content: textBlocks(message.content) });
        break;
    }
  }
  if (namesDropped) {
    warnings.push({ type: 'unsupported-setting', setting: 'name', message: 'Cohere does not support message names' });
  }
  return { messages: result, warnings };
}
