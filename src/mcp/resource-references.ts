/**
 * `mcp://<server>/<resource-uri>` references inside user messages: each is read with `resources/read`
 * (MCP_RESOURCE_FETCH_TIMEOUT, capped at MCP_MAX_TOOL_RESULT_SIZE) and its text appended to the message as
 * context. A failure stops the request with an error naming the resource.
 */
import type { ReadResourceResult } from '@modelcontextprotocol/client';
import type { ChatMessage, UserMessage } from '../spec/chat.js';
import { BadRequestError, McpError } from '../spec/errors.js';
import type { McpManager } from './mcp-manager.js';
import { isServerAllowedForKey } from './tool-policy.js';
import { capText } from './tool-result.js';

const REFERENCE = /mcp:\/\/([A-Za-z0-9_-]+)\/(\S+)/g;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"»]+$/;

export interface ResourceReference {
  /** As written: `mcp://<server>/<uri>`. */
  reference: string;
  server: string;
  uri: string;
}

function messageText(message: UserMessage): string {
  return typeof message.content === 'string'
    ? message.content
    : message.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}

/** The distinct references in the user messages, in order of appearance. */
export function findResourceReferences(messages: readonly ChatMessage[]): ResourceReference[] {
  const found = new Map<string, ResourceReference>();
  for (const message of messages) {
    if (message.role !== 'user') continue;
    for (const match of messageText(message).matchAll(REFERENCE)) {
      const uri = (match[2] ?? '').replace(TRAILING_PUNCTUATION, '');
      const server = match[1] ?? '';
      const reference = `mcp://${server}/${uri}`;
      if (uri !== '' && !found.has(reference)) found.set(reference, { reference, server, uri });
    }
  }
  return [...found.values()];
}

function resourceText(result: ReadResourceResult): string {
  return result.contents
    .map((content) =>
      'text' in content && typeof content.text === 'string'
        ? content.text
        : `[binary ${content.mimeType ?? 'content'}, ${'blob' in content ? Math.floor((content.blob.length * 3) / 4) : 0} bytes]`,
    )
    .join('\n');
}

export interface ResolveOptions {
  requestId?: string;
  /** The calling key's MCP restriction globs: a server it cannot reach is refused. */
  keyGlobs?: readonly string[];
  signal?: AbortSignal;
}

/** Reads every reference and returns the messages with each referencing user message extended by the contents. */
export async function resolveResourceReferences(
  manager: McpManager,
  messages: ChatMessage[],
  options: ResolveOptions = {},
): Promise<ChatMessage[]> {
  const references = findResourceReferences(messages);
  if (references.length === 0) return messages;
  const settings = manager.settings;
  const texts = await Promise.all(
    references.map(async (reference) => {
      const connection = manager.server(reference.server);
      if (connection === undefined) {
        throw new BadRequestError({
          message: `Cannot read ${reference.reference}: no MCP server is named "${reference.server}"`,
          param: 'messages',
        });
      }
      if (!isServerAllowedForKey(options.keyGlobs, reference.server)) {
        throw new McpError({
          code: 'mcp_tool_not_allowed',
          message: `Cannot read ${reference.reference}: the MCP server "${reference.server}" is not allowed for this API key`,
          param: 'messages',
        });
      }
      try {
        const result = await connection.readResource(reference.uri, {
          timeoutMs: settings.resourceFetchTimeout,
          ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
        return capText(resourceText(result), settings.maxToolResultSize).text;
      } catch (error) {
        throw new McpError({
          code: 'mcp_resource_error',
          message: `Cannot read ${reference.reference}: ${error instanceof Error ? error.message : String(error)}`,
          cause: error,
        });
      }
    }),
  );
  const byReference = new Map(references.map((reference, index) => [reference.reference, texts[index] ?? '']));
  return messages.map((message) => {
    if (message.role !== 'user') return message;
    const own = findResourceReferences([message]);
    if (own.length === 0) return message;
    const context = own.map((reference) => `[${reference.reference}]\n${byReference.get(reference.reference) ?? ''}`);
    const text = `${messageText(message)}\n\n<mcp-resources>\n${context.join('\n\n')}\n</mcp-resources>`;
    const images = typeof message.content === 'string' ? [] : message.content.filter((part) => part.type !== 'text');
    return images.length === 0
      ? { ...message, content: text }
      : { ...message, content: [{ type: 'text' as const, text }, ...images] };
  });
}
