/**
 * Builders for typed messages and content parts: `user(text('…'), imageUrl('…'))` instead of object literals.
 * Bytes become a `data:` URL, which every vision adapter accepts.
 */
import type {
  AssistantInputMessage,
  ImageContentPart,
  SystemMessage,
  TextContentPart,
  ToolCall,
  ToolMessage,
  UserContentPart,
  UserMessage,
} from '../spec/chat.js';
import { BadRequestError } from '../spec/errors.js';

export type ImageDetail = 'auto' | 'low' | 'high';

/** A text part. */
export function text(value: string): TextContentPart {
  return { type: 'text', text: value };
}

/** An image by URL (`https:` or `data:`). */
export function imageUrl(url: string, options: { detail?: ImageDetail } = {}): ImageContentPart {
  const image: ImageContentPart['image_url'] = { url };
  if (options.detail !== undefined) image.detail = options.detail;
  return { type: 'image_url', image_url: image };
}

/**
 * An image from bytes (a file you read, a generated chart) with its MIME type, sent as a base64 `data:` URL.
 *
 * @example
 * user(text('What is in this picture?'), imageBytes(readFileSync('cat.png'), 'image/png'));
 */
export function imageBytes(
  bytes: Uint8Array | ArrayBuffer,
  mimeType: string,
  options: { detail?: ImageDetail } = {},
): ImageContentPart {
  if (!/^image\/[\w.+-]+$/.test(mimeType)) {
    throw new BadRequestError({
      message: `imageBytes needs an image MIME type such as image/png (got "${mimeType}")`,
      param: 'mimeType',
    });
  }
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  const base64 = Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
  return imageUrl(`data:${mimeType};base64,${base64}`, options);
}

/** A system message. */
export function system(content: string): SystemMessage {
  return { role: 'system', content };
}

/** A user message: one string, or parts (strings become text parts). */
export function user(...parts: (string | UserContentPart)[]): UserMessage {
  if (parts.length === 1 && typeof parts[0] === 'string') return { role: 'user', content: parts[0] };
  return { role: 'user', content: parts.map((part) => (typeof part === 'string' ? text(part) : part)) };
}

/** An earlier assistant turn (text, and the tool calls it made). */
export function assistant(content: string | null, toolCalls?: ToolCall[]): AssistantInputMessage {
  const message: AssistantInputMessage = { role: 'assistant', content };
  if (toolCalls !== undefined && toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

/** The result of a tool call, as the next turn's input; non-string results are sent as JSON. */
export function toolResult(toolCallId: string, result: unknown): ToolMessage {
  return {
    role: 'tool',
    tool_call_id: toolCallId,
    content: typeof result === 'string' ? result : JSON.stringify(result),
  };
}
