/**
 * Conversation items → the neutral chat messages. Consecutive assistant output (text, function calls, the
 * reasoning before them) becomes one assistant message, as chat-style backends expect a turn.
 */
import type { AssistantInputMessage, ChatMessage, TextContentPart, UserContentPart } from '../../../spec/chat.js';
import { invalidField } from '../wire-fields.js';
import type { ConversationItem, InputItem, MessageItem } from './responses-types.js';

function textOf(item: MessageItem): string {
  return item.content
    .map((part) => (part.type === 'input_text' || part.type === 'output_text' ? part.text : ''))
    .join('');
}

function userContent(item: MessageItem): string | UserContentPart[] {
  if (item.content.length === 1 && item.content[0]?.type === 'input_text') return item.content[0].text;
  const parts: UserContentPart[] = [];
  for (const part of item.content) {
    if (part.type === 'input_text' || part.type === 'output_text') parts.push({ type: 'text', text: part.text });
    else if (part.type === 'input_image')
      parts.push({ type: 'image_url', image_url: { url: part.image_url, detail: part.detail } });
  }
  return parts;
}

/** Throws when an `item_reference` is left: the route resolves them from storage first. */
export function requireResolved(items: readonly InputItem[]): ConversationItem[] {
  for (const item of items) {
    if (item.type === 'item_reference') {
      throw invalidField(
        `Item with id '${item.id}' not found: item references need a stored response of the same key`,
        'input',
        'invalid_request',
      );
    }
  }
  return items as ConversationItem[];
}

/** `instructions` first (as a system message), then the items in order. */
export function itemsToMessages(instructions: string | null, items: readonly ConversationItem[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (instructions !== null && instructions !== '') messages.push({ role: 'system', content: instructions });
  let assistant: AssistantInputMessage | undefined;
  const openAssistant = (): AssistantInputMessage => {
    if (assistant === undefined) {
      assistant = { role: 'assistant', content: null };
      messages.push(assistant);
    }
    return assistant;
  };
  for (const item of items) {
    switch (item.type) {
      case 'message': {
        if (item.role === 'assistant') {
          const turn = openAssistant();
          // Text after a function call in the same turn starts a new assistant message.
          if (turn.tool_calls !== undefined) {
            assistant = undefined;
          }
          const current = openAssistant();
          const refusal = item.content.find((part) => part.type === 'refusal');
          if (refusal?.type === 'refusal') current.refusal = refusal.refusal;
          const text = textOf(item);
          if (text !== '') current.content = (typeof current.content === 'string' ? current.content : '') + text;
          break;
        }
        assistant = undefined;
        if (item.role === 'user') messages.push({ role: 'user', content: userContent(item) });
        else {
          const parts: TextContentPart[] = [{ type: 'text', text: textOf(item) }];
          messages.push({ role: item.role, content: parts.length === 1 ? textOf(item) : parts });
        }
        break;
      }
      case 'function_call': {
        const turn = openAssistant();
        turn.tool_calls ??= [];
        turn.tool_calls.push({
          id: item.call_id,
          type: 'function',
          function: { name: item.name, arguments: item.arguments },
        });
        break;
      }
      case 'function_call_output':
        assistant = undefined;
        messages.push({ role: 'tool', tool_call_id: item.call_id, content: item.output });
        break;
      case 'reasoning': {
        const text = (item.content ?? item.summary).map((part) => part.text).join('\n');
        if (assistant !== undefined && (assistant.content !== null || assistant.tool_calls !== undefined))
          assistant = undefined;
        const turn = openAssistant();
        if (text !== '') turn.reasoning_content = (turn.reasoning_content ?? '') + text;
        break;
      }
    }
  }
  return messages;
}
