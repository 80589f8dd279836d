/**
 * Narrows the neutral message model to what every OpenAI-shaped provider can carry: text and image parts,
 * string or text tool results, reasoning as text. What a second inbound format added (cache-control hints,
 * documents, tool-result images and error flags, signed or redacted reasoning blocks) is dropped here, once,
 * with a warning value per kind, so each adapter converts only the portable shapes. Documents given as text
 * or inline content, and another provider's server tool blocks, become text; a document that is a provider's
 * file id cannot be read anywhere else and is refused.
 */

import type {
  AssistantContentPart,
  AssistantInputMessage,
  ChatMessage,
  DocumentContentPart,
  FunctionTool,
  ImageContentPart,
  ProviderContentPart,
  SystemMessage,
  TextContentPart,
  UserContentPart,
  UserMessage,
  Warning,
} from '../spec/chat.js';
import { BadRequestError } from '../spec/errors.js';

export interface PortableUserMessage extends Omit<UserMessage, 'content'> {
  content: string | (TextContentPart | ImageContentPart)[];
}

export interface PortableToolMessage {
  role: 'tool';
  content: string | TextContentPart[];
  tool_call_id: string;
}

export interface PortableAssistantMessage extends Omit<AssistantInputMessage, 'content'> {
  content?: string | TextContentPart[] | null;
}

export type PortableChatMessage = SystemMessage | PortableUserMessage | PortableAssistantMessage | PortableToolMessage;

export interface PortableMessages {
  messages: PortableChatMessage[];
  warnings: Warning[];
}

type Dropped = 'cache_control' | 'document' | 'tool_result_image' | 'is_error' | 'redacted_thinking' | 'provider_block';

const DROP_MESSAGES: Record<Dropped, string> = {
  cache_control: 'has no prompt-cache breakpoints; cache_control hints were dropped',
  document: 'takes no document input; PDF and file documents were dropped (text documents are sent as text)',
  tool_result_image: 'takes text tool results only; images in tool results were dropped',
  is_error: 'has no tool error flag; failed tool results are sent as plain results',
  redacted_thinking: 'cannot replay redacted (encrypted) reasoning blocks; they were dropped',
  provider_block:
    "cannot replay another provider's server tool blocks (web search, code execution…); they were sent as text (container uploads dropped)",
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
        (Array.isArray(message.content) && message.content.some((part) => !isPortableAssistantPart(part)))
      );
    default:
      return typeof message.content !== 'string' && message.content.some((part) => part.cache_control !== undefined);
  }
}

function isPortableUserPart(part: UserContentPart): part is TextContentPart | ImageContentPart {
  return (part.type === 'text' || part.type === 'image_url') && part.cache_control === undefined;
}

function isPortableAssistantPart(part: AssistantContentPart): part is TextContentPart {
  return part.type === 'text' && part.cache_control === undefined;
}

/** A document as text and image parts, when its content is given inline; refused when it is a file id. */
function documentParts(
  part: DocumentContentPart,
  provider: string,
  dropped: Set<Dropped>,
): (TextContentPart | ImageContentPart)[] {
  const source = part.source;
  if (part.cache_control !== undefined) dropped.add('cache_control');
  const title: TextContentPart[] = part.title === undefined ? [] : [{ type: 'text', text: part.title }];
  switch (source.type) {
    case 'text':
      return [{ type: 'text', text: `${part.title === undefined ? '' : `${part.title}\n\n`}${source.data}` }];
    case 'content':
      if (typeof source.content === 'string') return [...title, { type: 'text', text: source.content }];
      return [...title, ...source.content.map((inner) => withoutCache(inner, dropped))];
    case 'file':
      throw new BadRequestError({
        message: `A document block with file source ${JSON.stringify(source.file_id)} can only be read by the provider that stores the file; ${provider} cannot resolve it. Send the document's content instead (base64, text or content source).`,
        param: 'messages',
        provider,
      });
    default:
      dropped.add('document');
      return [];
  }
}

function withoutCache<Part extends { cache_control?: unknown }>(part: Part, dropped: Set<Dropped>): Part {
  if (part.cache_control === undefined) return part;
  dropped.add('cache_control');
  const { cache_control: _, ...rest } = part;
  return rest as Part;
}

function narrow(message: ChatMessage, dropped: Set<Dropped>, provider: string): PortableChatMessage {
  switch (message.role) {
    case 'user': {
      if (typeof message.content === 'string') return message as PortableUserMessage;
      const content: (TextContentPart | ImageContentPart)[] = [];
      for (const part of message.content) {
        if (part.type === 'document') content.push(...documentParts(part, provider, dropped));
        else if (part.type === 'provider') content.push(...providerText(part, dropped));
        else content.push(withoutCache(part, dropped));
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
      const { reasoning, content: parts, ...rest } = message;
      const narrowed: PortableAssistantMessage = rest;
      if (parts !== undefined) narrowed.content = Array.isArray(parts) ? assistantText(parts, dropped) : parts;
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
  const narrowed = messages.map((message) => (needsNarrowing(message) ? narrow(message, dropped, provider) : message));
  return { messages: narrowed as PortableChatMessage[], warnings: dropWarnings(dropped, provider) };
}

/** An assistant turn's parts as text parts: a server tool block becomes its rendering, in place. */
function assistantText(parts: readonly AssistantContentPart[], dropped: Set<Dropped>): TextContentPart[] {
  return parts.flatMap((part) => (part.type === 'text' ? [withoutCache(part, dropped)] : providerText(part, dropped)));
}

/** Another provider's block as its rendering, on lines of its own so that joined parts do not run together. */
function providerText(part: ProviderContentPart, dropped: Set<Dropped>): TextContentPart[] {
  dropped.add('provider_block');
  return part.text === '' ? [] : [{ type: 'text', text: `\n${part.text}\n` }];
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
