import { resolveImage } from '../../provider-utils/image-fetch.js';
import { toPortableMessages } from '../../provider-utils/portable-messages.js';
import type { ChatMessage, TextContentPart, Warning } from '../../spec/chat.js';
import { BadRequestError } from '../../spec/errors.js';
import type { ImageFetchSettings } from '../../spec/provider.js';

export interface OllamaToolCallInput {
  function: { name: string; arguments: Record<string, unknown> };
}

/** A message as `/api/chat` takes it (docs/api.md "The message object"). */
export interface OllamaMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  thinking?: string;
  images?: string[];
  tool_calls?: OllamaToolCallInput[];
  tool_name?: string;
}

function textOf(content: string | TextContentPart[] | null | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => part.text).join('\n');
}

/** Ollama takes tool arguments as a JSON object; OpenAI history carries them as a JSON string. */
function parseToolArguments(value: string, name: string): Record<string, unknown> {
  if (value.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadRequestError({
      message: `The arguments of tool call ${name} are not a JSON object; Ollama needs an object`,
      param: 'messages',
      provider: 'ollama',
      isRetryable: false,
    });
  }
  return parsed as Record<string, unknown>;
}

export interface ConvertMessagesOptions {
  imageFetch?: ImageFetchSettings;
}

/**
 * OpenAI-shaped messages → Ollama messages. Images become base64 (`images`), fetched with the SSRF-safe
 * resolver; tool results get `tool_name` from the assistant call they answer (Ollama has no call ids).
 */
export async function convertToOllamaMessages(
  input: readonly ChatMessage[],
  options: ConvertMessagesOptions = {},
): Promise<{ messages: OllamaMessage[]; warnings: Warning[] }> {
  const { messages, warnings } = toPortableMessages(input, 'ollama');
  const toolNames = new Map<string, string>();
  let warnedName = false;
  let warnedDetail = false;
  const converted: OllamaMessage[] = [];
  for (const message of messages) {
    if (message.role !== 'tool' && message.name !== undefined && !warnedName) {
      warnedName = true;
      warnings.push({
        type: 'unsupported-setting',
        setting: 'messages[].name',
        message: 'Ollama has no participant names; message names were dropped',
      });
    }
    switch (message.role) {
      case 'system':
      case 'developer':
        converted.push({ role: 'system', content: textOf(message.content) });
        break;
      case 'user': {
        if (typeof message.content === 'string') {
          converted.push({ role: 'user', content: message.content });
          break;
        }
        const texts: string[] = [];
        const images: string[] = [];
        for (const part of message.content) {
          if (part.type === 'text') {
            texts.push(part.text);
            continue;
          }
          const detail = part.image_url.detail;
          if (detail !== undefined && detail !== 'auto' && !warnedDetail) {
            warnedDetail = true;
            warnings.push({
              type: 'unsupported-setting',
              setting: 'image_url.detail',
              message: 'Ollama has no image detail setting; images are sent as they are',
            });
          }
          const image = await resolveImage(part.image_url.url, options.imageFetch);
          images.push(image.data);
        }
        const user: OllamaMessage = { role: 'user', content: texts.join('\n') };
        if (images.length > 0) user.images = images;
        converted.push(user);
        break;
      }
      case 'assistant': {
        let content = textOf(message.content);
        if (content === '' && typeof message.refusal === 'string') content = message.refusal;
        const assistant: OllamaMessage = { role: 'assistant', content };
        if (message.reasoning_content !== undefined && message.reasoning_content !== '')
          assistant.thinking = message.reasoning_content;
        if (message.tool_calls !== undefined && message.tool_calls.length > 0) {
          assistant.tool_calls = message.tool_calls.map((call) => {
            toolNames.set(call.id, call.function.name);
            return {
              function: {
                name: call.function.name,
                arguments: parseToolArguments(call.function.arguments, call.function.name),
              },
            };
          });
        }
        converted.push(assistant);
        break;
      }
      case 'tool': {
        const tool: OllamaMessage = { role: 'tool', content: textOf(message.content) };
        const name = toolNames.get(message.tool_call_id);
        if (name !== undefined) tool.tool_name = name;
        converted.push(tool);
        break;
      }
    }
  }
  return { messages: converted, warnings };
}
