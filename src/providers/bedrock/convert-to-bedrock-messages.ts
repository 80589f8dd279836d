import { resolveImage } from '../../provider-utils/image-fetch.js';
import {
  type PortableAssistantMessage,
  type PortableUserMessage,
  toPortableMessages,
} from '../../provider-utils/portable-messages.js';
import type { ChatMessage, TextContentPart, ToolCall, Warning } from '../../spec/chat.js';
import { BadRequestError } from '../../spec/errors.js';
import type { ImageFetchSettings } from '../../spec/provider.js';

export type BedrockImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export type BedrockContentBlock =
  | { text: string }
  | { image: { format: BedrockImageFormat; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | { toolResult: { toolUseId: string; content: Array<{ text: string }> } };

export interface BedrockMessage {
  role: 'user' | 'assistant';
  content: BedrockContentBlock[];
}

export interface BedrockPrompt {
  system: Array<{ text: string }>;
  messages: BedrockMessage[];
  /** What the portable narrowing dropped (documents, cache hints, tool-result images…). */
  warnings: Warning[];
}

export interface ConvertMessagesOptions {
  imageFetch?: ImageFetchSettings;
  /**
   * Bedrock rejects toolUse/toolResult blocks when the request declares no tools; the history's tool
   * traffic is then written as text so the model still sees it.
   */
  toolBlocksAsText?: boolean;
}

const IMAGE_FORMATS: Record<string, BedrockImageFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

function textOf(content: string | TextContentPart[] | null | undefined): string {
  if (content === null || content === undefined) return '';
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

async function userBlocks(
  content: PortableUserMessage['content'],
  options: ConvertMessagesOptions,
): Promise<BedrockContentBlock[]> {
  if (typeof content === 'string') return [{ text: content }];
  const blocks: BedrockContentBlock[] = [];
  for (const part of content) {
    if (part.type === 'text') {
      blocks.push({ text: part.text });
      continue;
    }
    const image = await resolveImage(part.image_url.url, options.imageFetch);
    const format = IMAGE_FORMATS[image.mediaType.toLowerCase()];
    if (format === undefined) {
      throw new BadRequestError({
        message: `Bedrock takes png, jpeg, gif or webp images, not ${image.mediaType}`,
        param: 'messages',
        isRetryable: false,
      });
    }
    blocks.push({ image: { format, source: { bytes: image.data } } });
  }
  return blocks;
}

function parseToolArguments(call: ToolCall): unknown {
  const text = call.function.arguments.trim();
  if (text === '') return {};
  try {
    const input: unknown = JSON.parse(text);
    if (typeof input === 'object' && input !== null && !Array.isArray(input)) return input;
  } catch {
    // reported below
  }
  throw new BadRequestError({
    message: `The arguments of tool call ${call.id} (${call.function.name}) are not a JSON object`,
    param: 'messages',
    isRetryable: false,
  });
}

function assistantBlocks(message: PortableAssistantMessage, options: ConvertMessagesOptions): BedrockContentBlock[] {
  const blocks: BedrockContentBlock[] = [];
  const text = textOf(message.content);
  // Bedrock rejects blank text blocks; an assistant turn that only calls tools has content "" or null.
  if (text.trim() !== '') blocks.push({ text });
  for (const call of message.tool_calls ?? []) {
    if (options.toolBlocksAsText) {
      blocks.push({ text: `[called tool ${call.function.name} with ${call.function.arguments || '{}'}]` });
    } else {
      blocks.push({ toolUse: { toolUseId: call.id, name: call.function.name, input: parseToolArguments(call) } });
    }
  }
  return blocks;
}

/**
 * OpenAI-shaped messages → Converse `system` + `messages`. System and developer messages (wherever they
 * appear) become system blocks; tool results become user `toolResult` blocks; consecutive messages of the
 * same role are merged, because Bedrock wants user and assistant turns to alternate.
 */
export async function convertToBedrockMessages(
  input: readonly ChatMessage[],
  options: ConvertMessagesOptions = {},
): Promise<BedrockPrompt> {
  const { messages, warnings } = toPortableMessages(input, 'bedrock');
  const system: Array<{ text: string }> = [];
  const converted: BedrockMessage[] = [];
  const push = (role: BedrockMessage['role'], content: BedrockContentBlock[]) => {
    if (content.length === 0) return;
    const last = converted.at(-1);
    if (last?.role === role) last.content.push(...content);
    else converted.push({ role, content });
  };
  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content);
        if (text !== '') system.push({ text });
        break;
      }
      case 'user':
        push('user', await userBlocks(message.content, options));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(message, options));
        break;
      case 'tool': {
        const text = textOf(message.content);
        push(
          'user',
          options.toolBlocksAsText
            ? [{ text: `[result of tool call ${message.tool_call_id}: ${text}]` }]
            : [{ toolResult: { toolUseId: message.tool_call_id, content: [{ text }] } }],
        );
        break;
      }
    }
  }
  return { system, messages: converted, warnings };
}

/** Whether the history carries tool calls or results (Bedrock then insists on a toolConfig). */
export function hasToolTraffic(messages: readonly ChatMessage[]): boolean {
  return messages.some(
    (message) => message.role === 'tool' || (message.role === 'assistant' && (message.tool_calls?.length ?? 0) > 0),
  );
}
