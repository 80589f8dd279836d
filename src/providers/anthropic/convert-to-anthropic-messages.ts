import { parseDataUrl } from '../../provider-utils/image-fetch.js';
import type {
  AssistantContentPart,
  CacheControl,
  ChatMessage,
  DocumentContentPart,
  DocumentSource,
  ProviderContentPart,
  ReasoningPart,
  TextContentPart,
  ToolResultContentPart,
  UserContentPart,
  Warning,
} from '../../spec/chat.js';
import { BadRequestError } from '../../spec/errors.js';

export type AnthropicImageSource =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'url'; url: string }
  | { type: 'file'; file_id: string };

type Cached = { cache_control?: CacheControl };

/** The server tool blocks (and container uploads) of earlier turns that Anthropic takes back as it issued them. */
export const ANTHROPIC_SERVER_BLOCK_TYPES = [
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
  'container_upload',
] as const;

export type AnthropicServerBlock = { type: (typeof ANTHROPIC_SERVER_BLOCK_TYPES)[number] } & Record<string, unknown>;

/** A document source as Anthropic takes it: inline content is its own text and image blocks. */
export type AnthropicDocumentSource =
  | Exclude<DocumentSource, { type: 'content' }>
  | { type: 'content'; content: string | AnthropicInputBlock[] };

export type AnthropicInputBlock =
  | ({ type: 'text'; text: string } & Cached)
  | ({ type: 'image'; source: AnthropicImageSource } & Cached)
  | ({
      type: 'document';
      source: AnthropicDocumentSource;
      title?: string;
      context?: string;
      citations?: { enabled: boolean };
    } & Cached)
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | AnthropicServerBlock
  | ({ type: 'tool_use'; id: string; name: string; input: Record<string, unknown> } & Cached)
  | ({
      type: 'tool_result';
      tool_use_id: string;
      content: string | AnthropicInputBlock[];
      is_error?: boolean;
    } & Cached);

export interface AnthropicInputMessage {
  role: 'user' | 'assistant';
  content: AnthropicInputBlock[];
}

export type AnthropicSystem = string | ({ type: 'text'; text: string } & Cached)[];

export interface AnthropicPrompt {
  system?: AnthropicSystem;
  messages: AnthropicInputMessage[];
  warnings: Warning[];
}

function textOf(content: string | AssistantContentPart[] | null | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => part.text).join('');
}

function isServerBlock(block: Readonly<Record<string, unknown>>): block is AnthropicServerBlock {
  return (ANTHROPIC_SERVER_BLOCK_TYPES as readonly unknown[]).includes(block.type);
}

function cached<Block extends object>(block: Block, part: Cached): Block & Cached {
  return part.cache_control === undefined ? block : { ...block, cache_control: part.cache_control };
}

/** Anthropic rejects empty and whitespace-only text blocks, so they are left out. */
function textBlock(text: string, part: Cached = {}): AnthropicInputBlock[] {
  return text.trim().length === 0 ? [] : [cached({ type: 'text', text }, part)];
}

/**
 * Text content as blocks: one per part when a part carries a cache breakpoint or is a server tool block, so
 * each stays where the client put it; Anthropic's own server blocks go back as issued, another provider's as text.
 */
function textBlocks(content: string | AssistantContentPart[] | null | undefined): AnthropicInputBlock[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return textBlock(content);
  if (!content.some((part) => part.type === 'provider' || part.cache_control !== undefined))
    return textBlock(textOf(content));
  return content.flatMap((part): AnthropicInputBlock[] => {
    if (part.type === 'text') return textBlock(part.text, part);
    return providerBlock(part);
  });
}

/** Anthropic's own block back as issued; another provider's as its text. */
function providerBlock(part: ProviderContentPart): AnthropicInputBlock[] {
  if (part.provider === 'anthropic' && isServerBlock(part.block)) return [{ ...part.block }];
  return textBlock(part.text);
}

function imageBlock(url: string): AnthropicInputBlock {
  if (url.startsWith('data:')) {
    const image = parseDataUrl(url);
    if (image === undefined) {
      throw new BadRequestError({ message: 'An image data URL could not be parsed', param: 'messages' });
    }
    return { type: 'image', source: { type: 'base64', media_type: image.mediaType, data: image.data } };
  }
  if (/^https?:\/\//i.test(url)) {
    // Anthropic fetches public image URLs itself: passing the URL keeps the gateway off the fetch path (no
    // SSRF exposure, no bytes through the gateway, smaller request bodies), which is why resolveImage is not used.
    return { type: 'image', source: { type: 'url', url } };
  }
  throw new BadRequestError({
    code: 'unsafe_url',
    message: `Image URLs must be http(s) or data URLs, got ${url.slice(0, 30)}`,
    param: 'messages',
  });
}

function documentSource(source: DocumentSource): AnthropicDocumentSource {
  if (source.type !== 'content' || typeof source.content === 'string') return source as AnthropicDocumentSource;
  return {
    type: 'content',
    content: source.content.map((part) =>
      part.type === 'text'
        ? cached({ type: 'text', text: part.text }, part)
        : cached(imageBlock(part.image_url.url), part),
    ),
  };
}

function documentBlock(part: DocumentContentPart): AnthropicInputBlock {
  const block: AnthropicInputBlock = { type: 'document', source: documentSource(part.source) };
  if (part.title !== undefined) block.title = part.title;
  if (part.context !== undefined) block.context = part.context;
  if (part.citations !== undefined) block.citations = part.citations;
  return cached(block, part);
}

function userBlocks(content: string | UserContentPart[]): AnthropicInputBlock[] {
  if (typeof content === 'string') return textBlock(content);
  return content.flatMap((part) => {
    if (part.type === 'text') return textBlock(part.text, part);
    if (part.type === 'document') return [documentBlock(part)];
    if (part.type === 'provider') return providerBlock(part);
    return [cached(imageBlock(part.image_url.url), part)];
  });
}

function toolResultContent(content: string | ToolResultContentPart[]): string | AnthropicInputBlock[] {
  if (typeof content === 'string') return content;
  if (content.every((part) => part.type === 'text' && part.cache_control === undefined)) {
    return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  }
  return content.flatMap((part) =>
    part.type === 'text' ? textBlock(part.text, part) : [cached(imageBlock(part.image_url.url), part)],
  );
}

/** Reasoning blocks Anthropic accepts back: thinking with the signature it issued, redacted thinking as is. */
function reasoningBlocks(reasoning: readonly ReasoningPart[] | undefined): AnthropicInputBlock[] {
  if (reasoning === undefined) return [];
  return reasoning.flatMap((part): AnthropicInputBlock[] => {
    if (part.type === 'redacted_thinking') return [{ type: 'redacted_thinking', data: part.data }];
    return part.signature === undefined
      ? []
      : [{ type: 'thinking', thinking: part.thinking, signature: part.signature }];
  });
}

function toolInput(argumentsText: string, name: string, warnings: Warning[]): Record<string, unknown> {
  if (argumentsText.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(argumentsText);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  warnings.push({
    type: 'other',
    message: `The arguments of an earlier ${name} tool call are not a JSON object; they were replaced by {}`,
  });
  return {};
}

/**
 * OpenAI-shaped messages → Anthropic's `system` + alternating user/assistant messages. System and developer
 * messages move to the top-level `system`; tool results become user `tool_result` blocks; consecutive
 * messages of one role are merged because Anthropic requires alternation.
 */
export function convertToAnthropicMessages(messages: readonly ChatMessage[]): AnthropicPrompt {
  const warnings: Warning[] = [];
  const system: (string | TextContentPart[])[] = [];
  const converted: AnthropicInputMessage[] = [];
  let namesDropped = false;
  let lateSystem = false;
  for (const message of messages) {
    if (message.role !== 'tool' && message.name !== undefined) namesDropped = true;
    switch (message.role) {
      case 'system':
      case 'developer': {
        if (converted.length > 0) lateSystem = true;
        system.push(message.content);
        break;
      }
      case 'user':
        converted.push({ role: 'user', content: userBlocks(message.content) });
        break;
      case 'assistant': {
        // Unsigned reasoning (`reasoning_content`, another provider's thinking) is not replayed: Anthropic only
        // accepts thinking blocks with the signature it issued, and it ignores the thinking of earlier turns
        // anyway. Dropping it is lossless for the model, so it is no warning.
        const content = reasoningBlocks(message.reasoning);
        const text = textBlocks(message.content);
        if (text.length === 0 && message.refusal) text.push(...textBlock(message.refusal));
        content.push(...text);
        for (const call of message.tool_calls ?? []) {
          content.push({
            type: 'tool_use',
            id: call.id,
            name: call.function.name,
            input: toolInput(call.function.arguments, call.function.name, warnings),
          });
        }
        converted.push({ role: 'assistant', content });
        break;
      }
      case 'tool': {
        const result: AnthropicInputBlock = {
          type: 'tool_result',
          tool_use_id: message.tool_call_id,
          content: toolResultContent(message.content),
        };
        if (message.is_error !== undefined) result.is_error = message.is_error;
        converted.push({ role: 'user', content: [cached(result, message)] });
        break;
      }
    }
  }
  if (namesDropped) {
    warnings.push({ type: 'unsupported-setting', setting: 'name', message: 'anthropic has no message names; dropped' });
  }
  if (lateSystem) {
    warnings.push({
      type: 'other',
      message: 'anthropic takes one system prompt; system messages after the first turn were moved to it',
    });
  }

  const merged: AnthropicInputMessage[] = [];
  for (const message of converted) {
    if (message.content.length === 0) continue;
    const last = merged.at(-1);
    if (last !== undefined && last.role === message.role) last.content.push(...message.content);
    else merged.push({ role: message.role, content: [...message.content] });
  }
  for (const message of merged) {
    // A user turn that answers tool calls must start with its tool_result blocks.
    if (message.role === 'user') {
      message.content = [
        ...message.content.filter((block) => block.type === 'tool_result'),
        ...message.content.filter((block) => block.type !== 'tool_result'),
      ];
    }
  }
  const final = merged.at(-1);
  const finalBlock = final?.content.at(-1);
  // A trailing assistant message is a prefill; Anthropic rejects one that ends in whitespace.
  if (final?.role === 'assistant' && finalBlock?.type === 'text') finalBlock.text = finalBlock.text.trimEnd();
  if (merged.length === 0) {
    throw new BadRequestError({
      code: 'missing_field',
      message: 'anthropic needs at least one user or assistant message with content',
      param: 'messages',
    });
  }
  const prompt: AnthropicPrompt = { messages: merged, warnings };
  const breakpoints = system.some(
    (content) => typeof content !== 'string' && content.some((part) => part.cache_control !== undefined),
  );
  if (breakpoints) {
    // Cache breakpoints need the block form of `system`; each part stays a block so each keeps its breakpoint.
    const blocks = system.flatMap((content) => textBlocks(typeof content === 'string' ? content : content));
    prompt.system = blocks.flatMap((block) => (block.type === 'text' ? [block] : []));
  } else {
    const texts = system.map(textOf).filter((text) => text.trim().length > 0);
    if (texts.length > 0) prompt.system = texts.join('\n\n');
  }
  return prompt;
}
