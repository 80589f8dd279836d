import { resolveImage } from '../../provider-utils/image-fetch.js';
import {
  type PortableAssistantMessage,
  type PortableToolMessage,
  type PortableUserMessage,
  toPortableMessages,
} from '../../provider-utils/portable-messages.js';
import type { ChatMessage, Warning } from '../../spec/chat.js';
import { BadRequestError } from '../../spec/errors.js';
import type { ImageFetchSettings } from '../../spec/provider.js';
import { requiresThoughtSignatures, SKIP_THOUGHT_SIGNATURE } from './thought-signature-cache.js';

export type GeminiPart = Record<string, unknown>;

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

export interface ConvertToGeminiMessagesOptions {
  modelId: string;
  imageFetch?: ImageFetchSettings;
  /** The signature Gemini attached to an earlier tool call, by the tool-call id the gateway handed out. */
  thoughtSignature: (toolCallId: string) => string | undefined;
}

export interface GeminiMessages {
  contents: GeminiContent[];
  systemInstruction?: { parts: GeminiPart[] };
  warnings: Warning[];
}

const EXTENSION_MEDIA_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

function textOf(content: string | { type: 'text'; text: string }[] | null | undefined): string {
  if (content === null || content === undefined) return '';
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Gemini reads images as bytes (`inlineData`); only Cloud Storage and Gemini Files API URIs can be passed by
 * reference (`fileData`), so every other URL is fetched here, through the SSRF-safe image fetcher.
 */
async function imagePart(url: string, imageFetch: ImageFetchSettings | undefined): Promise<GeminiPart> {
  if (url.startsWith('gs://') || /^https:\/\/generativelanguage\.googleapis\.com\/v[^/]+\/files\//.test(url)) {
    const extension = /\.([a-z0-9]+)(?:$|[?#])/i.exec(url)?.[1]?.toLowerCase();
    const mimeType = (extension !== undefined ? EXTENSION_MEDIA_TYPES[extension] : undefined) ?? 'image/jpeg';
    return { fileData: { mimeType, fileUri: url } };
  }
  const image = await resolveImage(url, imageFetch);
  return { inlineData: { mimeType: image.mediaType, data: image.data } };
}

async function userParts(
  message: PortableUserMessage,
  imageFetch: ImageFetchSettings | undefined,
): Promise<GeminiPart[]> {
  if (typeof message.content === 'string') return message.content === '' ? [] : [{ text: message.content }];
  const parts: GeminiPart[] = [];
  for (const part of message.content) {
    if (part.type === 'text') parts.push({ text: part.text });
    else parts.push(await imagePart(part.image_url.url, imageFetch));
  }
  return parts;
}

function parseArguments(raw: string, name: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new BadRequestError({
      message: `The arguments of the earlier tool call ${name} are not valid JSON; Gemini needs an object`,
      param: 'messages',
    });
  }
  if (!isRecord(parsed)) {
    throw new BadRequestError({
      message: `The arguments of the earlier tool call ${name} must be a JSON object for Gemini`,
      param: 'messages',
    });
  }
  return parsed;
}

function modelParts(
  message: PortableAssistantMessage,
  options: ConvertToGeminiMessagesOptions,
  unsignedCalls: string[],
): GeminiPart[] {
  const parts: GeminiPart[] = [];
  const text = textOf(message.content);
  if (text !== '') parts.push({ text });
  const calls = message.tool_calls ?? [];
  for (const [position, call] of calls.entries()) {
    const part: GeminiPart = {
      functionCall: { name: call.function.name, args: parseArguments(call.function.arguments, call.function.name) },
    };
    const signature = options.thoughtSignature(call.id);
    if (signature !== undefined) part.thoughtSignature = signature;
    // Parallel calls carry one signature, on the first call of the step; that is the one Gemini 3 checks.
    else if (position === 0 && requiresThoughtSignatures(options.modelId)) {
      part.thoughtSignature = SKIP_THOUGHT_SIGNATURE;
      unsignedCalls.push(call.function.name);
    }
    parts.push(part);
  }
  return parts;
}

function functionResponsePart(message: PortableToolMessage, names: Map<string, string>): GeminiPart {
  const name = names.get(message.tool_call_id);
  if (name === undefined) {
    throw new BadRequestError({
      message: `Tool message refers to tool_call_id ${message.tool_call_id}, which no earlier assistant message called; Gemini needs the function name`,
      param: 'messages',
    });
  }
  const text = textOf(message.content);
  let response: Record<string, unknown> = { content: text };
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) response = parsed;
  } catch {
    // Plain-text results stay wrapped in { content }.
  }
  return { functionResponse: { name, response } };
}

/**
 * OpenAI messages → Gemini `contents` + `systemInstruction`. System and developer messages (wherever they
 * are) form the system instruction; assistant turns become `model` turns with `functionCall` parts; tool
 * results become `functionResponse` parts, consecutive ones merged into one turn as Gemini expects for
 * parallel calls. Gemma models take no system instruction, so it is prepended to the first user turn.
 */
export async function convertToGeminiMessages(
  input: readonly ChatMessage[],
  options: ConvertToGeminiMessagesOptions,
): Promise<GeminiMessages> {
  const portable = toPortableMessages(input, 'google');
  const messages = portable.messages;
  const names = new Map<string, string>();
  for (const message of messages) {
    if (message.role === 'assistant')
      for (const call of message.tool_calls ?? []) names.set(call.id, call.function.name);
  }
  const systemTexts: string[] = [];
  const contents: GeminiContent[] = [];
  const unsignedCalls: string[] = [];
  let previousWasTool = false;
  for (const message of messages) {
    const isTool = message.role === 'tool';
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content);
        if (text !== '') systemTexts.push(text);
        break;
      }
      case 'user': {
        const parts = await userParts(message, options.imageFetch);
        if (parts.length > 0) contents.push({ role: 'user', parts });
        break;
      }
      case 'assistant': {
        const parts = modelParts(message, options, unsignedCalls);
        if (parts.length > 0) contents.push({ role: 'model', parts });
        break;
      }
      case 'tool': {
        const part = functionResponsePart(message, names);
        const last = contents.at(-1);
        if (previousWasTool && last !== undefined) last.parts.push(part);
        else contents.push({ role: 'user', parts: [part] });
        break;
      }
    }
    previousWasTool = isTool;
  }

  const warnings: Warning[] = [...portable.warnings];
  if (unsignedCalls.length > 0) {
    warnings.push({
      type: 'other',
      message: `No thought signature known for replayed tool call(s) ${unsignedCalls.join(', ')}; sent Google's skip_thought_signature_validator placeholder (reasoning context of that step is lost)`,
    });
  }
  const result: GeminiMessages = { contents, warnings };
  if (systemTexts.length === 0) return result;
  const systemParts = systemTexts.map((text) => ({ text }));
  const firstUser = contents.find((content) => content.role === 'user');
  if (options.modelId.toLowerCase().includes('gemma-')) {
    if (firstUser !== undefined) firstUser.parts.unshift({ text: `${systemTexts.join('\n\n')}\n\n` });
    else contents.unshift({ role: 'user', parts: systemParts });
    return result;
  }
  // Gemini rejects a request without contents; a system-only prompt is sent as the user turn.
  if (contents.length === 0) contents.push({ role: 'user', parts: systemParts });
  else result.systemInstruction = { parts: systemParts };
  return result;
}
