import { parseDataUrl } from '../../provider-utils/image-fetch.js';
import type { ChatMessage, TextContentPart, UserContentPart, Warning } from '../../spec/chat.js';
import { BadRequestError } from '../../spec/errors.js';

export type AnthropicImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };

export type AnthropicInputBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: AnthropicImageSource }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string };

export interface AnthropicInputMessage {
  role: 'user' | 'assistant';
  content: AnthropicInputBlock[];
}

export interface AnthropicPrompt {
  system?: string;
  messages: AnthropicInputMessage[];
  warnings: Warning[];
}

function textOf(content: string | TextContentPart[] | null | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => part.text).join('');
}

/** Anthropic rejects empty and whitespace-only text blocks, so they are left out. */
function textBlock(text: string): AnthropicInputBlock[] {
  return text.trim().length === 0 ? [] : [{ type: 'text', text }];
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

function userBlocks(content: string | UserContentPart[]): AnthropicInputBlock[] {
  if (typeof content === 'string') return textBlock(content);
  return content.flatMap((part) => (part.type === 'text' ? textBlock(part.text) : [imageBlock(part.image_url.url)]));
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
  const system: string[] = [];
  const converted: AnthropicInputMessage[] = [];
  let namesDropped = false;
  let lateSystem = false;
  for (const message of messages) {
    if (message.role !== 'tool' && message.name !== undefined) namesDropped = true;
    switch (message.role) {
      case 'system':
      case 'developer': {
        if (converted.length > 0) lateSystem = true;
        const text = textOf(message.content);
        if (text.trim().length > 0) system.push(text);
        break;
      }
      case 'user':
        converted.push({ role: 'user', content: userBlocks(message.content) });
        break;
      case 'assistant': {
        // Earlier reasoning (`reasoning_content`) is not replayed: Anthropic only accepts thinking blocks with
        // the signature it issued, which OpenAI-shaped history does not carry, and it ignores the thinking of
        // earlier turns anyway. Dropping it is lossless for the model, so it is no warning.
        const content = textBlock(textOf(message.content));
        if (content.length === 0 && message.refusal) content.push(...textBlock(message.refusal));
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
      case 'tool':
        converted.push({
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content) }],
        });
        break;
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
  if (system.length > 0) prompt.system = system.join('\n\n');
  return prompt;
}
