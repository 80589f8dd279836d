/**
 * Narrows the neutral message model to what every OpenAI-shaped provider can carry: text and image parts,
 * string or text tool results, reasoning as text. What a second inbound format added (cache-control hints,
 * documents, tool-result images and error flags, signed or redacted reasoning blocks) is dropped here, once,
 * with a warning value per kind, so each adapter converts only the portable shapes.
 */
import type {
  AssistantInputMessage,
  ChatMessage,
  FunctionTool,
  ImageContentPart,
  SystemMessage,
  TextContentPart,
  UserContentPart,
  UserMessage,
  Warning,
} from '../spec/chat.js';

export interface PortableUserMessage extends Omit<UserMessage, 'content'> {
  content: string | (TextContentPart | ImageContentPart)[];
}

export interface PortableToolMessage {
  role: 'tool';
  content: string | TextContentPart[];
  tool_call_id: string;
}

export type PortableChatMessage = SystemMessage | PortableUserMessage | AssistantInputMessage | PortableToolMessage;

export interface PortableMessages {
  messages: PortableChatMessage[];
  warnings: Warning[];
}

type Dropped = 'cache_control' | 'document' | 'tool_result_image' | 'is_error' | 'redacted_thinking';

const DROP_MESSAGES: Record<Dropped, string> = {
  cache_control: 'has no prompt-cache breakpoints; cache_control hints were dropped',
  document: 'takes no document input; PDF and file documents were dropped (text documents are sent as text)',
  tool_result_image: 'takes text tool results only; images in tool results were dropped',
  is_error: 'has no tool error flag; failed tool results are sent as plain results',
  redacted_thinking: 'cannot replay redacted (encrypted) reasoning blocks; they were dropped',
};

function needsNarrowing(message: ChatMessage): boolean {
  switch (message.role) {
    case 'user':
      return typeof message.content !== 'string' && message.content.some((part) => !isPortableUserPart(part));
    case 'tool':
      return (
        message.is_error !== undefined ||
        message.cache_control !== undefined ||
        (typeof message.content !== 'string' &&
          message.content.some((part) => part.type !== 'text' || part.cache_control !== undefined))
      );
    case 'assistant':
      return (
        message.reasoning !== undefined ||
        (Array.isArray(message.content) && message.content.some((part) => part.cache_control !== undefined))
      );
    default:
      return typeof message.content !== 'string' && message.content.some((part) => part.cache_control !== undefined);
  }
}

function isPortableUserPart(part: UserContentPart): part is TextContentPart | ImageContentPart {
  return part.type !== 'document' && part.cache_control === undefined;
}

function withoutCache<Part extends { cache_control?: unknown }>(part: Part, dropped: Set<Dropped>): Part {
  if (part.cache_control === undefined) return part;
  dropped.add('cache_control');
  const { cache_control: _, ...rest } = part;
  return rest as Part;
}

function narrow(message: ChatMessage, dropped: Set<Dropped>): PortableChatMessage {
  switch (message.role) {
    case 'user': {
      if (typeof message.content === 'string') return message as PortableUserMessage;
      const content: (TextContentPart | ImageContentPart)[] = [];
      for (const part of message.content) {
        if (part.type !== 'document') content.push(withoutCache(part, dropped));
        else if (part.source.type === 'text') {
          if (part.cache_control !== undefined) dropped.add('cache_control');
          const title = part.title === undefined ? '' : `${part.title}\n\n`;
          content.push({ type: 'text', text: `${title}${part.source.data}` });
        } else dropped.add('document');
      }
      return { ...message, content };
    }
    case 'tool': {
      if (message.is_error !== undefined) dropped.add('is_error');
      if (message.cache_control !== undefined) dropped.add('cache_control');
      let content: string | TextContentPart[];
      if (typeof message.content === 'string') content = message.content;
      else {
        content = [];
        for (const part of message.content) {
          if (part.type === 'text') content.push(withoutCache(part, dropped));
          else dropped.add('tool_result_image');
        }
      }
      return { role: 'tool', content, tool_call_id: message.tool_call_id };
    }
    case 'assistant': {
      const { reasoning, ...rest } = message;
      const narrowed: AssistantInputMessage = rest;
      if (Array.isArray(rest.content)) narrowed.content = rest.content.map((part) => withoutCache(part, dropped));
      if (reasoning !== undefined) {
        // Signatures only mean something to the provider that issued them; the reasoning text is what others read.
        const text = reasoning.flatMap((part) => (part.type === 'thinking' ? [part.thinking] : [])).join('\n\n');
        if (reasoning.some((part) => part.type === 'redacted_thinking')) dropped.add('redacted_thinking');
        if (narrowed.reasoning_content === undefined && text.length > 0) narrowed.reasoning_content = text;
      }
      return narrowed;
    }
    default:
      if (typeof message.content === 'string') return message;
      return { ...message, content: message.content.map((part) => withoutCache(part, dropped)) };
  }
}

/**
 * The messages in the portable subset, plus one warning per kind of thing dropped. Returns the caller's own
 * array when nothing needs narrowing (the common case: every OpenAI-format request).
 */
export function toPortableMessages(messages: readonly ChatMessage[], provider: string): PortableMessages {
  if (!messages.some(needsNarrowing)) return { messages: messages as PortableChatMessage[], warnings: [] };
  const dropped = new Set<Dropped>();
  const narrowed = messages.map((message) => (needsNarrowing(message) ? narrow(message, dropped) : message));
  return { messages: narrowed as PortableChatMessage[], warnings: dropWarnings(dropped, provider) };
}

/** Tools without cache-control hints (for providers whose tool shape is OpenAI's). */
export function toPortableTools(
  tools: readonly FunctionTool[],
  provider: string,
): { tools: FunctionTool[]; warnings: Warning[] } {
  if (!tools.some((tool) => tool.cache_control !== undefined)) return { tools: tools as FunctionTool[], warnings: [] };
  const dropped = new Set<Dropped>();
  return { tools: tools.map((tool) => withoutCache(tool, dropped)), warnings: dropWarnings(dropped, provider) };
}

function dropWarnings(dropped: ReadonlySet<Dropped>, provider: string): Warning[] {
  return [...dropped].map((kind) => ({
    type: 'unsupported-setting',
    setting: kind,
    message: `${provider} ${DROP_MESSAGES[kind]}`,
  }));
}
